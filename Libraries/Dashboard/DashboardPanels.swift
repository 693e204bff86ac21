/// The panels each dashboard page shows, in order; a feature adds its panel here. The anomaly and schedule
/// panels read the model store (migration 004) and link to their own pages (`AnomalyPage`, `SchedulePage`).
public enum DashboardPanels {
    public static let home: [any DashboardPanel] = [UploadPanel(), UploadsPanel(), CategoriesPanel(), AnomalyPanel(), SchedulePanel(), HealthPanel()]
    public static let category: [any DashboardPanel] = [ForecastChartPanel(), AccuracyPanel(), ProductsPanel()]
}
