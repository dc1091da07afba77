-- SalesOS Data schema, version 1 (PostgreSQL). Times are milliseconds since the Unix epoch (UTC).
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

CREATE TABLE orgs (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    settings TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE users (
    id BIGSERIAL PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    email TEXT NOT NULL,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    visibility TEXT,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    password_hash TEXT,
    created_at BIGINT NOT NULL,
    UNIQUE (org_id, email)
);

CREATE TABLE teams (
    id BIGSERIAL PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    name TEXT NOT NULL,
    UNIQUE (org_id, name)
);

CREATE TABLE team_members (
    team_id BIGINT NOT NULL REFERENCES teams(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    PRIMARY KEY (team_id, user_id)
);

CREATE TABLE api_keys (
    id BIGSERIAL PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    name TEXT NOT NULL,
    prefix TEXT NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at BIGINT
);

CREATE TABLE permission_rules (
    id BIGSERIAL PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    subject_kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    object TEXT NOT NULL,
    field TEXT NOT NULL DEFAULT '',
    permissions TEXT NOT NULL,
    UNIQUE (org_id, subject_kind, subject, object, field)
);

CREATE TABLE objects (
    id BIGSERIAL PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    api_name TEXT NOT NULL,
    label TEXT NOT NULL,
    plural_label TEXT NOT NULL,
    kind TEXT NOT NULL,
    name_field TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (org_id, api_name)
);

CREATE TABLE fields (
    id BIGSERIAL PRIMARY KEY,
    object_id BIGINT NOT NULL REFERENCES objects(id),
    api_name TEXT NOT NULL,
    definition TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (object_id, api_name)
);

CREATE TABLE pipelines (
    id BIGSERIAL PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    name TEXT NOT NULL,
    is_default BOOLEAN NOT NULL DEFAULT FALSE,
    UNIQUE (org_id, name)
);

CREATE TABLE stages (
    id BIGSERIAL PRIMARY KEY,
    pipeline_id BIGINT NOT NULL REFERENCES pipelines(id),
    position BIGINT NOT NULL,
    value TEXT NOT NULL,
    label TEXT NOT NULL,
    probability DOUBLE PRECISION NOT NULL,
    closed BOOLEAN NOT NULL,
    won BOOLEAN NOT NULL,
    UNIQUE (pipeline_id, value)
);

-- Every record of every object. Field values live in `data` (JSON keyed by field api name);
-- `key_hashes` lists the record's match-key rows so they can be removed exactly.
CREATE TABLE records (
    id BIGSERIAL PRIMARY KEY,
    object_id BIGINT NOT NULL,
    owner_id BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL,
    data JSONB NOT NULL,
    field_times TEXT NOT NULL DEFAULT '{}',
    external_ids JSONB NOT NULL DEFAULT '[]',
    key_hashes TEXT NOT NULL DEFAULT ''
);
CREATE INDEX records_object ON records (object_id, id);
CREATE INDEX records_owner ON records (object_id, owner_id);

-- Normalized match keys, hashed; one B-tree, looked up a batch at a time.
CREATE TABLE match_keys (
    object_id BIGINT NOT NULL,
    kind BIGINT NOT NULL,
    key_hash BIGINT NOT NULL,
    record_id BIGINT NOT NULL,
    PRIMARY KEY (object_id, kind, key_hash, record_id)
);
ALTER TABLE match_keys SET (fillfactor = 90);

CREATE TABLE operations (
    id BIGSERIAL PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    kind TEXT NOT NULL,
    actor BIGINT NOT NULL,
    started_at BIGINT NOT NULL,
    finished_at BIGINT,
    summary TEXT NOT NULL DEFAULT '{}'
);

-- The change journal: one row per record an operation touched, with its before-image.
CREATE TABLE journal (
    operation_id BIGINT NOT NULL,
    seq BIGINT NOT NULL,
    record_id BIGINT NOT NULL,
    object_id BIGINT NOT NULL,
    op TEXT NOT NULL,
    version_after BIGINT NOT NULL,
    before TEXT,
    source_row BIGINT,
    PRIMARY KEY (operation_id, seq)
);

CREATE TABLE audit_log (
    id BIGSERIAL PRIMARY KEY,
    at BIGINT NOT NULL,
    org_id BIGINT NOT NULL,
    actor BIGINT,
    action TEXT NOT NULL,
    object TEXT,
    count BIGINT NOT NULL,
    outcome TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX audit_log_org ON audit_log (org_id, at);

CREATE TABLE jobs (
    id BIGSERIAL PRIMARY KEY,
    org_id BIGINT NOT NULL,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    state TEXT NOT NULL,
    unique_key TEXT UNIQUE,
    attempts BIGINT NOT NULL DEFAULT 0,
    max_attempts BIGINT NOT NULL,
    run_after BIGINT NOT NULL,
    lease_owner TEXT,
    lease_until BIGINT,
    heartbeat_at BIGINT,
    progress TEXT NOT NULL DEFAULT '{}',
    last_error TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX jobs_claim ON jobs (state, run_after);
CREATE INDEX jobs_org ON jobs (org_id, kind, state);

CREATE TABLE files (
    id BIGSERIAL PRIMARY KEY,
    org_id BIGINT NOT NULL,
    owner_id BIGINT,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    location TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT
);
CREATE INDEX files_expiry ON files (expires_at);
