/// The panels each dashboard page shows, in order; a feature adds its panel here. The anomaly and schedule
/// panels read the model store (migration 004) and link to seed 004's `/plot`; drawing a baseline or a
/// schedule prediction in the dashboard itself would be a further panel using `TimeChart` (its
/// `.baseline`, `.threshold` and `.flagged` series kinds are for that).
enum DashboardPanels {
    static let home: [any DashboardPanel] = [UploadPanel(), UploadsPanel(), CategoriesPanel(), AnomalyPanel(), SchedulePanel(), HealthPanel()]
    static let category: [any DashboardPanel] = [ForecastChartPanel(), AccuracyPanel(), ProductsPanel()]
}
