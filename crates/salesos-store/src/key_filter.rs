//! Bloom filters of the keys in SQLite's main match-key table, kept beside it, one list of
//! segments per object (`key_filters`, migration 8).
//!
//! A key snapshot ([`crate::key_snapshot`]) of an object with millions of keys would have to scan
//! them all; with these filters it reads a few megabytes of bits and scans only the recent keys.
//! The filters are maintained where the main table changes: a merge of the recent keys
//! ([`crate::key_merge`]) adds the keys it moves in the same transaction, so every key of the
//! main table is in its object's filter whenever a reader looks. Deleted keys stay in the filter
//! (they only make it answer "maybe").
//!
//! A filter cannot grow, so an object's filter is a list of segments (a scalable Bloom filter):
//! keys go to the last segment until it is full, then to a new one, four times larger up to
//! [`MAX_CAPACITY`]. A merge therefore costs in proportion to the keys it moves, never a rescan of
//! the main table, and holds at most one segment in memory (a 1M-row import stays under its
//! memory ceiling); only an object whose keys were merged before these filters existed (or under
//! another [`FORMAT`]) is scanned once, at its next merge. Segments use more bits a key than a
//! snapshot's own filter, so that several together still rule out all but about 1 % of absent keys.

use crate::error::Result;
use crate::key_snapshot::BloomFilter;
use rusqlite::{params, OptionalExtension, Transaction, MAIN_DB};
use salesos_model::ids::ObjectId;

/// The layout of the stored bits (the filter's 64-bit words, little-endian, in order) and their
/// hashing; segments of another format are rebuilt.
pub(crate) const FORMAT: i64 = 1;

/// Keys the first segment of an object holds.
const FIRST_CAPACITY: u64 = 262_144;

/// How much larger each new segment is than the one before.
const GROWTH: u64 = 4;

/// Keys the largest segment holds (1.75 MB of bits).
const MAX_CAPACITY: u64 = 1_048_576;

/// Bytes of bits read or written at a time: a segment's bits stream through SQLite's blob I/O in
/// chunks this size instead of being copied whole (to bytes, into the statement, into the row:
/// four copies of up to 1.75 MB at each merge, live at the 1M-row import's memory peak).
const CHUNK_BYTES: usize = 64 * 1024;

/// The columns a segment's bits are read by: its row and their length (`-1` when they are not a
/// blob), for [`read_bits`].
const BITS_COLUMNS: &str = "rowid, CASE WHEN typeof(bits) = 'blob' THEN length(bits) ELSE -1 END";

/// Bits a key in a stored segment: about 0.15 % false positives each with 7 probes.
const BITS_PER_KEY: u64 = 14;

/// One stored segment: its number, capacity and keys added so far.
#[derive(Debug, Clone, Copy)]
struct Segment {
    number: i64,
    capacity: u64,
    keys: u64,
}

/// The filter segments of `object`, if every one is of the current format; `None` when it has none.
pub(crate) fn load(tx: &Transaction<'_>, object: ObjectId) -> Result<Option<Vec<BloomFilter>>> {
    let stored: Vec<(i64, i64, i64)> = tx
        .prepare_cached(&format!("SELECT {BITS_COLUMNS}, format FROM key_filters WHERE object_id = ?1 ORDER BY segment"))?
        .query_map(params![object.0], |row| Ok((row.get(0)?, row.get(2)?, row.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut filters = Vec::with_capacity(stored.len());
    for (rowid, format, length) in stored {
        let filter = if format == FORMAT { read_bits(tx, rowid, length)? } else { None };
        match filter {
            Some(filter) => filters.push(filter),
            None => return Ok(None),
        }
    }
    Ok((!filters.is_empty()).then_some(filters))
}

/// Adds the keys that a merge is about to move from `match_keys_recent` into `match_keys` to
/// their objects' filters. Called inside the merge's transaction, before the recent keys are
/// deleted; an object that has merged keys but no usable filter gets one from a scan of the main
/// table together with its recent keys.
pub(crate) fn add_recent_keys(tx: &Transaction<'_>) -> Result<()> {
    let objects: Vec<i64> = {
        let mut statement = tx.prepare("SELECT DISTINCT object_id FROM match_keys_recent")?;
        let rows = statement.query_map([], |row| row.get(0))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    for object in objects.into_iter().map(ObjectId) {
        let merged_before: u64 = tx
            .query_row("SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'match_keys_merged.' || ?1", [object.0], |row| {
                row.get(0)
            })
            .optional()?
            .map_or(0, |n: i64| n.max(0) as u64);
        let (tables, mut writer): (&[&str], SegmentWriter) = match segments(tx, object)? {
            // Merged keys with no segment (merged before filters existed) or untrusted ones:
            // every key of both tables, into new segments.
            Some(segments) if segments.is_empty() && merged_before > 0 => {
                (&["match_keys", "match_keys_recent"], SegmentWriter::replacing(tx, object)?)
            }
            None => (&["match_keys", "match_keys_recent"], SegmentWriter::replacing(tx, object)?),
            Some(segments) => (&["match_keys_recent"], SegmentWriter::after(tx, object, segments.last().copied())?),
        };
        for table in tables {
            let mut statement = tx.prepare_cached(&format!("SELECT kind, key_hash FROM {table} WHERE object_id = ?1"))?;
            let mut rows = statement.query(params![object.0])?;
            while let Some(row) = rows.next()? {
                writer.add(tx, row.get(0)?, row.get(1)?)?;
            }
        }
        writer.finish(tx)?;
    }
    Ok(())
}

/// The stored segments of `object` in order; `None` when one is of another format (all are then
/// rebuilt) and an empty list when there are none.
fn segments(tx: &Transaction<'_>, object: ObjectId) -> Result<Option<Vec<Segment>>> {
    let mut statement =
        tx.prepare_cached("SELECT segment, format, capacity, keys FROM key_filters WHERE object_id = ?1 ORDER BY segment")?;
    let rows = statement.query_map(params![object.0], |row| {
        let segment = Segment { number: row.get(0)?, capacity: row.get::<_, i64>(2)? as u64, keys: row.get::<_, i64>(3)? as u64 };
        Ok((row.get::<_, i64>(1)?, segment))
    })?;
    let mut segments = Vec::new();
    for row in rows {
        let (format, segment) = row?;
        if format != FORMAT {
            return Ok(None);
        }
        segments.push(segment);
    }
    Ok(Some(segments))
}

/// The empty segment after `last` (the first when `None`).
fn next_segment(last: Option<&Segment>) -> Segment {
    let capacity = last.map_or(FIRST_CAPACITY, |last| last.capacity.saturating_mul(GROWTH).min(MAX_CAPACITY));
    Segment { number: last.map_or(0, |last| last.number + 1), capacity, keys: 0 }
}

/// Adds keys to an object's segments one at a time, storing each segment as it fills.
struct SegmentWriter {
    object: ObjectId,
    segment: Segment,
    filter: BloomFilter,
}

impl SegmentWriter {
    /// Continues after the stored segment `last`: into it while it has room, else into a new one.
    fn after(tx: &Transaction<'_>, object: ObjectId, last: Option<Segment>) -> Result<SegmentWriter> {
        if let Some(last) = last.filter(|last| last.keys < last.capacity) {
            let stored: Option<(i64, i64)> = tx
                .query_row(
                    &format!("SELECT {BITS_COLUMNS} FROM key_filters WHERE object_id = ?1 AND segment = ?2"),
                    params![object.0, last.number],
                    |row| Ok((row.get(0)?, row.get(1)?)),
                )
                .optional()?;
            let filter = match stored {
                Some((rowid, length)) => read_bits(tx, rowid, length)?,
                None => None,
            };
            if let Some(filter) = filter {
                return Ok(SegmentWriter { object, segment: last, filter });
            }
        }
        Ok(SegmentWriter::starting(object, next_segment(last.as_ref())))
    }

    /// Starts over: drops the object's segments.
    fn replacing(tx: &Transaction<'_>, object: ObjectId) -> Result<SegmentWriter> {
        tx.execute("DELETE FROM key_filters WHERE object_id = ?1", params![object.0])?;
        Ok(SegmentWriter::starting(object, next_segment(None)))
    }

    fn starting(object: ObjectId, segment: Segment) -> SegmentWriter {
        SegmentWriter { object, segment, filter: BloomFilter::with_bits_per_key(segment.capacity, BITS_PER_KEY) }
    }

    /// Adds a key of a kind.
    fn add(&mut self, tx: &Transaction<'_>, kind: i64, hash: i64) -> Result<()> {
        if self.segment.keys >= self.segment.capacity {
            self.store(tx)?;
            *self = SegmentWriter::starting(self.object, next_segment(Some(&self.segment)));
        }
        self.filter.insert_key(kind, hash);
        self.segment.keys += 1;
        Ok(())
    }

    /// Stores the segment being filled.
    fn finish(self, tx: &Transaction<'_>) -> Result<()> {
        self.store(tx)
    }

    /// Stores the segment: its row with zeroed bits of the right length, then the bits written
    /// into them in chunks.
    fn store(&self, tx: &Transaction<'_>) -> Result<()> {
        let Segment { number, capacity, keys } = self.segment;
        let words = self.filter.words();
        // A trailing `zeroblob` is written to the pages as zeros, never built in memory (an
        // upsert would build it whole for its `excluded` row, and keep the buffer in the cached
        // statement).
        let values = params![self.object.0, number, FORMAT, capacity as i64, keys as i64, (words.len() * 8) as i64];
        let updated = tx
            .prepare_cached(
                "UPDATE key_filters SET format = ?3, capacity = ?4, keys = ?5, bits = zeroblob(?6)
                 WHERE object_id = ?1 AND segment = ?2",
            )?
            .execute(values)?;
        if updated == 0 {
            tx.prepare_cached(
                "INSERT INTO key_filters (object_id, segment, format, capacity, keys, bits) VALUES (?1, ?2, ?3, ?4, ?5, zeroblob(?6))",
            )?
            .execute(values)?;
        }
        let rowid: i64 = tx.query_row(
            "SELECT rowid FROM key_filters WHERE object_id = ?1 AND segment = ?2",
            params![self.object.0, number],
            |row| row.get(0),
        )?;
        let mut blob = tx.blob_open(MAIN_DB, c"key_filters", c"bits", rowid, false)?;
        let mut chunk = Vec::with_capacity(CHUNK_BYTES);
        let mut offset = 0;
        for part in words.chunks(CHUNK_BYTES / 8) {
            chunk.clear();
            chunk.extend(part.iter().flat_map(|word| word.to_le_bytes()));
            blob.write_at(&chunk, offset)?;
            offset += chunk.len();
        }
        blob.close()?;
        Ok(())
    }
}

/// Reads the stored bits of the `key_filters` row `rowid` (`length` bytes, as read in the same
/// transaction; `-1` when they are not a blob) in chunks; `None` for bits that are not whole
/// 64-bit words.
fn read_bits(tx: &Transaction<'_>, rowid: i64, length: i64) -> Result<Option<BloomFilter>> {
    let length = match usize::try_from(length) {
        Ok(length) if length > 0 && length.is_multiple_of(8) => length,
        _ => return Ok(None),
    };
    let blob = tx.blob_open(MAIN_DB, c"key_filters", c"bits", rowid, true)?;
    let mut words = Vec::with_capacity(length / 8);
    let mut chunk = vec![0u8; CHUNK_BYTES.min(length)];
    let mut offset = 0;
    while offset < length {
        let part = &mut chunk[..CHUNK_BYTES.min(length - offset)];
        blob.read_at_exact(part, offset)?;
        words.extend(part.chunks_exact(8).map(|bytes| u64::from_le_bytes(bytes.try_into().unwrap_or_default())));
        offset += part.len();
    }
    Ok(BloomFilter::from_words(words))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sqlite::SqliteBackend;
    use rusqlite::Connection;

    /// Puts keys `from..to` of kind 1 for `object` into `table`.
    fn add_keys(conn: &Connection, table: &str, object: i64, from: i64, to: i64) {
        let tx = conn.unchecked_transaction().unwrap();
        for hash in from..to {
            tx.execute(&format!("INSERT INTO {table} VALUES (?1, 1, ?2, ?2)"), params![object, hash * 7_919]).unwrap();
        }
        tx.commit().unwrap();
    }

    /// The store's own merge of the recent keys (filters, counts, keys) in one transaction.
    fn merge(backend: &SqliteBackend) {
        let moved = backend.write(crate::key_merge::merge_in).unwrap();
        assert!(moved > 0);
    }

    /// A migrated database in a temporary folder (kept while the folder is).
    fn fresh_database() -> (tempfile::TempDir, SqliteBackend) {
        let dir = tempfile::tempdir().unwrap();
        let backend = SqliteBackend::open(&dir.path().join("salesos.db")).unwrap();
        (dir, backend)
    }

    /// The (capacity, keys) of an object's stored segments, in order.
    fn stored_segments(conn: &Connection, object: i64) -> Vec<(i64, i64)> {
        conn.prepare("SELECT capacity, keys FROM key_filters WHERE object_id = ?1 ORDER BY segment")
            .unwrap()
            .query_map([object], |row| Ok((row.get(0)?, row.get(1)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    }

    /// How many of the keys `from..to` (as [`add_keys`] makes them) the object's filter holds.
    fn holds(conn: &Connection, object: i64, from: i64, to: i64) -> usize {
        let filters = load(&conn.unchecked_transaction().unwrap(), ObjectId(object)).unwrap().expect("a filter");
        (from..to).filter(|hash| filters.iter().any(|filter| filter.contains(crate::key_snapshot::mix(1, hash * 7_919)))).count()
    }

    #[test]
    fn merges_keep_every_main_key_in_the_filter_and_rebuild_what_they_cannot_trust() {
        let (_dir, backend) = fresh_database();
        let conn = backend.conn().unwrap();
        // Keys merged before filters existed: no filter, so the next merge scans them in.
        add_keys(&conn, "match_keys", 7, 0, 500);
        conn.execute("INSERT INTO meta VALUES ('match_keys_merged.7', '500')", []).unwrap();
        assert!(load(&conn.unchecked_transaction().unwrap(), ObjectId(7)).unwrap().is_none());
        add_keys(&conn, "match_keys_recent", 7, 500, 600);
        add_keys(&conn, "match_keys_recent", 8, 0, 50);
        merge(&backend);
        assert_eq!(holds(&conn, 7, 0, 600), 600, "old and merged keys");
        assert_eq!(holds(&conn, 8, 0, 50), 50, "a new object's first segment");
        assert!(holds(&conn, 7, 10_000, 11_000) < 20, "absent keys are ruled out");
        let merged = |object: i64| -> String {
            conn.query_row("SELECT value FROM meta WHERE key = 'match_keys_merged.' || ?1", [object], |row| row.get(0)).unwrap()
        };
        assert_eq!((merged(7), merged(8)), ("600".to_string(), "50".to_string()), "per-object merged counts");
        // A later merge adds to the last segment.
        add_keys(&conn, "match_keys_recent", 7, 600, 700);
        merge(&backend);
        assert_eq!(holds(&conn, 7, 0, 700), 700);
        assert_eq!(stored_segments(&conn, 7).len(), 1);
        // A segment of another format is not trusted: it is rebuilt from the tables.
        conn.execute("UPDATE key_filters SET format = 0 WHERE object_id = 7", []).unwrap();
        assert!(load(&conn.unchecked_transaction().unwrap(), ObjectId(7)).unwrap().is_none());
        add_keys(&conn, "match_keys_recent", 7, 700, 710);
        merge(&backend);
        assert_eq!(holds(&conn, 7, 0, 710), 710);
        // A full last segment gets a larger one after it.
        conn.execute("UPDATE key_filters SET keys = capacity WHERE object_id = 8", []).unwrap();
        add_keys(&conn, "match_keys_recent", 8, 50, 60);
        merge(&backend);
        let capacities: Vec<i64> = stored_segments(&conn, 8).into_iter().map(|(capacity, _)| capacity).collect();
        assert_eq!(capacities, [FIRST_CAPACITY as i64, (FIRST_CAPACITY * GROWTH) as i64]);
        assert_eq!(holds(&conn, 8, 0, 60), 60, "keys in either segment");
    }

    #[test]
    fn a_rebuild_of_more_keys_than_a_segment_holds_fills_several() {
        let (_dir, backend) = fresh_database();
        let conn = backend.conn().unwrap();
        let keys = FIRST_CAPACITY as i64 + 40_000;
        conn.execute(
            "WITH RECURSIVE n(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM n WHERE x + 1 < ?1)
             INSERT INTO match_keys SELECT 9, 1, x * 7919, x FROM n",
            [keys],
        )
        .unwrap();
        conn.execute("INSERT INTO meta VALUES ('match_keys_merged.9', ?1)", [keys.to_string()]).unwrap();
        add_keys(&conn, "match_keys_recent", 9, keys, keys + 10);
        merge(&backend);
        let first = FIRST_CAPACITY as i64;
        assert_eq!(stored_segments(&conn, 9), [(first, first), (first * GROWTH as i64, 40_010)]);
        assert_eq!(holds(&conn, 9, 0, keys + 10), (keys + 10) as usize, "every key, in whichever segment");
        let absent = holds(&conn, 9, keys + 10, keys + 10_010);
        assert!(absent < 100, "two segments rule out all but about 0.3 %: {absent} of 10,000");
    }

    #[test]
    fn bits_stream_through_blob_chunks_exactly() {
        let (_dir, backend) = fresh_database();
        let mut conn = backend.conn().unwrap();
        let tx = conn.transaction().unwrap();
        let mut writer = SegmentWriter::starting(ObjectId(3), Segment { number: 0, capacity: 100_000, keys: 0 });
        let bytes = writer.filter.words().len() * 8;
        assert!(bytes > 2 * CHUNK_BYTES && !bytes.is_multiple_of(CHUNK_BYTES), "several chunks and a part: {bytes}");
        for hash in 0..5_000 {
            writer.add(&tx, 1, hash * 7_919).unwrap();
        }
        writer.store(&tx).unwrap();
        let loaded = load(&tx, ObjectId(3)).unwrap().expect("a stored segment");
        assert_eq!(loaded.len(), 1);
        assert_eq!(loaded[0].words(), writer.filter.words(), "every word back in place");
        // Stored again over itself (the update of a segment being filled) with more keys.
        for hash in 5_000..6_000 {
            writer.add(&tx, 2, hash).unwrap();
        }
        writer.store(&tx).unwrap();
        let reread =
            SegmentWriter::after(&tx, ObjectId(3), segments(&tx, ObjectId(3)).unwrap().unwrap().last().copied()).unwrap();
        assert_eq!(reread.filter.words(), writer.filter.words());
        assert_eq!(reread.segment.keys, 6_000);
        // Bits that are not whole words, or not a blob at all, are no filter.
        tx.execute("UPDATE key_filters SET bits = x'01020304' WHERE object_id = 3", []).unwrap();
        assert!(load(&tx, ObjectId(3)).unwrap().is_none());
        tx.execute("UPDATE key_filters SET bits = 'text' WHERE object_id = 3", []).unwrap();
        assert!(load(&tx, ObjectId(3)).unwrap().is_none());
    }

    #[test]
    fn segments_grow_by_four_up_to_the_largest() {
        let first = next_segment(None);
        assert_eq!((first.number, first.capacity, first.keys), (0, FIRST_CAPACITY, 0));
        let second = next_segment(Some(&Segment { keys: FIRST_CAPACITY, ..first }));
        assert_eq!((second.number, second.capacity), (1, FIRST_CAPACITY * GROWTH));
        let later = next_segment(Some(&Segment { number: 5, capacity: MAX_CAPACITY, keys: MAX_CAPACITY }));
        assert_eq!((later.number, later.capacity), (6, MAX_CAPACITY));
    }
}
