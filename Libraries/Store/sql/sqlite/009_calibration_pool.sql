-- Each fit's backtest scores, as a CalibrationPool member (JSON): the forecast worker pools the other
-- categories' members per model to calibrate a category's intervals (Models/Core/CalibrationPool.swift).
-- Replaced with the accuracy row in the fit's transaction, and expired with it.
ALTER TABLE forecast_accuracy ADD COLUMN calibration TEXT;
