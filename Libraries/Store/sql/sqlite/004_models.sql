-- train-worker (issue 5): see the PostgreSQL migration. Times in unix seconds where they are compared.
CREATE TABLE schedule_sessions (
    session_id    TEXT PRIMARY KEY,
    client_ip     TEXT NOT NULL,
    created_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    expires_at    REAL NOT NULL
);
CREATE INDEX schedule_sessions_expiry ON schedule_sessions (expires_at);

CREATE TABLE schedule_records (
    session_id    TEXT NOT NULL REFERENCES schedule_sessions (session_id) ON DELETE CASCADE,
    entity        TEXT NOT NULL,
    work_date     TEXT NOT NULL,
    start_minute  INTEGER NOT NULL CHECK (start_minute BETWEEN 0 AND 1439),
    end_minute    INTEGER NOT NULL CHECK (end_minute BETWEEN 0 AND 1439),
    PRIMARY KEY (session_id, entity, work_date)
);

CREATE TABLE ip_quota_events (
    client_ip     TEXT NOT NULL,
    action        TEXT NOT NULL,
    at            REAL NOT NULL
);
CREATE INDEX ip_quota_events_lookup ON ip_quota_events (client_ip, action, at);

CREATE TABLE model_versions (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    kind              TEXT NOT NULL CHECK (kind IN ('anomaly', 'schedule')),
    subject           TEXT NOT NULL,
    version           INTEGER NOT NULL CHECK (version >= 1),
    params            TEXT NOT NULL,
    metrics           TEXT NOT NULL,
    training_summary  TEXT NOT NULL,
    training_data     TEXT,
    model             TEXT NOT NULL,
    job_id            TEXT UNIQUE,
    created_at        TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    UNIQUE (kind, subject, version)
);

CREATE TRIGGER model_versions_no_update BEFORE UPDATE ON model_versions
BEGIN
    SELECT RAISE(ABORT, 'model versions are immutable');
END;
