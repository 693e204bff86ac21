-- train-worker (issue 5): work-schedule sessions (seed 000) and immutable model versions (forests and
-- anomaly baselines, seed 004).

-- A work-schedule session isolates its data, models and cache entries. Expired sessions are removed with
-- everything they own (records here by cascade, model versions by the store).
CREATE TABLE schedule_sessions (
    session_id    VARCHAR(64) PRIMARY KEY,
    client_ip     TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX schedule_sessions_expiry ON schedule_sessions (expires_at);

-- One worked day of one entity in a session; times in minutes after midnight (an end before the start
-- means the shift ends the next day).
CREATE TABLE schedule_records (
    session_id    VARCHAR(64) NOT NULL REFERENCES schedule_sessions (session_id) ON DELETE CASCADE,
    entity        TEXT NOT NULL,
    work_date     DATE NOT NULL,
    start_minute  INTEGER NOT NULL CHECK (start_minute BETWEEN 0 AND 1439),
    end_minute    INTEGER NOT NULL CHECK (end_minute BETWEEN 0 AND 1439),
    PRIMARY KEY (session_id, entity, work_date)
);

-- Per-IP quota events (session creation, training), counted over a sliding window.
CREATE TABLE ip_quota_events (
    client_ip     TEXT NOT NULL,
    action        VARCHAR(32) NOT NULL,
    at            TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX ip_quota_events_lookup ON ip_quota_events (client_ip, action, at);

-- Every fitted model. kind 'anomaly': subject is the series id; kind 'schedule': subject is the session id.
-- A version is never changed once written (the trigger below refuses UPDATE); job_id makes a redelivered
-- fit job find the version it already wrote.
CREATE TABLE model_versions (
    id                BIGSERIAL PRIMARY KEY,
    kind              VARCHAR(16) NOT NULL CHECK (kind IN ('anomaly', 'schedule')),
    subject           TEXT NOT NULL,
    version           INTEGER NOT NULL CHECK (version >= 1),
    params            TEXT NOT NULL,
    metrics           TEXT NOT NULL,
    training_summary  TEXT NOT NULL,
    training_data     TEXT,
    model             TEXT NOT NULL,
    job_id            VARCHAR(100) UNIQUE,
    created_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (kind, subject, version)
);

CREATE FUNCTION model_versions_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'model versions are immutable (% v%)', OLD.subject, OLD.version USING ERRCODE = '55000';
END;
$$;

CREATE TRIGGER model_versions_no_update BEFORE UPDATE ON model_versions
    FOR EACH ROW EXECUTE FUNCTION model_versions_immutable();
