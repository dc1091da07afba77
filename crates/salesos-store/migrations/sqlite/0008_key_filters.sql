-- Version 8 keeps a Bloom filter of each object's keys in `match_keys` beside it (see
-- key_filter.rs), as a list of segments that grow by four: a key snapshot of an object with
-- millions of keys reads its bits instead of scanning its keys. Merges keep it current; an
-- object merged before this version gets its filter at its next merge.
CREATE TABLE key_filters (
    object_id INTEGER NOT NULL,
    segment INTEGER NOT NULL,
    format INTEGER NOT NULL,
    capacity INTEGER NOT NULL,
    keys INTEGER NOT NULL,
    bits BLOB NOT NULL,
    PRIMARY KEY (object_id, segment)
);
