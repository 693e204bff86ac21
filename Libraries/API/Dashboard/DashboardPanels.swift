/// The panels each dashboard page shows, in order. A feature adds its panel here:
/// - anomaly baselines (seed 004's plot: training data, baseline, thresholds, flagged points, by version)
///   and work-schedule predictions (predicted start/end around a date, NA days, seed 000) read the model
///   versions and schedule sessions the train-worker writes. The store has no such tables yet
///   (migration 004 is theirs), so those panels are not in the lists; they plug in as `DashboardPanel`s
///   drawing with `TimeChart` (its `.baseline`, `.threshold` and `.flagged` series kinds are for them).
enum DashboardPanels {
    static let home: [any DashboardPanel] = [UploadPanel(), UploadsPanel(), CategoriesPanel(), HealthPanel()]
    static let category: [any DashboardPanel] = [ForecastChartPanel(), AccuracyPanel(), ProductsPanel()]
}
