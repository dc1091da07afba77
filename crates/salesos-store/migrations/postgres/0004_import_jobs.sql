-- Imports as durable jobs: the import log (one row per import, keyed by its journal operation),
-- every input row's outcome, saved import templates, and in-app notifications.
CREATE TABLE imports (
    id BIGINT PRIMARY KEY,
    org_id BIGINT NOT NULL,
    user_id BIGINT NOT NULL,
    job_id BIGINT,
    object TEXT NOT NULL,
    file_id BIGINT,
    file_name TEXT NOT NULL,
    file_size BIGINT NOT NULL,
    file_sha256 TEXT NOT NULL,
    status TEXT NOT NULL,
    request TEXT NOT NULL,
    rows_done BIGINT NOT NULL DEFAULT 0,
    rows_total BIGINT,
    counts TEXT NOT NULL DEFAULT '{}',
    summary TEXT NOT NULL DEFAULT '{}',
    error TEXT,
    created_at BIGINT NOT NULL,
    started_at BIGINT,
    finished_at BIGINT,
    duration_ms BIGINT,
    undone_at BIGINT,
    undo_id BIGINT
);
CREATE INDEX imports_org ON imports (org_id, created_at);
CREATE TABLE import_rows (
    import_id BIGINT NOT NULL,
    seq BIGINT NOT NULL,
    source_row BIGINT NOT NULL,
    sheet TEXT,
    outcome TEXT NOT NULL,
    record_id BIGINT,
    messages TEXT,
    PRIMARY KEY (import_id, seq)
);
CREATE TABLE import_templates (
    id BIGSERIAL PRIMARY KEY,
    org_id BIGINT NOT NULL,
    object_id BIGINT NOT NULL,
    name TEXT NOT NULL,
    columns TEXT NOT NULL,
    created_by BIGINT NOT NULL,
    shared BOOLEAN NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (org_id, name)
);
CREATE TABLE notifications (
    id BIGSERIAL PRIMARY KEY,
    org_id BIGINT NOT NULL,
    user_id BIGINT NOT NULL,
    kind TEXT NOT NULL,
    message TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '{}',
    created_at BIGINT NOT NULL,
    read_at BIGINT
);
CREATE INDEX notifications_user ON notifications (org_id, user_id, id);
