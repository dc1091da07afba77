-- Version 5 adds SQLite's two-level match-key index (`match_keys_recent`, see key_merge.rs).
-- PostgreSQL keeps one level: its B-tree inserts are logged as small WAL records, not whole
-- pages rewritten at every commit, and merging cost more than it saved (1M contacts: 25.6 s
-- straight into `match_keys`, 35.5 s with the recent table and its merges).
SELECT 1;
