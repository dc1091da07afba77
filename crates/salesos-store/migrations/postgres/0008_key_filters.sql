-- Version 8 keeps SQLite's stored key filters (see the SQLite migration); PostgreSQL has one
-- key level and takes no key snapshots.
SELECT 1;
