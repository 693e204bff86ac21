-- One forecast fit per category at a time (see the PostgreSQL migration); expires_at in unix seconds.
CREATE TABLE forecast_leases (
    category    TEXT PRIMARY KEY,
    owner       TEXT NOT NULL,
    expires_at  REAL NOT NULL
);
