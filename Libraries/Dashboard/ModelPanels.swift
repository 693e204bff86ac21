import Workflows
import Store

/// Anomaly baselines (seed 004): how many series have one, and a form that opens a version on the
/// anomaly page (`/dashboard/anomaly`). Hidden when the store keeps no model versions.
public struct AnomalyPanel: DashboardPanel {
    public let id = "anomaly"
    public let title = "Anomaly baselines"

    public func render(_ context: PanelContext) async throws -> HTML? {
        guard let models = context.runtime.store as? any ModelStore else { return nil }
        let series = try await models.modelSubjectCount(kind: .anomaly)
        let count: HTML = series == 0
            ? "<p class=\"muted\">No baselines yet: train one with <code>POST /fit/{series_id}</code>.</p>"
            : "<p>\(series) series with a baseline. <a href=\"/dashboard/anomaly\" id=\"anomaly-page-link\">Pick a series and version</a>, or open one by id (latest version unless one is given):</p>"
        return """
            \(count)
            <form action="/dashboard/anomaly" method="get" class="form-row" aria-label="Open an anomaly baseline">
            <label>Series id <input name="series_id" required maxlength="100" pattern="[A-Za-z0-9_.:\\-]+"></label>
            <label>Version <input name="version" size="5" placeholder="latest" pattern="[vV]?[0-9]+"></label>
            <button type="submit">Show baseline</button>
            </form>
            """
    }
}

/// Work-schedule sessions (seed 000): their data is private to each session (`X-Session-ID`), so the
/// dashboard shows how many are active and not their contents.
public struct SchedulePanel: DashboardPanel {
    public let id = "schedule"
    public let title = "Work-schedule sessions"

    public func render(_ context: PanelContext) async throws -> HTML? {
        guard let models = context.runtime.store as? any ModelStore else { return nil }
        let sessions = try await models.scheduleSessionCount()
        return "<p>\(sessions) active session\(sessions == 1 ? "" : "s"). Each session's schedules and predictions are private to it (<code>X-Session-ID</code>). <a href=\"/dashboard/schedule\" id=\"schedule-page-link\">See an entity's predicted schedule</a> with your session id.</p>"
    }
}
