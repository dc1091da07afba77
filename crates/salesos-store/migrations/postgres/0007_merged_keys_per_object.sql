-- Version 7 counts SQLite's merged match keys per object (see the SQLite migration); PostgreSQL
-- has one key level and takes no key snapshots.
SELECT 1;
