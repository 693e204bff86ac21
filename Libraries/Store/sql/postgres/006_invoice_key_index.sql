-- Every index of invoice_data holds the whole key (date, product_id, category), so an ingest's per-key lookups
-- (the NOT EXISTS of the insert, the UPDATE ... FROM and the LEFT JOIN that classifies the keys) seek one key
-- whichever index the planner picks. With (category, date), a planner working from statistics taken while the
-- table was small picked it for those lookups and filtered product_id over every row of the day and category:
-- in a drain of 100 batches of 6,000 new keys, a batch's insert grew from 0.1 to 4 s before autovacuum's next
-- ANALYZE. The category reads (daily sums, the data fingerprint) use the new index as they used the old one.
CREATE INDEX invoice_data_category_date_product ON invoice_data (category, date, product_id);
DROP INDEX invoice_data_category_date;
