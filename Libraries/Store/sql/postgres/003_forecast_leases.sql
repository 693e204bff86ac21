-- One forecast fit per category across every forecast-worker process: a lease with an expiry, renewed
-- while the fit runs, so a killed worker's lease lapses on its own.
CREATE TABLE forecast_leases (
    category    TEXT PRIMARY KEY,
    owner       TEXT NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL
);
