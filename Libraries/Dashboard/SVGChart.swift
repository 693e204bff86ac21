import Foundation
import Store

/// A time-series chart drawn as SVG on the server: date and value axes with grid lines, one path per
/// series, shaded interval bands, a marker where the forecast starts, a title and description for screen
/// readers. Drawn twice by the page, for desktop and phone widths, so its text stays legible at both.
public struct TimeChart: Sendable {
    /// What the horizontal axis counts: day numbers (labelled as dates) or seconds (labelled as UTC times
    /// when they look like Unix times, as numbers otherwise).
    public enum XAxis: Sendable { case days, seconds }

    public struct Point: Sendable {
        var x: Double
        var value: Double
        public init(day: Int32, value: Double) { x = Double(day); self.value = value }
        public init(x: Double, value: Double) { self.x = x; self.value = value }
        var day: Int32 { Int32(x) }
    }

    public struct BandPoint: Sendable {
        var x: Double
        var lower: Double
        var upper: Double
        public init(day: Int32, lower: Double, upper: Double) { x = Double(day); self.lower = lower; self.upper = upper }
    }

    public struct Series: Sendable {
        public enum Kind: String, Sendable { case history, forecast, baseline, threshold, flagged, points }
        var name: String
        /// Stable key for styling and tests (`data-series`).
        var key: String
        var kind: Kind
        var color: String
        var points: [Point]
        var band: [BandPoint] = []
        /// An SVG dash pattern ("6 3"), so lines that overlap stay apart and colour is not the only cue.
        var dash: String?

        public init(name: String, key: String, kind: Kind, color: String, points: [Point], band: [BandPoint] = [], dash: String? = nil) {
            self.name = name
            self.key = key
            self.kind = kind
            self.color = color
            self.points = points
            self.band = band
            self.dash = dash
        }
    }

    public struct Layout: Sendable {
        var name: String
        var width: Double
        var height: Double
        var xTicks: Int
        var yTicks: Int
        var fontSize: Double
        var shortDates: Bool

        public static let wide = Layout(name: "wide", width: 760, height: 380, xTicks: 6, yTicks: 6, fontSize: 12, shortDates: false)
        public static let narrow = Layout(name: "narrow", width: 360, height: 300, xTicks: 3, yTicks: 5, fontSize: 12, shortDates: true)
    }

    public var title: String
    public var summary: String
    public var valueLabel: String
    public var series: [Series]
    /// A vertical marker (e.g. the first forecast day) and its label.
    public var marker: (day: Int32, label: String)?
    public var xAxis: XAxis = .days

    public init(title: String, summary: String, valueLabel: String, series: [Series], marker: (day: Int32, label: String)? = nil, xAxis: XAxis = .days) {
        self.title = title
        self.summary = summary
        self.valueLabel = valueLabel
        self.series = series
        self.marker = marker
        self.xAxis = xAxis
    }

    public func svg(_ layout: Layout, id: String) -> HTML {
        let allX = series.flatMap { $0.points.map(\.x) + $0.band.map(\.x) }.filter(\.isFinite)
        guard let minX = allX.min(), let maxX = allX.max() else {
            return "<p class=\"empty\">No data to draw yet.</p>"
        }
        let (yMin, yMax) = valueRange()
        let ticks = Self.niceTicks(min: yMin, max: yMax, count: layout.yTicks)
        let lo = ticks.first ?? yMin, hi = ticks.last ?? yMax
        let left = layout.fontSize * 4.2, right = 14.0, top = 14.0, bottom = layout.fontSize * 3.2
        let plotW = layout.width - left - right, plotH = layout.height - top - bottom
        let span = max(xAxis == .days ? 1 : 1e-9, maxX - minX)
        func x(_ t: Double) -> Double { left + (t - minX) / span * plotW }
        func y(_ v: Double) -> Double { top + (1 - (v - lo) / max(hi - lo, 1e-12)) * plotH }
        let f = Self.coord

        var out: HTML = """
            <svg class="chart chart-\(layout.name)" id="\(id)" viewBox="0 0 \(f(layout.width)) \(f(layout.height))" \
            role="img" aria-labelledby="\(id)-title \(id)-desc" font-size="\(f(layout.fontSize))" preserveAspectRatio="xMidYMid meet">
            <title id="\(id)-title">\(title)</title><desc id="\(id)-desc">\(summary)</desc>
            <defs><clipPath id="\(id)-clip"><rect x="\(f(left))" y="\(f(top))" width="\(f(plotW))" height="\(f(plotH))"/></clipPath></defs>
            <g class="grid" aria-hidden="true">
            """
        let step = ticks.count > 1 ? ticks[1] - ticks[0] : 1
        for t in ticks {
            out += """
                <line x1="\(f(left))" x2="\(f(left + plotW))" y1="\(f(y(t)))" y2="\(f(y(t)))" stroke="#d9d9d9" stroke-width="1"/>\
                <text x="\(f(left - 6))" y="\(f(y(t) + layout.fontSize * 0.35))" text-anchor="end" fill="#333">\(Self.formatValue(t, step: step))</text>

                """
        }
        let xTicks = xAxis == .days
            ? Self.dayTicks(Int32(minX), Int32(maxX), count: layout.xTicks).map(Double.init)
            : Self.evenTicks(minX, maxX, count: layout.xTicks)
        for (i, d) in xTicks.enumerated() {
            // The last label ends at its tick so it stays inside the drawing.
            let anchor = i == xTicks.count - 1 && xTicks.count > 1 ? "end" : "middle"
            out += """
                <line x1="\(f(x(d)))" x2="\(f(x(d)))" y1="\(f(top))" y2="\(f(top + plotH))" stroke="#ececec" stroke-width="1"/>\
                <line x1="\(f(x(d)))" x2="\(f(x(d)))" y1="\(f(top + plotH))" y2="\(f(top + plotH + 5))" stroke="#555"/>\
                <text x="\(f(x(d)))" y="\(f(top + plotH + layout.fontSize * 1.5))" text-anchor="\(anchor)" fill="#333">\(xLabel(d, span: span, short: layout.shortDates))</text>

                """
        }
        out += """
            <line x1="\(f(left))" x2="\(f(left + plotW))" y1="\(f(top + plotH))" y2="\(f(top + plotH))" stroke="#555"/>\
            <line x1="\(f(left))" x2="\(f(left))" y1="\(f(top))" y2="\(f(top + plotH))" stroke="#555"/>\
            <text x="\(f(left + plotW / 2))" y="\(f(layout.height - layout.fontSize * 0.4))" text-anchor="middle" fill="#333">\(xAxisTitle(minX, maxX))</text>\
            <text transform="translate(\(f(layout.fontSize)) \(f(top + plotH / 2))) rotate(-90)" text-anchor="middle" fill="#333">\(valueLabel)</text>
            </g>

            """
        if let marker, Double(marker.day) >= minX, Double(marker.day) <= maxX {
            let fitsRight = x(Double(marker.day)) + Double(marker.label.count) * layout.fontSize * 0.62 + 6 < left + plotW
            out += """
                <g class="marker" aria-hidden="true"><line x1="\(f(x(Double(marker.day))))" x2="\(f(x(Double(marker.day))))" y1="\(f(top))" y2="\(f(top + plotH))" stroke="#777" stroke-dasharray="4 4"/>\
                <text x="\(f(x(Double(marker.day)) + (fitsRight ? 4 : -4)))" y="\(f(top + layout.fontSize))" text-anchor="\(fitsRight ? "start" : "end")" fill="#444">\(marker.label)</text></g>

                """
        }
        out += "<g clip-path=\"url(#\(id)-clip)\">\n"
        for s in series where !s.band.isEmpty {
            let upper = s.band.map { "\(f(x($0.x))),\(f(y($0.upper)))" }
            let lower = s.band.reversed().map { "\(f(x($0.x))),\(f(y($0.lower)))" }
            out += """
                <path class="band" data-series="\(s.key)" d="M\(upper.joined(separator: "L"))L\(lower.joined(separator: "L"))Z" \
                fill="\(s.color)" fill-opacity="0.13" stroke="\(s.color)" stroke-opacity="0.45" stroke-width="0.8"><title>\(s.name): 95% interval</title></path>

                """
        }
        for s in series where !s.points.isEmpty {
            if s.kind == .flagged || s.kind == .points {
                for p in s.points {
                    out += "<circle class=\"point \(s.kind.rawValue)\" data-series=\"\(s.key)\" cx=\"\(f(x(p.x)))\" cy=\"\(f(y(p.value)))\" r=\"4.5\" fill=\"\(s.color)\" stroke=\"#fff\"><title>\(s.name)</title></circle>"
                }
                continue
            }
            let d = s.points.map { "\(f(x($0.x))),\(f(y($0.value)))" }.joined(separator: "L")
            let width = s.kind == .history ? 1.6 : 2.2
            let dash: HTML = s.dash.map { " stroke-dasharray=\"\($0)\"" } ?? ""
            out += """
                <path class="line \(s.kind.rawValue)" data-series="\(s.key)" d="M\(d)" fill="none" stroke="\(s.color)" \
                stroke-width="\(f(width))" stroke-linejoin="round"\(dash)><title>\(s.name)</title></path>

                """
        }
        out += "</g></svg>"
        return out
    }

    /// The legend, as HTML below the chart so it wraps at any width.
    public func legend() -> HTML {
        var items: [HTML] = []
        for s in series {
            let dash: HTML = s.dash.map { " stroke-dasharray=\"\($0)\"" } ?? ""
            let fill: HTML = s.band.isEmpty ? "" : "<rect x=\"0\" y=\"1\" width=\"30\" height=\"12\" fill=\"\(s.color)\" fill-opacity=\"0.18\"/>"
            let dot = s.kind == .flagged || s.kind == .points
            let swatch: HTML = dot
                ? "<svg class=\"swatch\" width=\"30\" height=\"14\" viewBox=\"0 0 30 14\" aria-hidden=\"true\"><circle cx=\"15\" cy=\"7\" r=\"5\" fill=\"\(s.color)\"/></svg>"
                : """
                <svg class="swatch" width="30" height="14" viewBox="0 0 30 14" aria-hidden="true">\(fill)<line x1="1" x2="29" y1="7" y2="7" \
                stroke="\(s.color)" stroke-width="\(s.kind == .history ? "2" : "2.6")"\(dash)/></svg>
                """
            let band: HTML = s.band.isEmpty ? "" : " <span class=\"muted\">(shaded: 95% interval)</span>"
            items.append("<li>\(swatch)\(s.name)\(band)</li>")
        }
        return "<ul class=\"legend\" aria-label=\"Legend\">\(items)</ul>"
    }

    private func valueRange() -> (Double, Double) {
        let main = series.flatMap { $0.points.map(\.value) }.filter(\.isFinite)
        var lo = main.min() ?? 0, hi = main.max() ?? 1
        let bandLo = series.flatMap { $0.band.map(\.lower) }.filter(\.isFinite)
        let bandHi = series.flatMap { $0.band.map(\.upper) }.filter(\.isFinite)
        // Bands widen the range, but an exploding interval must not flatten every line: cap at twice the lines' spread.
        let spread = max(hi - lo, abs(hi) * 0.1, 1e-9)
        if let b = bandLo.min() { lo = min(lo, max(b, lo - spread)) }
        if let b = bandHi.max() { hi = max(hi, min(b, hi + spread)) }
        if lo >= 0 && lo < hi * 0.35 { lo = 0 }
        if hi - lo < 1e-9 { hi = lo + 1 }
        return (lo, hi)
    }

    public static func niceTicks(min lo: Double, max hi: Double, count: Int) -> [Double] {
        let raw = (hi - lo) / Double(max(1, count - 1))
        let mag = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 2.5, 5, 10].map { $0 * mag }.first { $0 >= raw } ?? 10 * mag
        let start = floor(lo / step) * step, end = ceil(hi / step) * step
        var out: [Double] = []
        var v = start
        while v <= end + step * 0.5, out.count < 50 {
            out.append(abs(v) < step * 1e-9 ? 0 : v)
            v += step
        }
        return out
    }

    public static func dayTicks(_ lo: Int32, _ hi: Int32, count: Int) -> [Int32] {
        guard hi > lo, count > 1 else { return [lo] }
        return (0..<count).map { lo + Int32((Double(hi - lo) * Double($0) / Double(count - 1)).rounded()) }
    }

    public static func evenTicks(_ lo: Double, _ hi: Double, count: Int) -> [Double] {
        guard hi > lo, count > 1 else { return [lo] }
        return (0..<count).map { lo + (hi - lo) * Double($0) / Double(count - 1) }
    }

    /// Seconds at or above this are read as Unix times (2001 onwards) and labelled as UTC dates and times.
    public static let unixTimeFloor = 1e9

    public func xAxisTitle(_ lo: Double, _ hi: Double) -> String {
        switch xAxis {
        case .days: return "Date"
        case .seconds: return lo >= Self.unixTimeFloor ? "Time (UTC)" : "Time (seconds)"
        }
    }

    public func xLabel(_ t: Double, span: Double, short: Bool) -> String {
        switch xAxis {
        case .days: return Self.formatDay(Int32(t), short: short)
        case .seconds:
            guard t >= Self.unixTimeFloor else { return Self.formatValue(t, step: span / 5) }
            let whole = (t).rounded(.down)
            let day = Int32((whole / 86_400).rounded(.down))
            let seconds = Int(whole - Double(day) * 86_400)
            let clock = String(format: "%02d:%02d", seconds / 3600, seconds / 60 % 60)
            if span < 600 { return clock + String(format: ":%02d", seconds % 60) }
            if span < 86_400 && short { return clock }
            if span < 14 * 86_400 { return String(Self.formatDay(day, short: true).dropLast(2)) + clock }
            return Self.formatDay(day, short: short)
        }
    }

    public static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    public static func formatDay(_ d: Int32, short: Bool) -> String {
        let (y, m, day) = DayNumber.civil(d)
        return short ? "\(day) \(months[m - 1]) \(String(format: "%02d", y % 100))" : "\(day) \(months[m - 1]) \(y)"
    }

    public static func formatValue(_ v: Double, step: Double) -> String {
        let a = abs(step)
        if v == 0 { return "0" }
        if a >= 1_000_000 { return trim(v / 1_000_000, decimals: a >= 10_000_000 ? 0 : 1) + "M" }
        if a >= 1_000 { return trim(v / 1_000, decimals: a >= 10_000 ? 0 : 1) + "k" }
        if a >= 1 { return trim(v, decimals: 0) }
        let decimals = min(6, Int(ceil(-log10(a))))
        return trim(v, decimals: decimals)
    }

    private static func trim(_ v: Double, decimals: Int) -> String {
        var s = String(format: "%.\(decimals)f", v)
        if s.contains(".") {
            while s.hasSuffix("0") { s.removeLast() }
            if s.hasSuffix(".") { s.removeLast() }
        }
        return s == "-0" ? "0" : s
    }

    public static func coord(_ v: Double) -> String {
        guard v.isFinite else { return "0" }
        return trim((v * 10).rounded() / 10, decimals: 1)
    }
}
