-- SalesOS Data schema, version 1 (SQLite). Times are milliseconds since the Unix epoch (UTC).
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

CREATE TABLE orgs (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    settings TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES orgs(id),
    email TEXT NOT NULL,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    visibility TEXT,
    active INTEGER NOT NULL DEFAULT 1,
    password_hash TEXT,
    created_at INTEGER NOT NULL,
    UNIQUE (org_id, email)
);

CREATE TABLE teams (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES orgs(id),
    name TEXT NOT NULL,
    UNIQUE (org_id, name)
);

CREATE TABLE team_members (
    team_id INTEGER NOT NULL REFERENCES teams(id),
    user_id INTEGER NOT NULL REFERENCES users(id),
    PRIMARY KEY (team_id, user_id)
) WITHOUT ROWID;

CREATE TABLE api_keys (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES orgs(id),
    user_id INTEGER NOT NULL REFERENCES users(id),
    name TEXT NOT NULL,
    prefix TEXT NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at INTEGER
);

CREATE TABLE permission_rules (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES orgs(id),
    subject_kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    object TEXT NOT NULL,
    field TEXT NOT NULL DEFAULT '',
    permissions TEXT NOT NULL,
    UNIQUE (org_id, subject_kind, subject, object, field)
);

CREATE TABLE objects (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES orgs(id),
    api_name TEXT NOT NULL,
    label TEXT NOT NULL,
    plural_label TEXT NOT NULL,
    kind TEXT NOT NULL,
    name_field TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (org_id, api_name)
);

CREATE TABLE fields (
    id INTEGER PRIMARY KEY,
    object_id INTEGER NOT NULL REFERENCES objects(id),
    api_name TEXT NOT NULL,
    definition TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (object_id, api_name)
);

CREATE TABLE pipelines (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES orgs(id),
    name TEXT NOT NULL,
    is_default INTEGER NOT NULL DEFAULT 0,
    UNIQUE (org_id, name)
);

CREATE TABLE stages (
    id INTEGER PRIMARY KEY,
    pipeline_id INTEGER NOT NULL REFERENCES pipelines(id),
    position INTEGER NOT NULL,
    value TEXT NOT NULL,
    label TEXT NOT NULL,
    probability REAL NOT NULL,
    closed INTEGER NOT NULL,
    won INTEGER NOT NULL,
    UNIQUE (pipeline_id, value)
);

-- Every record of every object. Field values live in `data` (JSON keyed by field api name);
-- `key_hashes` lists the record's match-key rows so they can be removed exactly.
CREATE TABLE records (
    id INTEGER PRIMARY KEY,
    object_id INTEGER NOT NULL,
    owner_id INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    version INTEGER NOT NULL,
    data TEXT NOT NULL,
    field_times TEXT NOT NULL DEFAULT '{}',
    external_ids TEXT NOT NULL DEFAULT '[]',
    key_hashes TEXT NOT NULL DEFAULT ''
);
CREATE INDEX records_object ON records (object_id);
CREATE INDEX records_owner ON records (object_id, owner_id);

-- Normalized match keys, hashed; one B-tree, looked up a batch at a time.
CREATE TABLE match_keys (
    object_id INTEGER NOT NULL,
    kind INTEGER NOT NULL,
    key_hash INTEGER NOT NULL,
    record_id INTEGER NOT NULL,
    PRIMARY KEY (object_id, kind, key_hash, record_id)
) WITHOUT ROWID;

CREATE TABLE operations (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES orgs(id),
    kind TEXT NOT NULL,
    actor INTEGER NOT NULL,
    started_at INTEGER NOT NULL,
    finished_at INTEGER,
    summary TEXT NOT NULL DEFAULT '{}'
);

-- The change journal: one row per record an operation touched, with its before-image.
CREATE TABLE journal (
    operation_id INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    record_id INTEGER NOT NULL,
    object_id INTEGER NOT NULL,
    op TEXT NOT NULL,
    version_after INTEGER NOT NULL,
    before TEXT,
    source_row INTEGER,
    PRIMARY KEY (operation_id, seq)
) WITHOUT ROWID;

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    org_id INTEGER NOT NULL,
    actor INTEGER,
    action TEXT NOT NULL,
    object TEXT,
    count INTEGER NOT NULL,
    outcome TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX audit_log_org ON audit_log (org_id, at);

CREATE TABLE jobs (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    state TEXT NOT NULL,
    unique_key TEXT UNIQUE,
    attempts INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL,
    run_after INTEGER NOT NULL,
    lease_owner TEXT,
    lease_until INTEGER,
    heartbeat_at INTEGER,
    progress TEXT NOT NULL DEFAULT '{}',
    last_error TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX jobs_claim ON jobs (state, run_after);
CREATE INDEX jobs_org ON jobs (org_id, kind, state);

CREATE TABLE files (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL,
    owner_id INTEGER,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    location TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER
);
CREATE INDEX files_expiry ON files (expires_at);
