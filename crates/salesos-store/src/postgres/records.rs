//! PostgreSQL hot paths: ids reserved from the sequence in one round trip, then binary COPY of
//! records, match keys and journal entries; batched lookups with `= ANY($array)`.

use crate::error::Result;
use crate::records::PreparedRecord;
use postgres::binary_copy::BinaryCopyInWriter;
use postgres::types::{to_sql_checked, IsNull, ToSql, Type};
use postgres::{Client, Transaction};
use salesos_model::ids::{ObjectId, OperationId, RecordId};

/// JSON text sent as JSONB (or JSON) without re-parsing it on the client.
#[derive(Debug)]
struct RawJson<'a>(&'a str);

impl ToSql for RawJson<'_> {
    fn to_sql(&self, ty: &Type, out: &mut bytes::BytesMut) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        if *ty == Type::JSONB {
            out.extend_from_slice(&[1]);
        }
        out.extend_from_slice(self.0.as_bytes());
        Ok(IsNull::No)
    }

    fn accepts(ty: &Type) -> bool {
        *ty == Type::JSONB || *ty == Type::JSON
    }

    to_sql_checked!();
}

/// Inserts prepared records, keys and journal entries with binary COPY.
pub(crate) fn insert(
    tx: &mut Transaction<'_>,
    object: ObjectId,
    rows: &[PreparedRecord],
    now: i64,
    journal: Option<(OperationId, i64)>,
) -> Result<Vec<RecordId>> {
    let ids: Vec<i64> = tx
        .query("SELECT nextval('records_id_seq') FROM generate_series(1, $1::int8)", &[&(rows.len() as i64)])?
        .iter()
        .map(|row| row.get(0))
        .collect();
    {
        let sink = tx.copy_in(
            "COPY records (id, object_id, owner_id, created_at, updated_at, version, data, field_times, external_ids, key_hashes) FROM STDIN (FORMAT binary)",
        )?;
        let types = [
            Type::INT8,
            Type::INT8,
            Type::INT8,
            Type::INT8,
            Type::INT8,
            Type::INT8,
            Type::JSONB,
            Type::TEXT,
            Type::JSONB,
            Type::TEXT,
        ];
        let mut writer = BinaryCopyInWriter::new(sink, &types);
        let version: i64 = 1;
        let field_times = "{}";
        for (row, id) in rows.iter().zip(&ids) {
            writer.write(&[
                id,
                &object.0,
                &row.owner,
                &now,
                &now,
                &version,
                &RawJson(&row.data_json),
                &field_times,
                &RawJson(row.external_ids()),
                &row.key_hashes(),
            ])?;
        }
        writer.finish()?;
    }
    let mut keys: Vec<(i64, i64, i64)> = Vec::with_capacity(rows.len() * 3);
    for (row, id) in rows.iter().zip(&ids) {
        keys.extend(row.keys.iter().map(|(kind, hash)| (*kind, *hash, *id)));
    }
    keys.sort_unstable();
    keys.dedup();
    if !keys.is_empty() {
        let sink = tx.copy_in("COPY match_keys (object_id, kind, key_hash, record_id) FROM STDIN (FORMAT binary)")?;
        let mut writer = BinaryCopyInWriter::new(sink, &[Type::INT8, Type::INT8, Type::INT8, Type::INT8]);
        for (kind, hash, id) in &keys {
            writer.write(&[&object.0, kind, hash, id])?;
        }
        writer.finish()?;
    }
    if let Some((operation, first_seq)) = journal {
        let sink = tx.copy_in(
            "COPY journal (operation_id, seq, record_id, object_id, op, version_after, before, source_row) FROM STDIN (FORMAT binary)",
        )?;
        let types = [Type::INT8, Type::INT8, Type::INT8, Type::INT8, Type::TEXT, Type::INT8, Type::TEXT, Type::INT8];
        let mut writer = BinaryCopyInWriter::new(sink, &types);
        let created = "created";
        let version: i64 = 1;
        let before: Option<String> = None;
        for (offset, (row, id)) in rows.iter().zip(&ids).enumerate() {
            let seq = first_seq + offset as i64;
            writer.write(&[&operation.0, &seq, id, &object.0, &created, &version, &before, &row.source_row])?;
        }
        writer.finish()?;
    }
    Ok(ids.into_iter().map(RecordId).collect())
}

/// Looks up many key hashes of one kind in one statement; returns (hash, record id) pairs.
pub(crate) fn lookup(client: &mut Client, object: ObjectId, kind: i64, hashes: &[i64]) -> Result<Vec<(i64, i64)>> {
    let rows = client.query(
        "SELECT key_hash, record_id FROM match_keys WHERE object_id = $1 AND kind = $2 AND key_hash = ANY($3)",
        &[&object.0, &kind, &hashes],
    )?;
    Ok(rows.iter().map(|row| (row.get(0), row.get(1))).collect())
}
