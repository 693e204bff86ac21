import Foundation

/// What the forecast retention removed (or, in a dry run, would remove).
public struct ForecastRetention: Sendable, Equatable {
    /// `forecast_data` rows computed before the cutoff.
    public var forecasts: Int
    /// `forecast_accuracy` rows (the backtests of those fits) computed before the cutoff.
    public var accuracyRows: Int

    public init(forecasts: Int, accuracyRows: Int) {
        self.forecasts = forecasts
        self.accuracyRows = accuracyRows
    }
}
