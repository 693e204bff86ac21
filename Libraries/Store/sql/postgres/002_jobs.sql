-- Every long operation is a job; this table, not the queue, is the record of its state.
CREATE TABLE jobs (
    id           VARCHAR(100) PRIMARY KEY,
    type         VARCHAR(32) NOT NULL,
    queue        VARCHAR(32) NOT NULL,
    status       VARCHAR(16) NOT NULL DEFAULT 'queued'
                 CHECK (status IN ('queued', 'running', 'completed', 'failed', 'skipped')),
    progress     DOUBLE PRECISION NOT NULL DEFAULT 0,
    attempts     INTEGER NOT NULL DEFAULT 0,
    payload      TEXT NOT NULL,
    result       TEXT,
    error        TEXT,
    request_id   VARCHAR(64),
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    started_at   TIMESTAMPTZ,
    finished_at  TIMESTAMPTZ
);
CREATE INDEX jobs_status ON jobs (status, updated_at);
CREATE INDEX jobs_type_created ON jobs (type, created_at DESC);

-- Forecast bookkeeping: what data a category's last fit saw, so unchanged data is not refitted.
CREATE TABLE forecast_runs (
    category          VARCHAR(100) PRIMARY KEY,
    data_fingerprint  VARCHAR(128) NOT NULL,
    last_date         DATE,
    fitted_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    notes             TEXT
);

CREATE TABLE forecast_accuracy (
    category      VARCHAR(100) NOT NULL,
    model_type    VARCHAR(16) NOT NULL,
    smape         DOUBLE PRECISION,
    mase          DOUBLE PRECISION,
    coverage_80   DOUBLE PRECISION,
    coverage_95   DOUBLE PRECISION,
    windows       INTEGER NOT NULL,
    is_best       BOOLEAN NOT NULL DEFAULT FALSE,
    form          TEXT,
    error         TEXT,
    fitted_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (category, model_type)
);
