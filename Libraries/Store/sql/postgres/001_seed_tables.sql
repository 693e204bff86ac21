-- The seed platform's three tables (seed 003), same names, columns and meaning, in PostgreSQL types.
-- Almanac's additions are marked; they never change what the seed's columns mean.

CREATE TABLE upload_metadata (
    batch_num          VARCHAR(100) PRIMARY KEY,
    original_filename  VARCHAR(255) NOT NULL,
    stored_filename    VARCHAR(255) NOT NULL,
    file_hash          VARCHAR(64)  NOT NULL UNIQUE,
    uploaded_at        TIMESTAMPTZ  NOT NULL DEFAULT now(),
    num_total_rows     INTEGER NOT NULL DEFAULT 0,
    num_missing_rows   INTEGER NOT NULL DEFAULT 0,
    num_imputed_rows   INTEGER NOT NULL DEFAULT 0,
    num_inserted_rows  INTEGER NOT NULL DEFAULT 0,
    num_updated_rows   INTEGER NOT NULL DEFAULT 0,
    status             VARCHAR(16) NOT NULL DEFAULT 'uploaded'
                       CHECK (status IN ('uploaded', 'processing', 'completed', 'failed')),
    error_log          TEXT,
    -- Almanac: order of acceptance; a later upload wins over an earlier one on the same key.
    upload_seq         BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
    num_unchanged_rows INTEGER NOT NULL DEFAULT 0,
    num_rejected_rows  INTEGER NOT NULL DEFAULT 0,
    num_repeated_rows  INTEGER NOT NULL DEFAULT 0,
    on_error           VARCHAR(8) NOT NULL DEFAULT 'fail' CHECK (on_error IN ('fail', 'skip')),
    processed_at       TIMESTAMPTZ,
    request_id         VARCHAR(64)
);
CREATE INDEX upload_metadata_uploaded_at ON upload_metadata (uploaded_at DESC, upload_seq DESC);
CREATE INDEX upload_metadata_unfinished ON upload_metadata (status) WHERE status IN ('uploaded', 'processing');

CREATE TABLE invoice_data (
    date        DATE NOT NULL,
    product_id  VARCHAR(100) NOT NULL,
    category    VARCHAR(100) NOT NULL,
    sales       NUMERIC(12, 2) NOT NULL,
    is_imputed  BOOLEAN NOT NULL DEFAULT FALSE,
    batch_num   VARCHAR(100) NOT NULL,
    file_hash   VARCHAR(64) NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    version     INTEGER NOT NULL DEFAULT 1,
    -- Almanac: upload_seq of the newest batch that carried this key (not only the last to change it).
    upload_seq  BIGINT NOT NULL,
    PRIMARY KEY (date, product_id, category)
);
CREATE INDEX invoice_data_category_date ON invoice_data (category, date);
CREATE INDEX invoice_data_product_date ON invoice_data (product_id, category, date);

CREATE TABLE forecast_data (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    forecast_date   DATE NOT NULL,
    category        VARCHAR(100) NOT NULL,
    model_type      VARCHAR(16) NOT NULL CHECK (model_type IN ('prophet', 'sarimax', 'holt_winters')),
    forecast_value  NUMERIC(12, 2) NOT NULL,
    lower_bound     NUMERIC(12, 2),
    upper_bound     NUMERIC(12, 2),
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    batch_num       VARCHAR(100),
    CONSTRAINT unique_forecast UNIQUE (forecast_date, category, model_type)
);
CREATE INDEX forecast_data_category ON forecast_data (category, model_type, forecast_date);
