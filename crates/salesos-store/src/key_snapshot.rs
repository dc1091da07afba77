//! Snapshots of the match keys an object holds, for imports that would otherwise probe the key
//! index once per row (SQLite).
//!
//! An import large beside the store (an organization's first import of an object, or 1M rows
//! into 1M) pays more for its per-row index probes than for reading the object's keys once in key
//! order: a probe costs a few microseconds (a B-tree descent, usually a page read, and a page
//! cache that every commit of the import's own writer empties), a scanned key a fraction of one.
//! The snapshot keeps the scanned keys in a Bloom filter (10 bits a key), so a row whose keys
//! the filter rules out needs no probe at all; the rest (hits, and about 1 % false positives)
//! are probed as before.
//!
//! A snapshot is only as good as the moment it was taken. Every transaction that adds match keys
//! notes its object and operation in `key_writes` with a write epoch one past the largest
//! (SQLite serializes writers, so epochs follow commit order); an import asks before each batch
//! whether anything but its own operation wrote keys of the object since the snapshot's epoch,
//! and stops trusting the snapshot if so. Keys the import wrote itself are in its in-file
//! duplicate set. Merging recent keys into the main table moves keys without adding any, and
//! deleted keys only make the filter answer "maybe".
//!
//! PostgreSQL takes no snapshots: its lookups run in the server beside the import and are fast
//! enough (issue 2's figures), and one epoch row would serialize its concurrent writers.

use crate::error::Result;
use crate::sql::Tx;
use crate::{Backend, Store};
use salesos_model::ids::{ObjectId, OperationId};
use salesos_model::keys::MatchKeyKind;

/// Bits of the filter per key: about 1 % false positives with [`HASHES`] probes.
const BITS_PER_KEY: u64 = 10;

/// Bit positions per key.
const HASHES: u64 = 7;

/// Notes, in the writing transaction, that `operation` (or no operation) added match keys of
/// `object` (SQLite; nothing on PostgreSQL).
pub(crate) const NOTE_KEY_WRITES: &str = "INSERT INTO key_writes (object_id, operation_id, epoch)
     VALUES ($1, $2, (SELECT COALESCE(MAX(epoch), 0) + 1 FROM key_writes))
     ON CONFLICT (object_id, operation_id) DO UPDATE SET epoch = excluded.epoch";

/// The `operation_id` stored for writes outside an operation.
pub(crate) fn operation_code(operation: Option<OperationId>) -> i64 {
    operation.map_or(0, |op| op.0)
}

/// Notes a key write through a portable transaction (see [`NOTE_KEY_WRITES`]).
pub(crate) fn note_key_writes(tx: &mut Tx<'_>, object: ObjectId, operation: Option<OperationId>) -> Result<()> {
    if tx.is_sqlite() {
        tx.exec(NOTE_KEY_WRITES, &[object.0.into(), operation_code(operation).into()])?;
    }
    Ok(())
}

/// The match keys of some kinds that one object held at one moment, as a Bloom filter: a key
/// the filter rules out was not there; one it may hold must be looked up.
#[derive(Debug, Clone)]
pub struct KeySnapshot {
    object: ObjectId,
    kinds: Vec<i64>,
    epoch: i64,
    keys: u64,
    /// The object's stored filters ([`crate::key_filter`]) and one of the keys read now; a key is
    /// held if any holds it.
    filters: Vec<BloomFilter>,
}

impl KeySnapshot {
    /// The object whose keys this holds.
    pub fn object(&self) -> ObjectId {
        self.object
    }

    /// How many keys were read into it (the stored filters' keys not counted).
    pub fn keys(&self) -> u64 {
        self.keys
    }

    /// Whether the store may have held the key (`kind`, `hash`) when the snapshot was taken;
    /// always true for a kind the snapshot does not cover.
    pub fn may_hold(&self, kind: MatchKeyKind, hash: i64) -> bool {
        let key = mix(kind.code(), hash);
        !self.kinds.contains(&kind.code()) || self.filters.iter().any(|filter| filter.contains(key))
    }
}

/// One 64-bit value per (kind, hash), so equal hashes of two kinds set different bits.
pub(crate) fn mix(kind: i64, hash: i64) -> u64 {
    (hash as u64) ^ (kind as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

/// The splitmix64 finalizer: spreads the bits of a key over the whole word.
fn spread(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// The bit positions of `key` in a filter of `words` 64-bit words (double hashing).
fn positions(words: usize, key: u64) -> impl Iterator<Item = usize> {
    let bits = words as u64 * 64;
    let first = spread(key);
    let step = spread(first ^ 0xD6E8_FEB8_6659_FD93) | 1;
    (0..HASHES).map(move |i| (first.wrapping_add(i.wrapping_mul(step)) % bits) as usize)
}

/// A Bloom filter over 64-bit keys (double hashing over one bit vector).
#[derive(Debug, Clone)]
pub(crate) struct BloomFilter {
    words: Vec<u64>,
}

impl BloomFilter {
    /// A filter sized for `keys` keys at [`BITS_PER_KEY`].
    pub(crate) fn with_capacity(keys: u64) -> BloomFilter {
        BloomFilter::with_bits_per_key(keys, BITS_PER_KEY)
    }

    /// A filter sized for `keys` keys at `bits_per_key` bits each.
    pub(crate) fn with_bits_per_key(keys: u64, bits_per_key: u64) -> BloomFilter {
        let bits = (keys.saturating_mul(bits_per_key)).max(64);
        BloomFilter { words: vec![0; bits.div_ceil(64) as usize] }
    }

    /// Adds a key.
    pub(crate) fn insert(&mut self, key: u64) {
        for bit in positions(self.words.len(), key) {
            self.words[bit / 64] |= 1 << (bit % 64);
        }
    }

    /// Whether the key may have been added (never false for one that was).
    pub(crate) fn contains(&self, key: u64) -> bool {
        positions(self.words.len(), key).all(|bit| self.words[bit / 64] & (1 << (bit % 64)) != 0)
    }

    /// Adds a match key of a kind.
    pub(crate) fn insert_key(&mut self, kind: i64, hash: i64) {
        self.insert(mix(kind, hash));
    }

    /// The bits, 64 at a time.
    pub(crate) fn words(&self) -> &[u64] {
        &self.words
    }

    /// A filter of these bits; `None` for none.
    pub(crate) fn from_words(words: Vec<u64>) -> Option<BloomFilter> {
        (!words.is_empty()).then_some(BloomFilter { words })
    }
}

impl Store {
    /// Reads the match keys of `kinds` that `object` holds into a [`KeySnapshot`], in one read
    /// transaction; `None` on PostgreSQL, or when the store may hold more than `max_keys` keys
    /// (a bound read without scanning: every key merged so far plus the recent ones, of all
    /// objects), so a caller never pays more than `max_keys` scanned keys for it.
    pub fn snapshot_match_keys(&self, object: ObjectId, kinds: &[MatchKeyKind], max_keys: u64) -> Result<Option<KeySnapshot>> {
        let Backend::Sqlite(backend) = &self.backend else { return Ok(None) };
        let kinds: Vec<i64> = kinds.iter().map(|kind| kind.code()).collect();
        let snapshot = crate::sqlite::records::snapshot_keys(&mut *backend.conn()?, object, &kinds, max_keys)?;
        Ok(snapshot.map(|(epoch, keys, filters)| KeySnapshot { object, kinds, epoch, keys, filters }))
    }

    /// Whether anything but the operation `own` (`None`: a caller that writes nothing, such as a
    /// dry run) added match keys of the snapshot's object since the snapshot was taken; always
    /// true on PostgreSQL.
    pub fn match_keys_written_since(&self, snapshot: &KeySnapshot, own: Option<OperationId>) -> Result<bool> {
        if !matches!(self.backend, Backend::Sqlite(_)) {
            return Ok(true);
        }
        self.read(|tx| {
            let row = tx.query_one(
                "SELECT EXISTS (SELECT 1 FROM key_writes WHERE epoch > $1 AND object_id = $2 AND operation_id <> $3)",
                &[snapshot.epoch.into(), snapshot.object.0.into(), own.map_or(-1, |op| op.0).into()],
            )?;
            row.bool(0)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_filter_holds_every_key_inserted_and_rules_out_most_others() {
        let mut filter = BloomFilter::with_capacity(10_000);
        for key in 0..10_000u64 {
            filter.insert(mix(1, (key as i64).wrapping_mul(7_919)));
        }
        assert!((0..10_000u64).all(|key| filter.contains(mix(1, (key as i64).wrapping_mul(7_919)))), "no false negative");
        let false_positives =
            (10_000..110_000u64).filter(|key| filter.contains(mix(1, (*key as i64).wrapping_mul(7_919)))).count();
        assert!(false_positives < 2_000, "{false_positives} of 100,000 absent keys (about 1 % expected)");
        let other_kind = (0..10_000u64).filter(|key| filter.contains(mix(2, (*key as i64).wrapping_mul(7_919)))).count();
        assert!(other_kind < 200, "the same hashes of another kind are other keys: {other_kind}");
    }

    #[test]
    fn an_empty_filter_holds_nothing() {
        let filter = BloomFilter::with_capacity(0);
        assert!((0..1_000).all(|key| !filter.contains(key)));
    }
}
