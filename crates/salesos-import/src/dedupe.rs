//! Exact duplicate decisions: a row against the existing records that share one of its match
//! keys (fetched by the app for a whole batch in one lookup), and against earlier rows of the
//! same file (a compact set of key hashes kept for the run).
//!
//! Candidates are confirmed on the records' real keys, so a hash collision never makes a match.
//! Several confirmed candidates are never resolved silently: the decision is
//! [`Decision::Ambiguous`], and the row fails until review-queue flagging exists.

use crate::spec::MatchOn;
use crate::transform::TransformedRow;
use salesos_model::ids::RecordId;
use salesos_model::keys::{external_id_key, normalize_email, normalize_phone, record_match_keys, MatchKey, MatchKeyKind};
use salesos_model::record::Fields;
use salesos_model::record::Record;
use salesos_model::schema::FieldType;
use salesos_model::schema::ObjectDef;
use salesos_model::value::Value;
use std::collections::{BTreeSet, HashMap};

/// What dedupe found for a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// No existing record and no earlier row matches.
    New,
    /// Exactly one existing record matches.
    Match {
        /// The record.
        id: RecordId,
        /// The key kind that matched (`email`, `phone`, `external_id`, `company_name`, `fields`).
        method: &'static str,
    },
    /// Several existing records match.
    Ambiguous {
        /// Their ids, ascending.
        ids: Vec<RecordId>,
    },
    /// An earlier row of the file has the same key.
    InFile {
        /// That row's number.
        first_row: u64,
    },
}

/// The values a row is matched by: store keys, or a composite of field values.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RowKeys {
    /// Match keys looked up in the store's key index.
    pub keys: Vec<MatchKey>,
    /// The composite of the `match` fields' values, for field matches.
    pub composite: Option<String>,
    /// The row's domain keys, which confirm a name match on accounts.
    pub domains: Vec<String>,
}

impl RowKeys {
    /// Returns whether the row has nothing to match by.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty() && self.composite.is_none()
    }
}

/// Returns the composite key of field values: each value's canonical text, trimmed and lower-cased,
/// joined; `None` when any is empty.
pub fn composite_key(fields: &Fields, keys: &[String]) -> Option<String> {
    let mut parts = Vec::with_capacity(keys.len());
    for key in keys {
        let value = fields.get(key).filter(|v| !v.is_empty())?;
        let text = match value {
            Value::Labeled(items) => items.first()?.value.clone(),
            other => other.to_string(),
        };
        parts.push(text.trim().to_lowercase());
    }
    Some(parts.join("\u{1f}"))
}

/// Computes the keys a row is matched by.
///
/// For `Fields` matches, `field_keys` are the storage keys of the match fields.
pub fn row_keys(
    match_on: &MatchOn,
    object: &ObjectDef,
    row: &TransformedRow,
    field_keys: &[String],
    default_country: &str,
) -> RowKeys {
    let all = || record_match_keys(object, &row.fields, &row.external_ids, default_country);
    let of_kind = |kind: MatchKeyKind| contact_keys(object, &row.fields, kind, default_country);
    match match_on {
        MatchOn::Email => RowKeys { keys: of_kind(MatchKeyKind::Email), ..RowKeys::default() },
        MatchOn::Phone => RowKeys { keys: of_kind(MatchKeyKind::Phone), ..RowKeys::default() },
        MatchOn::ExternalId(system) => RowKeys {
            keys: row
                .external_ids
                .iter()
                .filter(|e| &e.system == system)
                .map(|e| MatchKey { kind: MatchKeyKind::ExternalId, normalized: external_id_key(e) })
                .collect(),
            ..RowKeys::default()
        },
        MatchOn::NameAndDomain => {
            let keys = all();
            RowKeys {
                domains: keys.iter().filter(|k| k.kind == MatchKeyKind::Domain).map(|k| k.normalized.clone()).collect(),
                keys: keys.into_iter().filter(|k| k.kind == MatchKeyKind::CompanyName).collect(),
                composite: None,
            }
        }
        MatchOn::Fields(_) => RowKeys { composite: composite_key(&row.fields, field_keys), ..RowKeys::default() },
    }
}

/// The email or phone keys of a row only (what `record_match_keys` would keep of that kind,
/// without normalizing every other value of the row).
fn contact_keys(object: &ObjectDef, fields: &Fields, kind: MatchKeyKind, default_country: &str) -> Vec<MatchKey> {
    let wanted = if kind == MatchKeyKind::Email { FieldType::Email } else { FieldType::Phone };
    let mut keys = Vec::new();
    let mut add = |text: &str| {
        let normalized = match kind {
            MatchKeyKind::Email => normalize_email(text),
            _ => normalize_phone(text, default_country),
        };
        if let Some(normalized) = normalized {
            keys.push(MatchKey { kind, normalized });
        }
    };
    // Without collecting a field's texts first: this runs for every row.
    for def in object.fields.iter().filter(|d| d.field_type == wanted) {
        match fields.get(&def.api_name) {
            Some(Value::Text(text)) => add(text),
            Some(Value::Labeled(items)) => items.iter().for_each(|item| add(&item.value)),
            _ => {}
        }
    }
    keys.sort();
    keys.dedup();
    keys
}

/// Existing records that share a key with some row of a batch, as the app fetched them.
#[derive(Debug, Clone, Default)]
pub struct Candidates {
    by_key: HashMap<MatchKey, Vec<RecordId>>,
    by_composite: HashMap<String, Vec<RecordId>>,
    records: HashMap<RecordId, Record>,
}

impl Candidates {
    /// Creates an empty set.
    pub fn new() -> Candidates {
        Candidates::default()
    }

    /// Adds the ids the store returned for a key.
    pub fn add_key_hits(&mut self, key: MatchKey, ids: Vec<RecordId>) {
        if !ids.is_empty() {
            self.by_key.entry(key).or_default().extend(ids);
        }
    }

    /// Adds a record that holds a composite key.
    pub fn add_composite_hit(&mut self, composite: String, id: RecordId) {
        self.by_composite.entry(composite).or_default().push(id);
    }

    /// Adds a fetched record.
    pub fn add_record(&mut self, record: Record) {
        self.records.insert(record.id, record);
    }

    /// Returns the ids of every record a key lookup returned (to fetch them).
    pub fn ids_to_fetch(&self) -> Vec<RecordId> {
        let ids: BTreeSet<RecordId> = self
            .by_key
            .values()
            .chain(self.by_composite.values())
            .flatten()
            .copied()
            .filter(|id| !self.records.contains_key(id))
            .collect();
        ids.into_iter().collect()
    }

    /// Returns a fetched record.
    pub fn record(&self, id: RecordId) -> Option<&Record> {
        self.records.get(&id)
    }
}

/// Hashes an already well-mixed 64-bit key (an xxh3 hash) by passing it through.
#[derive(Debug, Clone, Copy, Default)]
struct PassThrough(u64);

impl std::hash::Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*byte);
        }
    }

    fn write_i64(&mut self, value: i64) {
        self.0 = value as u64;
    }
}

/// A 64-bit key hash as two 32-bit halves, so that an entry with a `u32` row packs into 12
/// bytes instead of 16 (the set is the one structure of a run that grows with the rows).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct PackedHash([u32; 2]);

impl PackedHash {
    fn new(hash: i64) -> PackedHash {
        let bits = hash as u64;
        PackedHash([bits as u32, (bits >> 32) as u32])
    }
}

impl std::hash::Hash for PackedHash {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        state.write_i64((u64::from(self.0[0]) | (u64::from(self.0[1]) << 32)) as i64);
    }
}

/// The keys of earlier rows of the file: 64-bit hashes mapped to the first row that had them.
#[derive(Debug, Clone)]
pub struct InFileKeys {
    // Row numbers as u32 (files have far fewer rows): 12-byte entries keep a million keys small.
    // The keys are spread over shards, so that a table growing (which holds its old and its new
    // buckets at once) is one shard, not the whole set: one table of a million keys peaked at
    // 1.5 times its size, near the end of the file, where the rest of the run's memory peaks too.
    shards: Vec<HashMap<PackedHash, u32, std::hash::BuildHasherDefault<PassThrough>>>,
}

/// log2 of the number of shards of [`InFileKeys`].
const SHARD_BITS: u32 = 6;

/// The shard of a hash: bits that neither a table's bucket index (the low bits) nor its control
/// bytes (the top seven) use, so every shard's table sees well-spread hashes.
fn shard_of(hash: i64) -> usize {
    ((hash as u64 >> 40) & ((1 << SHARD_BITS) - 1)) as usize
}

impl Default for InFileKeys {
    fn default() -> InFileKeys {
        InFileKeys { shards: (0..1 << SHARD_BITS).map(|_| HashMap::default()).collect() }
    }
}

impl InFileKeys {
    /// Creates an empty set.
    pub fn new() -> InFileKeys {
        InFileKeys::default()
    }

    /// The hashes of a row's keys, without collecting them (this runs twice for every row).
    fn hashes(keys: &RowKeys) -> impl Iterator<Item = i64> + '_ {
        let composite = keys
            .composite
            .as_ref()
            .map(|composite| salesos_model::keys::key_hash(MatchKeyKind::ExternalId, &format!("fields\u{1f}{composite}")));
        keys.keys.iter().map(MatchKey::hash).chain(composite)
    }

    /// Returns the first earlier row with one of these keys.
    pub fn find(&self, keys: &RowKeys) -> Option<u64> {
        InFileKeys::hashes(keys)
            .filter_map(|h| self.shards[shard_of(h)].get(&PackedHash::new(h)))
            .min()
            .map(|row| u64::from(*row))
    }

    /// Remembers a row's keys (the first row with a key keeps it).
    pub fn insert(&mut self, keys: &RowKeys, row: u64) {
        for hash in InFileKeys::hashes(keys) {
            self.shards[shard_of(hash)].entry(PackedHash::new(hash)).or_insert(u32::try_from(row).unwrap_or(u32::MAX));
        }
    }

    /// Keys remembered.
    pub fn len(&self) -> usize {
        self.shards.iter().map(HashMap::len).sum()
    }

    /// Whether no key is remembered.
    pub fn is_empty(&self) -> bool {
        self.shards.iter().all(HashMap::is_empty)
    }
}

/// Decides whether a row duplicates an existing record or an earlier row.
pub fn decide(
    object: &ObjectDef,
    keys: &RowKeys,
    candidates: &Candidates,
    in_file: &InFileKeys,
    default_country: &str,
) -> Decision {
    if keys.is_empty() {
        return Decision::New;
    }
    let mut confirmed: BTreeSet<RecordId> = BTreeSet::new();
    let mut method = "fields";
    for key in &keys.keys {
        for id in candidates.by_key.get(key).into_iter().flatten() {
            let Some(record) = candidates.records.get(id) else { continue };
            let record_keys = record_match_keys(object, &record.fields, &record.external_ids, default_country);
            if !record_keys.contains(key) {
                continue; // A hash collision: not the same value.
            }
            if key.kind == MatchKeyKind::CompanyName && !keys.domains.is_empty() {
                let record_domains: Vec<&str> =
                    record_keys.iter().filter(|k| k.kind == MatchKeyKind::Domain).map(|k| k.normalized.as_str()).collect();
                if !record_domains.is_empty() && !record_domains.iter().any(|d| keys.domains.iter().any(|r| r == d)) {
                    continue; // Same name, different company domain.
                }
            }
            method = key.kind.as_str();
            confirmed.insert(*id);
        }
    }
    if let Some(composite) = &keys.composite {
        confirmed.extend(candidates.by_composite.get(composite).into_iter().flatten().copied());
    }
    if let Some(first_row) = in_file.find(keys) {
        return Decision::InFile { first_row };
    }
    match confirmed.len() {
        0 => Decision::New,
        1 => Decision::Match { id: *confirmed.iter().next().unwrap_or(&RecordId(0)), method },
        _ => Decision::Ambiguous { ids: confirmed.into_iter().collect() },
    }
}

#[cfg(test)]
mod tests;
