-- Issue 7 (operations): stored model parameter sets, and read-only BI access through documented views.

-- Parameter sets per model type (seed 002); at most one active per type, used by the forecast worker.
CREATE TABLE model_params (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    model_type  VARCHAR(16) NOT NULL CHECK (model_type IN ('prophet', 'sarimax', 'holt_winters')),
    name        VARCHAR(100) NOT NULL,
    parameters  TEXT NOT NULL,
    is_active   BOOLEAN NOT NULL DEFAULT FALSE,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    activated_at TIMESTAMPTZ
);
CREATE UNIQUE INDEX model_params_one_active ON model_params (model_type) WHERE is_active;

-- Views for BI tools.
CREATE VIEW bi_daily_sales_by_category AS
    SELECT date, category, sum(sales) AS total_sales, count(*) AS product_rows,
           count(*) FILTER (WHERE is_imputed) AS imputed_rows
    FROM invoice_data GROUP BY date, category;

CREATE VIEW bi_latest_forecast AS
    SELECT f.category, f.model_type, f.forecast_date, f.forecast_value, f.lower_bound, f.upper_bound,
           r.fitted_at, r.last_date AS history_last_date, f.batch_num
    FROM forecast_data f LEFT JOIN forecast_runs r ON r.category = f.category;

CREATE VIEW bi_forecast_accuracy AS
    SELECT category, model_type, smape, mase, coverage_80, coverage_95, windows, is_best, fitted_at
    FROM forecast_accuracy;

COMMENT ON TABLE invoice_data IS 'Cleaned daily sales, one row per day, product and category (latest upload wins).';
COMMENT ON COLUMN invoice_data.sales IS 'Sales amount for the day; imputed rows have is_imputed = true.';
COMMENT ON TABLE forecast_data IS 'Current forecasts: one row per future day, category and model (replaced on each fit).';
COMMENT ON COLUMN forecast_data.lower_bound IS 'Lower end of the 95% prediction interval.';
COMMENT ON COLUMN forecast_data.upper_bound IS 'Upper end of the 95% prediction interval.';
COMMENT ON TABLE forecast_accuracy IS 'Rolling-origin backtest of each model per category.';
COMMENT ON TABLE model_params IS 'Named parameter sets per model type; the active one is used by the forecast worker.';
COMMENT ON VIEW bi_daily_sales_by_category IS 'Total sales per day and category, with how many product rows were imputed.';
COMMENT ON COLUMN bi_daily_sales_by_category.total_sales IS 'Sum of sales over the category''s products that day.';
COMMENT ON COLUMN bi_daily_sales_by_category.product_rows IS 'Product rows summed.';
COMMENT ON COLUMN bi_daily_sales_by_category.imputed_rows IS 'Of those, rows filled in by the ETL.';
COMMENT ON VIEW bi_latest_forecast IS 'The latest forecast per category and model, with when it was fitted.';
COMMENT ON COLUMN bi_latest_forecast.fitted_at IS 'When the category was last fitted.';
COMMENT ON COLUMN bi_latest_forecast.history_last_date IS 'Last day of sales history the fit saw.';
COMMENT ON VIEW bi_forecast_accuracy IS 'Backtest accuracy per category and model (sMAPE, MASE, interval coverage); is_best marks the lowest sMAPE.';
COMMENT ON COLUMN bi_forecast_accuracy.smape IS 'Symmetric mean absolute percentage error, 0-200.';
COMMENT ON COLUMN bi_forecast_accuracy.mase IS 'Mean absolute scaled error against the seasonal naive forecast.';

-- The read-only role (cluster-wide, so created once; several databases may migrate at the same time).
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'almanac_bi') THEN
        CREATE ROLE almanac_bi NOLOGIN;
    END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END $$;
DO $$
BEGIN
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO almanac_bi', current_database());
END $$;
GRANT USAGE ON SCHEMA public TO almanac_bi;
GRANT SELECT ON bi_daily_sales_by_category, bi_latest_forecast, bi_forecast_accuracy TO almanac_bi;
