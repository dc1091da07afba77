-- Imports as durable jobs: the import log (one row per import, keyed by its journal operation),
-- every input row's outcome, saved import templates, and in-app notifications.
CREATE TABLE imports (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    job_id INTEGER,
    object TEXT NOT NULL,
    file_id INTEGER,
    file_name TEXT NOT NULL,
    file_size INTEGER NOT NULL,
    file_sha256 TEXT NOT NULL,
    status TEXT NOT NULL,
    request TEXT NOT NULL,
    rows_done INTEGER NOT NULL DEFAULT 0,
    rows_total INTEGER,
    counts TEXT NOT NULL DEFAULT '{}',
    summary TEXT NOT NULL DEFAULT '{}',
    error TEXT,
    created_at INTEGER NOT NULL,
    started_at INTEGER,
    finished_at INTEGER,
    duration_ms INTEGER,
    undone_at INTEGER,
    undo_id INTEGER
);
CREATE INDEX imports_org ON imports (org_id, created_at);
CREATE TABLE import_rows (
    import_id INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    source_row INTEGER NOT NULL,
    sheet TEXT,
    outcome TEXT NOT NULL,
    record_id INTEGER,
    messages TEXT,
    PRIMARY KEY (import_id, seq)
) WITHOUT ROWID;
CREATE TABLE import_templates (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL,
    object_id INTEGER NOT NULL,
    name TEXT NOT NULL,
    columns TEXT NOT NULL,
    created_by INTEGER NOT NULL,
    shared INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (org_id, name)
);
CREATE TABLE notifications (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    kind TEXT NOT NULL,
    message TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '{}',
    created_at INTEGER NOT NULL,
    read_at INTEGER
);
CREATE INDEX notifications_user ON notifications (org_id, user_id, id);
