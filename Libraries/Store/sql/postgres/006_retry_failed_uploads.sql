-- A file whose ETL batch failed may be uploaded again (to retry it, e.g. with on_error=skip): the hash is unique
-- only among batches that have not failed. A batch never leaves 'failed', so no update can make two rows clash;
-- two uploads of the same bytes at once still meet at this index and one of them gets the 409.
ALTER TABLE upload_metadata DROP CONSTRAINT upload_metadata_file_hash_key;
CREATE UNIQUE INDEX upload_metadata_live_file_hash ON upload_metadata (file_hash) WHERE status <> 'failed';
