-- Model parameter sets (see the PostgreSQL migration; the BI role and views are PostgreSQL only).
CREATE TABLE model_params (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    model_type   TEXT NOT NULL CHECK (model_type IN ('prophet', 'sarimax', 'holt_winters')),
    name         TEXT NOT NULL,
    parameters   TEXT NOT NULL,
    is_active    INTEGER NOT NULL DEFAULT 0,
    created_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    activated_at TEXT
);
CREATE UNIQUE INDEX model_params_one_active ON model_params (model_type) WHERE is_active = 1;
