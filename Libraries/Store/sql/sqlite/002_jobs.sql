CREATE TABLE jobs (
    id           TEXT PRIMARY KEY,
    type         TEXT NOT NULL,
    queue        TEXT NOT NULL,
    status       TEXT NOT NULL DEFAULT 'queued'
                 CHECK (status IN ('queued', 'running', 'completed', 'failed', 'skipped')),
    progress     REAL NOT NULL DEFAULT 0,
    attempts     INTEGER NOT NULL DEFAULT 0,
    payload      TEXT NOT NULL,
    result       TEXT,
    error        TEXT,
    request_id   TEXT,
    created_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    started_at   TEXT,
    finished_at  TEXT
);
CREATE INDEX jobs_status ON jobs (status, updated_at);
CREATE INDEX jobs_type_created ON jobs (type, created_at DESC);

CREATE TABLE forecast_runs (
    category          TEXT PRIMARY KEY,
    data_fingerprint  TEXT NOT NULL,
    last_date         TEXT,
    fitted_at         TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    notes             TEXT
);

CREATE TABLE forecast_accuracy (
    category      TEXT NOT NULL,
    model_type    TEXT NOT NULL,
    smape         REAL,
    mase          REAL,
    coverage_80   REAL,
    coverage_95   REAL,
    windows       INTEGER NOT NULL,
    is_best       INTEGER NOT NULL DEFAULT 0,
    form          TEXT,
    error         TEXT,
    fitted_at     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (category, model_type)
);
