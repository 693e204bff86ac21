-- A file whose ETL batch failed may be uploaded again (see the PostgreSQL migration): the hash is unique only
-- among batches that have not failed. SQLite cannot drop a column's UNIQUE, so the table is rebuilt (nothing
-- references it: no foreign key, view or trigger) with the same columns.
CREATE TABLE upload_metadata_new (
    batch_num          TEXT PRIMARY KEY,
    original_filename  TEXT NOT NULL,
    stored_filename    TEXT NOT NULL,
    file_hash          TEXT NOT NULL,
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
INSERT INTO upload_metadata_new (
    batch_num, original_filename, stored_filename, file_hash, uploaded_at, num_total_rows, num_missing_rows,
    num_imputed_rows, num_inserted_rows, num_updated_rows, status, error_log, upload_seq, num_unchanged_rows,
    num_rejected_rows, num_repeated_rows, on_error, processed_at, request_id)
SELECT
    batch_num, original_filename, stored_filename, file_hash, uploaded_at, num_total_rows, num_missing_rows,
    num_imputed_rows, num_inserted_rows, num_updated_rows, status, error_log, upload_seq, num_unchanged_rows,
    num_rejected_rows, num_repeated_rows, on_error, processed_at, request_id
FROM upload_metadata;
DROP TABLE upload_metadata;
ALTER TABLE upload_metadata_new RENAME TO upload_metadata;
CREATE INDEX upload_metadata_uploaded_at ON upload_metadata (uploaded_at DESC, upload_seq DESC);
CREATE UNIQUE INDEX upload_metadata_live_file_hash ON upload_metadata (file_hash) WHERE status <> 'failed';
