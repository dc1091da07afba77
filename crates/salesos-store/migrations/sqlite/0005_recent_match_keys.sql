-- New match keys land in this small table and are merged into `match_keys` in key order once
-- enough have gathered (a two-level index, as in an LSM tree). A batch of random keys then
-- dirties the few pages of this table instead of most leaf pages of the big one; lookups,
-- filters and deletes read or change both tables.
CREATE TABLE match_keys_recent (
    object_id INTEGER NOT NULL,
    kind INTEGER NOT NULL,
    key_hash INTEGER NOT NULL,
    record_id INTEGER NOT NULL,
    PRIMARY KEY (object_id, kind, key_hash, record_id)
) WITHOUT ROWID;

-- How many keys have been merged into `match_keys` (deletes are not subtracted): the merge
-- waits until the recent table holds an eighth of that, so each merge's rewrite of the main
-- table pays for enough keys.
INSERT INTO meta (key, value) SELECT 'match_keys_merged', CAST(COUNT(*) AS TEXT) FROM match_keys;
