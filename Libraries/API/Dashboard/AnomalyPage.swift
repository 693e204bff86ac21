import Dashboard
import Foundation
import Hummingbird
import Models
import Workflows
import Store

/// `/dashboard/anomaly`: pick a series and a version of its baseline (seed 004) and see the training data,
/// the baseline, its thresholds and the training points outside them, as `/plot` shows them, drawn by
/// `TimeChart` at desktop and phone widths.
struct AnomalyPage {
    let serving: ModelServing
    /// The series offered in the picker (the rest are still reachable by typing their id).
    static let maxSeries = 500

    static func link(_ seriesID: String, version: Int? = nil) -> String {
        "/dashboard/anomaly?series_id=" + HTML.queryComponent(seriesID) + (version.map { "&version=\($0)" } ?? "")
    }

    func response(_ request: Request) async throws -> Response {
        let models = try serving.models
        let seriesID = try QueryParams(request).string("series_id", maxLength: 100)
        let requested = try AnomalyRoutes.version(request)
        let all = try await models.modelSubjects(kind: .anomaly, limit: Self.maxSeries)
        guard let seriesID else {
            let body = Page.section(id: "anomaly-pick", title: "Pick a series", Self.picker(all, selected: nil, versions: [], version: nil))
            return DashboardRoutes.html(Page.render(title: "Anomaly baselines", heading: "Anomaly baselines", body: body))
        }
        let versions = try await models.modelVersions(kind: .anomaly, subject: seriesID)
        guard !versions.isEmpty else {
            return DashboardRoutes.errorPage(.notFound, "Unknown series", "No anomaly baseline has been fitted for the series “\(seriesID)”.")
        }
        guard let record = try await models.modelVersion(kind: .anomaly, subject: seriesID, version: requested) else {
            return DashboardRoutes.errorPage(.notFound, "Unknown version", "The series “\(seriesID)” has no version v\(requested ?? 0).")
        }
        let model = try JSONDecoder().decode(AnomalyBaseline.self, from: Data(record.model.utf8))
        let data = try record.trainingData.map { try JSONDecoder().decode(AnomalyTrainingData.self, from: Data($0.utf8)) }
            ?? AnomalyTrainingData(timestamps: [], values: [])
        let picker = Page.section(id: "anomaly-pick", title: "Pick a series", Self.picker(all, selected: seriesID, versions: versions, version: record.version))
        let plot = Page.section(id: "anomaly-baseline", title: "Series \(seriesID), version v\(record.version)",
                                Self.render(seriesID: seriesID, version: record.version, createdAt: record.createdAt, model: model, data: data))
        return DashboardRoutes.html(Page.render(title: "\(seriesID) v\(record.version)", heading: "Anomaly baseline: \(seriesID)", body: picker + plot))
    }

    /// A GET form: a list of the series with a baseline, and the chosen series' versions (latest by default).
    static func picker(_ all: [String], selected: String?, versions: [ModelVersionSummary], version: Int?) -> HTML {
        guard !all.isEmpty || selected != nil else {
            return "<p class=\"muted\" id=\"anomaly-empty\">No baselines yet: fit one with <code>POST /fit/{series_id}</code>.</p>"
        }
        var names = all
        if let selected, !names.contains(selected) { names.insert(selected, at: 0) }
        let options = names.map { s -> HTML in "<option value=\"\(s)\"\(HTML(unescaped: s == selected ? " selected" : ""))>\(s)</option>" }
        var versionField: HTML = ""
        if !versions.isEmpty {
            let latest = versions.map(\.version).max() ?? 0
            let items = versions.map { v -> HTML in
                "<option value=\"\(v.version)\"\(HTML(unescaped: v.version == version ? " selected" : ""))>v\(v.version)\(v.version == latest ? " (latest)" : "") · \(v.createdAt)</option>"
            }
            versionField = "<label>Version <select name=\"version\" id=\"anomaly-version\">\(items)</select></label>"
        }
        return """
            <form action="/dashboard/anomaly" method="get" class="form-row" id="anomaly-form" aria-label="Pick an anomaly baseline">
            <label>Series <select name="series_id" id="anomaly-series">\(options)</select></label>
            \(versionField)
            <button type="submit">Show baseline</button>
            </form>
            \(HTML(unescaped: versions.isEmpty ? "" : "<p class=\"muted\">Changing the series shows its latest version.</p>"))
            """
    }

    /// Summary, chart, legend and the flagged points as a table.
    static func render(seriesID: String, version: Int, createdAt: String, model: AnomalyBaseline, data: AnomalyTrainingData) -> HTML {
        let order = data.timestamps.indices.sorted { data.timestamps[$0] < data.timestamps[$1] }
        let ts = order.map { data.timestamps[$0] }, vs = order.map { data.values[$0] }
        let verdicts = zip(ts, vs).map { model.evaluate(timestamp: $0, value: $1) }
        var flagged: [(t: Double, v: Double, verdict: AnomalyVerdict)] = []
        for i in ts.indices where verdicts[i].isAnomaly { flagged.append((ts[i], vs[i], verdicts[i])) }
        func line(_ values: [Double]) -> [TimeChart.Point] {
            zip(ts, values).filter { $0.1.isFinite }.map { TimeChart.Point(x: $0.0, value: $0.1) }
        }
        let chart = TimeChart(
            title: "Series \(seriesID), baseline version v\(version)",
            summary: "Training data of series \(seriesID) (\(vs.count) points), the fitted baseline and its thresholds (baseline ± \(AnomalyPlot.num(model.k)) × scale); \(flagged.count) training point\(flagged.count == 1 ? " lies" : "s lie") outside the thresholds and \(flagged.count == 1 ? "is" : "are") flagged.",
            valueLabel: "Value",
            series: [
                .init(name: "Training data", key: "data", kind: .history, color: "#222222", points: line(vs)),
                .init(name: "Baseline", key: "baseline", kind: .baseline, color: "#0072B2", points: line(verdicts.map(\.center))),
                .init(name: "Upper threshold", key: "upper", kind: .threshold, color: "#D55E00", points: line(verdicts.map(\.upper)), dash: "6 4"),
                .init(name: "Lower threshold", key: "lower", kind: .threshold, color: "#E69F00", points: line(verdicts.map(\.lower)), dash: "2 3"),
                .init(name: "Flagged points (outside the thresholds)", key: "flagged", kind: .flagged, color: "#CC0000",
                      points: flagged.map { TimeChart.Point(x: $0.t, value: $0.v) }),
            ],
            marker: nil, xAxis: .seconds)
        let facts: [(String, String)] = [
            ("Variant", model.variant.rawValue), ("k", AnomalyPlot.num(model.k)), ("Tail", model.tail.rawValue), ("Period", String(model.period)),
            ("Training points", String(vs.count)), ("Flagged points", String(flagged.count)), ("Fitted at", createdAt),
        ]
        let items = facts.map { f -> HTML in "<dt>\(f.0)</dt><dd>\(f.1)</dd>" }
        let rows = flagged.map { f -> HTML in
            "<tr><td class=\"num\">\(Self.time(f.t))</td><td class=\"num\">\(AnomalyPlot.num(f.v))</td><td class=\"num\">\(AnomalyPlot.num(f.verdict.lower))</td><td class=\"num\">\(AnomalyPlot.num(f.verdict.upper))</td></tr>"
        }
        let table: HTML = flagged.isEmpty
            ? "<p class=\"muted\" id=\"flagged-none\">No training point lies outside the thresholds.</p>"
            : """
                <details><summary>The \(flagged.count) flagged point\(flagged.count == 1 ? "" : "s") as a table</summary><div class="table-wrap"><table id="flagged-table">
                <thead><tr><th scope="col" class="num">Timestamp</th><th scope="col" class="num">Value</th><th scope="col" class="num">Lower threshold</th><th scope="col" class="num">Upper threshold</th></tr></thead>
                <tbody>\(rows)</tbody></table></div></details>
                """
        return """
            <div class="card facts"><dl id="anomaly-facts">\(items)</dl></div>
            \(chart.svg(.wide, id: "anomaly-wide"))\(chart.svg(.narrow, id: "anomaly-narrow"))\(chart.legend())
            \(table)
            <p><a href="/plot?series_id=\(HTML.queryComponent(seriesID))&amp;version=\(version)">The same version as seed 004's plain plot</a></p>
            """
    }

    /// A timestamp as sent (seconds), with its UTC time when it reads as a Unix time.
    static func time(_ t: Double) -> String {
        let raw = t == t.rounded() && abs(t) < 1e15 ? String(Int64(t)) : String(t)
        guard t >= TimeChart.unixTimeFloor, t < 1e11 else { return raw }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return raw + " (" + f.string(from: Date(timeIntervalSince1970: t)) + " UTC)"
    }
}
