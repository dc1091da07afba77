-- Version 6 adds SQLite's record of key writes (`key_writes`, see key_snapshot.rs), which lets
-- a large import skip probing keys a snapshot rules out. PostgreSQL takes no snapshots: its
-- lookups run in the server and are fast enough, and a write epoch kept in one row would
-- serialize its concurrent writers.
SELECT 1;
