-- Forecasts per product and the 80 % band (see the PostgreSQL migration).
ALTER TABLE forecast_data ADD COLUMN lower_80 NUMERIC;
ALTER TABLE forecast_data ADD COLUMN upper_80 NUMERIC;

CREATE TABLE product_forecast_data (
    category        TEXT NOT NULL,
    product_id      TEXT NOT NULL,
    forecast_date   TEXT NOT NULL,
    forecast_value  NUMERIC NOT NULL,
    lower_80        NUMERIC,
    upper_80        NUMERIC,
    lower_bound     NUMERIC,
    upper_bound     NUMERIC,
    reconciliation  TEXT NOT NULL CHECK (reconciliation IN ('bottom_up', 'top_down', 'mint_shrink')),
    base            TEXT NOT NULL CHECK (base IN ('holt_winters', 'theta', 'share')),
    created_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    batch_num       TEXT,
    PRIMARY KEY (category, product_id, forecast_date)
);
CREATE INDEX product_forecast_data_product ON product_forecast_data (product_id, forecast_date);

CREATE TABLE report_files (
    job_id      TEXT PRIMARY KEY REFERENCES jobs (id) ON DELETE CASCADE,
    filename    TEXT NOT NULL,
    content     TEXT NOT NULL,
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
