-- Version 7 counts the keys merged into `match_keys` per object as well (meta key
-- `match_keys_merged.OBJECT_ID`; deletes are not subtracted, so it is a bound): an import that
-- names a small object (the accounts a Company column resolves to) in a store holding millions
-- of another object's keys may read that object's keys into a snapshot instead of probing them.
INSERT INTO meta (key, value)
SELECT 'match_keys_merged.' || object_id, CAST(COUNT(*) AS TEXT) FROM match_keys GROUP BY object_id;
