-- Version 9 keeps one index on SQLite's records instead of two: `records_object (object_id)` and
-- `records_owner (object_id, owner_id)` become `records_object (object_id, id, owner_id)`.
--
-- A new record's entries land in the middle of an index that starts with `object_id` whenever a
-- later object holds records (contacts, object 1, before accounts), where SQLite splits pages
-- 50/50 instead of appending: 100k contacts into a store holding 1M contacts and 24k accounts
-- took 2.75-2.90 µs a record with both indexes, 2.21-2.35 µs with this one (1.95 µs with both
-- when no later object holds records). Walks of an object in id order (pages, exports) use it
-- as before; an owner filter (own and team visibility) is checked on the index entry, without
-- reading the row.
DROP INDEX IF EXISTS records_owner;
DROP INDEX IF EXISTS records_object;
CREATE INDEX records_object ON records (object_id, id, owner_id);
