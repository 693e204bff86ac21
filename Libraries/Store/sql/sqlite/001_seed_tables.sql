-- SQLite twin of postgres/001: same tables and columns for the embedded default.
CREATE TABLE upload_metadata (
    batch_num          TEXT PRIMARY KEY,
    original_filename  TEXT NOT NULL,
    stored_filename    TEXT NOT NULL,
    file_hash          TEXT NOT NULL UNIQUE,
    uploaded_at        TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    num_total_rows     INTEGER NOT NULL DEFAULT 0,
    num_missing_rows   INTEGER NOT NULL DEFAULT 0,
    num_imputed_rows   INTEGER NOT NULL DEFAULT 0,
    num_inserted_rows  INTEGER NOT NULL DEFAULT 0,
    num_updated_rows   INTEGER NOT NULL DEFAULT 0,
    status             TEXT NOT NULL DEFAULT 'uploaded'
                       CHECK (status IN ('uploaded', 'processing', 'completed', 'failed')),
    error_log          TEXT,
    upload_seq         INTEGER NOT NULL UNIQUE,
    num_unchanged_rows INTEGER NOT NULL DEFAULT 0,
    num_rejected_rows  INTEGER NOT NULL DEFAULT 0,
    num_repeated_rows  INTEGER NOT NULL DEFAULT 0,
    on_error           TEXT NOT NULL DEFAULT 'fail' CHECK (on_error IN ('fail', 'skip')),
    processed_at       TEXT,
    request_id         TEXT
);
CREATE INDEX upload_metadata_uploaded_at ON upload_metadata (uploaded_at DESC, upload_seq DESC);

CREATE TABLE invoice_data (
    date        TEXT NOT NULL,
    product_id  TEXT NOT NULL,
    category    TEXT NOT NULL,
    sales       NUMERIC NOT NULL,
    is_imputed  INTEGER NOT NULL DEFAULT 0,
    batch_num   TEXT NOT NULL,
    file_hash   TEXT NOT NULL,
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    version     INTEGER NOT NULL DEFAULT 1,
    upload_seq  INTEGER NOT NULL,
    PRIMARY KEY (date, product_id, category)
) WITHOUT ROWID;
CREATE INDEX invoice_data_category_date ON invoice_data (category, date);
CREATE INDEX invoice_data_product_date ON invoice_data (product_id, category, date);

CREATE TABLE forecast_data (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    forecast_date   TEXT NOT NULL,
    category        TEXT NOT NULL,
    model_type      TEXT NOT NULL CHECK (model_type IN ('prophet', 'sarimax', 'holt_winters')),
    forecast_value  NUMERIC NOT NULL,
    lower_bound     NUMERIC,
    upper_bound     NUMERIC,
    created_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    batch_num       TEXT,
    UNIQUE (forecast_date, category, model_type)
);
CREATE INDEX forecast_data_category ON forecast_data (category, model_type, forecast_date);
