-- Which operation (0: none) last added match keys of each object, and when, as a write epoch
-- one past the largest: an import that read an object's keys into a snapshot asks here whether
-- anything else has added keys since (see key_snapshot.rs).
CREATE TABLE key_writes (
    object_id INTEGER NOT NULL,
    operation_id INTEGER NOT NULL,
    epoch INTEGER NOT NULL,
    PRIMARY KEY (object_id, operation_id)
) WITHOUT ROWID;
CREATE INDEX key_writes_epoch ON key_writes (epoch);
