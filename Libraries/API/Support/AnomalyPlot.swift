import Dashboard
import Foundation
import Models
import Workflows

/// `/plot`: a self-contained HTML page (no script, no external assets) with an SVG chart of a version's
/// training points, its baseline and its thresholds; anomalous training points are drawn in red. Every text
/// taken from the request or the database is HTML-escaped.
enum AnomalyPlot {
    static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.count)
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }

    static func num(_ x: Double) -> String { String(format: "%.2f", x) }

    static func html(seriesID: String, version: Int, createdAt: String, model: AnomalyBaseline, data: AnomalyTrainingData) -> String {
        let order = data.timestamps.indices.sorted { data.timestamps[$0] < data.timestamps[$1] }
        let ts = order.map { data.timestamps[$0] }
        let vs = order.map { data.values[$0] }
        let verdicts = zip(ts, vs).map { model.evaluate(timestamp: $0, value: $1) }
        let width = 900.0, height = 360.0, pad = 50.0
        let lows = verdicts.map(\.lower).filter(\.isFinite), highs = verdicts.map(\.upper).filter(\.isFinite)
        var yMin = (vs + lows).min() ?? 0, yMax = (vs + highs).max() ?? 1
        if yMax - yMin < 1e-9 { yMin -= 1; yMax += 1 }
        let tMin = ts.first ?? 0, tMax = max(ts.last ?? 1, tMin + 1e-9)
        func x(_ t: Double) -> Double { pad + (t - tMin) / (tMax - tMin) * (width - 2 * pad) }
        func y(_ v: Double) -> Double { height - pad - (v - yMin) / (yMax - yMin) * (height - 2 * pad) }
        func path(_ points: [(Double, Double)]) -> String {
            points.filter { $0.1.isFinite }.map { "\(num(x($0.0))),\(num(y($0.1)))" }.joined(separator: " ")
        }
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" role=\"img\" aria-label=\"training data and baseline\">"
        svg += "<rect x=\"0\" y=\"0\" width=\"\(Int(width))\" height=\"\(Int(height))\" fill=\"#fff\"/>"
        svg += "<line x1=\"\(pad)\" y1=\"\(height - pad)\" x2=\"\(width - pad)\" y2=\"\(height - pad)\" stroke=\"#888\"/>"
        svg += "<line x1=\"\(pad)\" y1=\"\(pad)\" x2=\"\(pad)\" y2=\"\(height - pad)\" stroke=\"#888\"/>"
        svg += "<text x=\"4\" y=\"\(num(y(yMax)))\" font-size=\"11\">\(num(yMax))</text><text x=\"4\" y=\"\(num(y(yMin)))\" font-size=\"11\">\(num(yMin))</text>"
        svg += "<polyline class=\"upper\" fill=\"none\" stroke=\"#d97706\" stroke-dasharray=\"5,4\" points=\"\(path(zip(ts, verdicts.map(\.upper)).map { ($0, $1) }))\"/>"
        svg += "<polyline class=\"lower\" fill=\"none\" stroke=\"#d97706\" stroke-dasharray=\"5,4\" points=\"\(path(zip(ts, verdicts.map(\.lower)).map { ($0, $1) }))\"/>"
        svg += "<polyline class=\"baseline\" fill=\"none\" stroke=\"#2563eb\" stroke-width=\"2\" points=\"\(path(zip(ts, verdicts.map(\.center)).map { ($0, $1) }))\"/>"
        svg += "<polyline class=\"data\" fill=\"none\" stroke=\"#555\" stroke-width=\"1\" points=\"\(path(zip(ts, vs).map { ($0, $1) }))\"/>"
        for (i, (t, v)) in zip(ts, vs).enumerated() {
            let bad = verdicts[i].isAnomaly
            svg += "<circle class=\"\(bad ? "anomaly" : "point")\" cx=\"\(num(x(t)))\" cy=\"\(num(y(v)))\" r=\"3\" fill=\"\(bad ? "#dc2626" : "#111")\"><title>t=\(num(t)) value=\(num(v))</title></circle>"
        }
        svg += "</svg>"
        let id = escape(seriesID)
        let anomalies = verdicts.filter(\.isAnomaly).count
        return """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>\(id) v\(version) — Almanac anomaly baseline</title>
            <style>body{font-family:system-ui,sans-serif;margin:2em}dt{font-weight:600}dl{display:grid;grid-template-columns:max-content auto;gap:.2em 1em}</style></head>
            <body><h1>Series \(id), version v\(version)</h1>
            <dl><dt>variant</dt><dd>\(escape(model.variant.rawValue))</dd><dt>k</dt><dd>\(num(model.k))</dd>
            <dt>tail</dt><dd>\(escape(model.tail.rawValue))</dd><dt>period</dt><dd>\(model.period)</dd>
            <dt>training points</dt><dd>\(vs.count)</dd><dt>anomalous training points</dt><dd>\(anomalies)</dd>
            <dt>fitted at</dt><dd>\(escape(createdAt))</dd></dl>
            <p>Grey: training data; blue: baseline; dashed orange: thresholds (baseline ± k·scale); red: anomalous points.</p>
            \(svg)
            </body></html>
            """
    }
}
