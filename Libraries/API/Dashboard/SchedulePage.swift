import Dashboard
import Foundation
import Hummingbird
import Models
import NIOCore
import Workflows
import Store

/// `/dashboard/schedule`: one entity's predicted start and end times over a window of days around a date
/// (seed 000). Sessions are private, so the page lists no entities: the person pastes their own
/// `X-Session-ID` into a POST form (kept out of URLs and logs). The rows come from
/// `ScheduleSessions.predictions`, the workflow `/api/predict` runs.
struct SchedulePage {
    let sessions: ScheduleSessions

    struct Form: Decodable {
        var session_id: String?
        var entity: String?
        var date: String?
        var window: String?
        var csrf_token: String?
    }

    static let defaultWindow = 14

    func form(_ f: Form?) -> HTML {
        let window = f?.window.flatMap { Int($0) } ?? Self.defaultWindow
        return """
            <form action="/dashboard/schedule" method="post" class="form-row" id="schedule-form" aria-label="Predict a schedule">
            \(Page.csrfField)
            <label>Session id (X-Session-ID) <input type="password" name="session_id" id="schedule-session" required maxlength="128" autocomplete="off" value="\(f?.session_id ?? "")"></label>
            <label>Entity <input name="entity" id="schedule-entity" required maxlength="100" value="\(f?.entity ?? "")"></label>
            <label>Date <input type="date" name="date" id="schedule-date" required value="\(f?.date ?? "")"></label>
            <label>Days <input type="number" name="window" id="schedule-window" min="1" max="\(ScheduleSessions.maxWindow)" value="\(window)" size="4"></label>
            <button type="submit">Show schedule</button>
            </form>
            <p class="muted">Sessions are private: paste the session id the API gave you (<code>POST /api/session/create</code>); this page never lists other sessions' entities.</p>
            """
    }

    func page(_ f: Form?, result: HTML?) -> Response {
        var body = Page.section(id: "schedule-pick", title: "Pick an entity and a date", form(f))
        if let result { body += result }
        return DashboardRoutes.html(Page.render(title: "Work schedules", heading: "Work-schedule predictions", body: body))
    }

    func response(_ request: Request) async throws -> Response {
        let buffer = try await request.body.collect(upTo: 64 * 1024)
        let text = String(buffer: buffer)
        let f: Form
        do { f = try URLEncodedFormDecoder().decode(Form.self, from: text) } catch {
            return DashboardRoutes.errorPage(.badRequest, "Bad form", "The form could not be read: send session_id, entity and date.")
        }
        do {
            try DashboardSession.verifyForm(f.csrf_token)
            return page(f, result: try await result(f))
        } catch let error as WorkflowError {
            return DashboardRoutes.errorPage(APIError.status(error.kind), "No schedule", error.message)
        } catch let error as APIError {
            return DashboardRoutes.errorPage(error.status, "No schedule", error.message)
        }
    }

    /// Validates the form and renders the window's table and chart; an APIError or WorkflowError naming the problem otherwise.
    func result(_ f: Form) async throws -> HTML {
        let sessionID = f.session_id?.trimmingCharacters(in: .whitespaces) ?? ""
        let entity = f.entity?.trimmingCharacters(in: .whitespaces) ?? ""
        guard !sessionID.isEmpty else { throw APIError.badRequest("session_id (your X-Session-ID) is required") }
        guard !entity.isEmpty, entity.count <= 100 else { throw APIError.badRequest("entity is required (at most 100 characters)") }
        guard let dateText = f.date, let target = CivilDate(parsing: dateText) else {
            throw APIError.badRequest("date \"\((f.date ?? "").prefix(40))\" is not a date (expected YYYY-MM-DD or DD/MM/YYYY)")
        }
        var window = Self.defaultWindow
        if let raw = f.window?.trimmingCharacters(in: .whitespaces), !raw.isEmpty {
            guard let w = Int(raw), (1...ScheduleSessions.maxWindow).contains(w) else {
                throw APIError.badRequest("window must be between 1 and \(ScheduleSessions.maxWindow) days (got \"\(raw.prefix(20))\")")
            }
            window = w
        }
        _ = try await sessions.session(id: sessionID)
        let rows = try await sessions.predictions(sessionID: sessionID, entity: entity, target: target, window: window)
        return Page.section(id: "schedule-result", title: "Entity \(entity) around \(target.isoString)", Self.render(entity: entity, target: target, rows))
    }

    static func render(entity: String, target: CivilDate, _ rows: [ScheduleSessions.Prediction]) -> HTML {
        var series: [String: [TimeChart.Point]] = [:]
        var na = 0
        for r in rows {
            guard let date = CivilDate(parsing: r.date), let day = DayNumber.parse(date.isoString) else { continue }
            guard let start = ClockTime.minutes(parsing: r.start_time), let endRaw = ClockTime.minutes(parsing: r.end_time) else { na += 1; continue }
            // An end before the start is on the next day (a night shift): drawn above 24 h.
            let end = endRaw < start ? endRaw + 1440 : endRaw
            let source = r.historical ? "recorded" : "predicted"
            series["\(source)-start", default: []].append(.init(day: day, value: Double(start) / 60))
            series["\(source)-end", default: []].append(.init(day: day, value: Double(end) / 60))
        }
        let styles: [(String, String, String)] = [
            ("recorded-start", "Recorded start", "#0072B2"), ("recorded-end", "Recorded end", "#D55E00"),
            ("predicted-start", "Predicted start", "#56B4E9"), ("predicted-end", "Predicted end", "#E69F00"),
        ]
        let chart = TimeChart(
            title: "Start and end times of \(entity) around \(target.isoString)",
            summary: "Start and end times (hours after midnight) of \(entity) over \(rows.count) days around \(target.isoString): recorded days and predicted days as separate point series; \(na) day\(na == 1 ? " is" : "s are") unreliable (NA) and not drawn.",
            valueLabel: "Time of day (hours)",
            series: styles.compactMap { key, name, color in
                series[key].map { TimeChart.Series(name: name, key: key, kind: .points, color: color, points: $0) }
            },
            marker: DayNumber.parse(target.isoString).map { (day: $0, label: "date") })
        let body = rows.map { r -> HTML in
            let unreliable = r.start_time == "NA" || r.end_time == "NA"
            let cls = HTML(unescaped: r.historical ? " class=\"historical\"" : unreliable ? " class=\"na\"" : "")
            let source: HTML = r.historical ? "<span class=\"status status-completed\">recorded</span>" : unreliable ? "<span class=\"status status-failed\">NA: unreliable</span>" : "predicted"
            return "<tr\(cls) data-date=\"\(r.date)\"><td class=\"date\" data-label=\"Date\">\(r.date)</td><td data-label=\"Day\">\(r.weekday)</td><td class=\"num\" data-label=\"Start\">\(r.start_time)</td><td class=\"num\" data-label=\"End\">\(r.end_time)</td><td data-label=\"Source\">\(source)</td></tr>"
        }
        return """
            \(chart.svg(.wide, id: "schedule-wide"))\(chart.svg(.narrow, id: "schedule-narrow"))\(chart.legend())
            <div class="table-wrap"><table id="schedule-table" class="stack">
            <caption class="muted" style="text-align:left">Recorded days show their recorded times; NA marks a day the model cannot predict reliably (the entity rarely works that weekday, or its trees disagree).</caption>
            <thead><tr><th scope="col">Date</th><th scope="col">Day</th><th scope="col" class="num">Start</th><th scope="col" class="num">End</th><th scope="col">Source</th></tr></thead>
            <tbody>\(body)</tbody></table></div>
            """
    }
}
