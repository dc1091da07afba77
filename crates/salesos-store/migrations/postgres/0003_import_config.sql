-- Custom validation rules per object, and saved mappings (remembered by header fingerprint,
-- or named and shared in the organization).
CREATE TABLE validation_rules (
    id BIGSERIAL PRIMARY KEY,
    org_id BIGINT NOT NULL,
    object_id BIGINT NOT NULL,
    name TEXT NOT NULL,
    definition TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (org_id, object_id, name)
);
CREATE TABLE saved_mappings (
    id BIGSERIAL PRIMARY KEY,
    org_id BIGINT NOT NULL,
    object_id BIGINT NOT NULL,
    name TEXT,
    fingerprint TEXT NOT NULL,
    spec TEXT NOT NULL,
    created_by BIGINT NOT NULL,
    shared BOOLEAN NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX saved_mappings_name ON saved_mappings (org_id, name) WHERE name IS NOT NULL;
CREATE INDEX saved_mappings_fingerprint ON saved_mappings (org_id, object_id, fingerprint, updated_at);
