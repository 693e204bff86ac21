-- Two more model types beside the seed's three: theta (the standard theta method) and auto (the
-- backtest-chosen combination). Seed 003's clients that filter on prophet, sarimax or holt_winters see no change.
ALTER TABLE forecast_data DROP CONSTRAINT IF EXISTS forecast_data_model_type_check;
ALTER TABLE forecast_data ADD CONSTRAINT forecast_data_model_type_check
    CHECK (model_type IN ('prophet', 'sarimax', 'holt_winters', 'theta', 'auto'));
