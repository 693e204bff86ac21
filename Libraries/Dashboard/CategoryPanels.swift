import Foundation
import Workflows
public import Store

/// The category's daily history with the three models' forecasts and 95% bands on one chart.
public struct ForecastChartPanel: DashboardPanel {
    public let id = "forecast"
    public let title = "Daily sales and forecasts"
    /// History shown before the forecast: three times the forecast's length (at least 60 days), so the
    /// forecast keeps a readable quarter of the chart.
    public static func historyDays(forecastDays: Int) -> Int32 { Int32(max(60, 3 * forecastDays)) }

    /// Model, label, colour (Okabe-Ito, safe for colour-blind readers) and dash pattern.
    public static let models: [(ModelType, String, String, String?)] = [
        (.holtWinters, "Holt-Winters", "#0072B2", nil), (.sarimax, "SARIMAX", "#D55E00", "7 4"), (.prophet, "Prophet-like", "#009E73", "2 3"),
        (.theta, "Theta", "#CC79A7", "1 3"), (.auto, "Auto (backtest-chosen)", "#000000", "9 3 2 3"),
    ]

    public static func link(_ category: String) -> String { "/dashboard/category?name=" + HTML.queryComponent(category) }

    public func render(_ context: PanelContext) async throws -> HTML? {
        guard let category = context.category else { return nil }
        let store = context.runtime.store
        let history = try await store.categorySeries(category)
        let rows = try await store.forecasts(ForecastQuery(category: category, limit: 100_000))
        let chart = Self.chart(category: category, history: history, forecasts: rows)
        let csv = "/dashboard/forecast.csv?category=" + HTML.queryComponent(category)
        let download: HTML = rows.isEmpty
            ? "<p class=\"muted\" id=\"forecast-pending\" data-category=\"\(category)\">No forecast yet: it appears here once the forecast worker has fitted the models.</p>"
            : "<p><a class=\"button\" id=\"forecast-csv\" href=\"\(csv)\" download>Download the forecast (CSV)</a></p>"
        return """
            \(chart.svg(.wide, id: "chart-wide"))\(chart.svg(.narrow, id: "chart-narrow"))\(chart.legend())
            \(download)
            \(Self.table(rows))
            """
    }

    public static func chart(category: String, history: CategorySeries, forecasts: [ForecastRow]) -> TimeChart {
        var series: [TimeChart.Series] = []
        let lastDay = history.days.last ?? 0
        let horizon = Set(forecasts.map(\.forecastDate)).count
        let window = historyDays(forecastDays: horizon)
        let points = zip(history.days, history.totals).filter { $0.0 > lastDay - window }.map { TimeChart.Point(day: $0.0, value: $0.1) }
        series.append(TimeChart.Series(name: "Daily sales (history)", key: "history", kind: .history, color: "#222222", points: points))
        var firstForecast: Int32?
        for (model, name, color, dash) in models {
            let mine = forecasts.filter { $0.modelType == model.rawValue }
            var line: [TimeChart.Point] = [], band: [TimeChart.BandPoint] = []
            for r in mine {
                guard let day = DayNumber.parse(r.forecastDate) else { continue }
                line.append(.init(day: day, value: r.forecastValue))
                if let lo = r.lowerBound, let hi = r.upperBound { band.append(.init(day: day, lower: lo, upper: hi)) }
                firstForecast = min(firstForecast ?? day, day)
            }
            guard !line.isEmpty else { continue }
            series.append(TimeChart.Series(name: name, key: model.rawValue, kind: .forecast, color: color, points: line, band: band, dash: dash))
        }
        let models = series.count - 1
        let range = points.isEmpty ? "no history" : "the last \(points.count) days of history, from \(DayNumber.format(points[0].day)) to \(DayNumber.format(lastDay))"
        return TimeChart(
            title: "Daily sales of \(category) with forecasts",
            summary: "Line chart of total daily sales for \(category), \(range), and \(models) model forecasts with 95% prediction intervals.",
            valueLabel: "Sales per day",
            series: series,
            marker: firstForecast.map { (day: $0, label: "forecast") })
    }

    /// The forecast values as a table, for screen readers and for reading exact numbers.
    public static func table(_ rows: [ForecastRow]) -> HTML {
        guard !rows.isEmpty else { return "" }
        let names = Dictionary(uniqueKeysWithValues: models.map { ($0.0.rawValue, $0.1) })
        let body = rows.map { r -> HTML in
            "<tr><td>\(r.forecastDate)</td><td>\(names[r.modelType] ?? r.modelType)</td><td class=\"num\">\(Self.number(r.forecastValue))</td><td class=\"num\">\(r.lowerBound.map(Self.number) ?? "")</td><td class=\"num\">\(r.upperBound.map(Self.number) ?? "")</td></tr>"
        }
        return """
            <details><summary>Forecast values as a table</summary><div class="table-wrap"><table id="forecast-table">
            <thead><tr><th scope="col">Date</th><th scope="col">Model</th><th scope="col" class="num">Forecast</th><th scope="col" class="num">Lower 95%</th><th scope="col" class="num">Upper 95%</th></tr></thead>
            <tbody>\(body)</tbody></table></div></details>
            """
    }

    public static func number(_ v: Double) -> String { String(format: "%.2f", v) }
}

/// The rolling-origin backtest accuracy of each model, the best one marked.
public struct AccuracyPanel: DashboardPanel {
    public let id = "accuracy"
    public let title = "Backtest accuracy"

    public func render(_ context: PanelContext) async throws -> HTML? {
        guard let category = context.category else { return nil }
        let records = try await context.runtime.store.accuracy(category: category)
        guard !records.isEmpty else { return "<p class=\"muted\">No backtest yet.</p>" }
        let names = Dictionary(uniqueKeysWithValues: ForecastChartPanel.models.map { ($0.0.rawValue, $0.1) })
        func cell(_ v: Double?, suffix: String = "", decimals: Int = 2) -> HTML {
            guard let v, v.isFinite else { return "<td class=\"num\">–</td>" }
            return "<td class=\"num\">\(String(format: "%.\(decimals)f", v) + suffix)</td>"
        }
        // The best model first, then the others in the store's order.
        let ordered = records.enumerated().sorted { ($0.element.isBest ? 0 : 1, $0.offset) < ($1.element.isBest ? 0 : 1, $1.offset) }.map(\.element)
        let rows = ordered.map { r -> HTML in
            let name = names[r.modelType] ?? r.modelType
            let mark: HTML = r.isBest ? " <span class=\"best\" aria-label=\"best model\">★ best</span>" : ""
            let error: HTML = r.error.map { e -> HTML in "<br><span class=\"muted\">\(e)</span>" } ?? ""
            return "<tr\(HTML(unescaped: r.isBest ? " class=\"best-row\"" : "")) data-model=\"\(r.modelType)\"><th scope=\"row\">\(name)\(mark)\(error)</th>\(cell(r.smape, suffix: "%"))\(cell(r.mase))\(cell(r.coverage80.map { $0 * 100 }, suffix: "%", decimals: 0))\(cell(r.coverage95.map { $0 * 100 }, suffix: "%", decimals: 0))</tr>"
        }
        let windows = records.map(\.windows).max() ?? 0
        return """
            <p class="muted">Rolling-origin backtest over \(windows) windows. Lower sMAPE and MASE are better. The intervals are calibrated on the backtest's errors; each window's coverage is measured with the calibration of the other windows, so a well-calibrated 80% or 95% interval covers about that share of the held-out days.</p>
            <div class="table-wrap"><table id="accuracy-table">
            <thead><tr><th scope="col">Model</th><th scope="col" class="num">sMAPE</th><th scope="col" class="num">MASE</th><th scope="col" class="num">80% cover</th><th scope="col" class="num">95% cover</th></tr></thead>
            <tbody>\(rows)</tbody></table></div>
            """
    }
}

/// The forecast as CSV for spreadsheets. Text cells that a spreadsheet would run as a formula
/// (starting with `=`, `+`, `-`, `@`, tab or carriage return) get a leading `'`.
public enum ForecastCSV {
    public static func render(_ rows: [ForecastRow]) -> String {
        var out = "forecast_date,category,model_type,forecast_value,lower_bound,upper_bound\r\n"
        for r in rows {
            let fields = [
                text(r.forecastDate), text(r.category), text(r.modelType), String(r.forecastValue),
                r.lowerBound.map { String($0) } ?? "", r.upperBound.map { String($0) } ?? "",
            ]
            out += fields.joined(separator: ",") + "\r\n"
        }
        return out
    }

    /// A text cell: neutralised, then quoted when it holds a comma, quote or line break.
    public static func text(_ value: String) -> String {
        var v = value
        if let first = v.unicodeScalars.first, ["=", "+", "-", "@", "\t", "\r"].contains(first) { v = "'" + v }
        if v.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline }) {
            v = "\"" + v.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return v
    }
}

/// The products that make up the category: days with sales, total and latest date.
public struct ProductsPanel: DashboardPanel {
    public let id = "products"
    public let title = "Products"

    public func render(_ context: PanelContext) async throws -> HTML? {
        guard let category = context.category else { return nil }
        let rows = try await context.runtime.store.invoices(InvoiceQuery(category: category, limit: 100_000))
        var byProduct: [String: (days: Int, total: Double, imputed: Int, last: String)] = [:]
        for r in rows {
            var p = byProduct[r.productID] ?? (0, 0, 0, "")
            p.days += 1
            p.total += r.sales
            if r.isImputed { p.imputed += 1 }
            if r.date > p.last { p.last = r.date }
            byProduct[r.productID] = p
        }
        guard !byProduct.isEmpty else { return nil }
        // The hierarchy's reconciled forecasts: each product's total over the forecast days, with its 80 % band.
        let forecasts = try await context.runtime.store.productForecasts(ForecastQuery(category: category, limit: 1_000_000))
        var ahead: [String: (value: Double, lower: Double, upper: Double, base: String)] = [:]
        var method = ""
        for f in forecasts {
            var a = ahead[f.productID] ?? (0, 0, 0, f.base)
            a.value += f.forecastValue
            a.lower += f.lower80 ?? f.forecastValue
            a.upper += f.upper80 ?? f.forecastValue
            ahead[f.productID] = a
            method = f.reconciliation
        }
        let days = Set(forecasts.map(\.forecastDate)).count
        let body = byProduct.sorted { $0.value.total > $1.value.total }.prefix(100).map { id, p -> HTML in
            let next: HTML = ahead[id].map { a in
                "\(String(format: "%.0f", a.value)) <span class=\"muted\">(\(String(format: "%.0f", a.lower))–\(String(format: "%.0f", a.upper)), \(a.base))</span>"
            } ?? "–"
            return "<tr><td class=\"name\" data-label=\"Product\">\(id)</td><td class=\"num\" data-label=\"Days\">\(p.days)\(p.imputed > 0 ? " (\(p.imputed) imputed)" : "")</td><td class=\"num\" data-label=\"Total sales\">\(String(format: "%.0f", p.total))</td><td class=\"date\" data-label=\"Latest day\">\(p.last)</td><td class=\"num\" data-label=\"Forecast\">\(next)</td></tr>"
        }
        let caption: HTML = days > 0
            ? "Up to 100 products, largest total first. Forecast: the next \(days) days' total with its 80 % range, reconciled with the category (\(method.replacingOccurrences(of: "_", with: " ")), chosen on the backtest), and the product's own model or its share of the category."
            : "Up to 100 products, largest total first."
        return """
            <div class="table-wrap"><table id="products-table" class="stack">
            <caption class="muted" style="text-align:left">\(caption)</caption>
            <thead><tr><th scope="col">Product</th><th scope="col" class="num">Days</th><th scope="col" class="num">Total sales</th><th scope="col">Latest day</th><th scope="col" class="num">Forecast</th></tr></thead>
            <tbody>\(body)</tbody></table></div>
            """
    }
}
