-- Hierarchies: forecasts per product, reconciled so that a category's products sum to its forecast, and the
-- 80 % band beside the 95 % one (seed 002's reports give quantiles). Seed 003's columns keep their meaning.
ALTER TABLE forecast_data ADD COLUMN lower_80 NUMERIC(12, 2);
ALTER TABLE forecast_data ADD COLUMN upper_80 NUMERIC(12, 2);
COMMENT ON COLUMN forecast_data.lower_80 IS 'Lower end of the 80% prediction interval.';
COMMENT ON COLUMN forecast_data.upper_80 IS 'Upper end of the 80% prediction interval.';

CREATE TABLE product_forecast_data (
    category        VARCHAR(100) NOT NULL,
    product_id      VARCHAR(100) NOT NULL,
    forecast_date   DATE NOT NULL,
    forecast_value  NUMERIC(12, 2) NOT NULL,
    lower_80        NUMERIC(12, 2),
    upper_80        NUMERIC(12, 2),
    lower_bound     NUMERIC(12, 2),
    upper_bound     NUMERIC(12, 2),
    -- How the products were made to sum to the category: bottom_up, top_down or mint_shrink.
    reconciliation  VARCHAR(16) NOT NULL CHECK (reconciliation IN ('bottom_up', 'top_down', 'mint_shrink')),
    -- The product's own model (holt_winters or theta), or its share of the category's forecast when its history is too short.
    base            VARCHAR(16) NOT NULL CHECK (base IN ('holt_winters', 'theta', 'share')),
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    batch_num       VARCHAR(100),
    PRIMARY KEY (category, product_id, forecast_date)
);
CREATE INDEX product_forecast_data_product ON product_forecast_data (product_id, forecast_date);

CREATE VIEW bi_product_forecast AS
    SELECT category, product_id, forecast_date, forecast_value, lower_80, upper_80, lower_bound, upper_bound,
           reconciliation, base, created_at
    FROM product_forecast_data;
COMMENT ON TABLE product_forecast_data IS 'Current forecasts per product: one row per future day, reconciled to sum to the category.';
COMMENT ON VIEW bi_product_forecast IS 'Forecasts per product and day; per category and day they sum to the reconciled category total.';
COMMENT ON COLUMN bi_product_forecast.lower_bound IS 'Lower end of the 95% prediction interval.';
COMMENT ON COLUMN bi_product_forecast.upper_bound IS 'Upper end of the 95% prediction interval.';
COMMENT ON COLUMN bi_product_forecast.reconciliation IS 'bottom_up, top_down or mint_shrink: chosen per category on the backtest.';
GRANT SELECT ON bi_product_forecast TO almanac_bi;

-- Seed 002's reports: a CSV of the forecasts per category and product as they were when the report job ran.
CREATE TABLE report_files (
    job_id      VARCHAR(100) PRIMARY KEY REFERENCES jobs (id) ON DELETE CASCADE,
    filename    VARCHAR(255) NOT NULL,
    content     TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
