-- Two more model types beside the seed's three: theta and auto (see the PostgreSQL migration). SQLite cannot
-- change a CHECK, so the table is rebuilt (nothing references it) with the same columns, ids and index.
CREATE TABLE forecast_data_new (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    forecast_date   TEXT NOT NULL,
    category        TEXT NOT NULL,
    model_type      TEXT NOT NULL CHECK (model_type IN ('prophet', 'sarimax', 'holt_winters', 'theta', 'auto')),
    forecast_value  NUMERIC NOT NULL,
    lower_bound     NUMERIC,
    upper_bound     NUMERIC,
    created_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    batch_num       TEXT,
    UNIQUE (forecast_date, category, model_type)
);
INSERT INTO forecast_data_new (id, forecast_date, category, model_type, forecast_value, lower_bound, upper_bound, created_at, batch_num)
SELECT id, forecast_date, category, model_type, forecast_value, lower_bound, upper_bound, created_at, batch_num FROM forecast_data;
DROP TABLE forecast_data;
ALTER TABLE forecast_data_new RENAME TO forecast_data;
CREATE INDEX forecast_data_category ON forecast_data (category, model_type, forecast_date);
