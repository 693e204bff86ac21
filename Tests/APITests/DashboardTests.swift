import Foundation
@testable import API
@testable import Dashboard
import Hummingbird
import HummingbirdTesting
import Jobs
import NIOCore
import Workflows
import Store
import Testing

/// The dashboard's pages on both backends: they render from the store, escape every value that comes
/// from data, draw the forecast chart, and export CSV that a spreadsheet cannot run as formulas.
@Suite("Dashboard", .serialized)
struct DashboardTests {
    static let hostile = "<script>alert(1)</script>"

    /// Records an upload through the API, then ingests `rows` for it and saves three models' forecasts
    /// (no workers: the fits are not what these tests are about). Returns the batch number.
    static func seed(
        _ fx: APIFixture, _ client: any TestClientProtocol, category: String, products: [String], filename: String = "sales.csv",
        days: Int = 40, csv: String? = nil
    ) async throws -> String {
        let r = try await client.upload(csv ?? salesCSV(categories: [category.count.description]), filename: filename)
        #expect(r.status == .created, "\(r.error)")
        let batch = try #require(r.object["batch_num"] as? String)
        let store = fx.runtime.store
        _ = try await store.markProcessing(batchNum: batch)
        let first = DayNumber.parse("2024-01-01")!
        let outcome = try await store.ingest(batchNum: batch) { emit in
            var line = 2
            for d in 0..<days {
                for (i, p) in products.enumerated() {
                    try emit(SalesRow(day: first + Int32(d), productID: p, category: category, sales: Double(10 + i + d % 7), line: line))
                    line += 1
                }
            }
            return ScanSummary(totalRows: line - 2)
        }
        guard case .completed = outcome else { Issue.record("ingest: \(outcome)"); return batch }
        var forecasts: [CategoryForecast] = []
        for (m, model) in ModelType.allCases.enumerated() {
            let points = (0..<14).map { h -> (date: String, value: Double, lower: Double, upper: Double) in
                let v = 20 + Double(m) + Double(h % 7)
                return (DayNumber.format(first + Int32(days + h)), v, v - 5 - Double(h) / 2, v + 5 + Double(h) / 2)
            }
            forecasts.append(CategoryForecast(modelType: model, points: points))
        }
        let accuracy = ModelType.allCases.enumerated().map { m, model in
            AccuracyRecord(category: category, modelType: model.rawValue, smape: 0.1 + Double(m) / 10, mase: 0.8 + Double(m) / 10,
                           coverage80: 0.8, coverage95: 0.94, windows: 3, isBest: m == 1, form: nil, error: nil)
        }
        try await store.saveForecasts(
            category: category, fingerprint: "f-\(batch)", lastDate: DayNumber.format(first + Int32(days - 1)),
            forecasts: forecasts, accuracy: accuracy, batchNum: batch, notes: nil)
        return batch
    }

    static func page(_ r: TestResponse) -> String { String(buffer: r.body) }

    static func count(_ needle: String, in haystack: Substring) -> Int { haystack.components(separatedBy: needle).count - 1 }

    /// The markup of one drawn chart (`<svg … id="chart-wide"` … `</svg>`).
    static func chart(_ id: String, in html: String) -> Substring {
        guard let start = html.range(of: "id=\"\(id)\""), let end = html.range(of: "</svg>", range: start.upperBound..<html.endIndex) else { return "" }
        return html[start.lowerBound..<end.upperBound]
    }

    @Test(arguments: Backend.allCases)
    func homePageRendersEveryPanelOnAnEmptyStore(_ backend: Backend) async throws {
        let fx = try await APIFixture.make(backend)
        defer { Task { await fx.close() } }
        try await fx.test { client in
            let r = try await client.get("/")
            #expect(r.status == .ok)
            #expect(r.headers[.contentType] == "text/html; charset=utf-8")
            #expect(r.headers[.contentSecurityPolicy]?.contains("default-src 'self'") == true)
            let html = Self.page(r)
            for id in ["panel-upload", "panel-uploads", "panel-categories", "panel-health"] { #expect(html.contains("id=\"\(id)\""), "\(id)") }
            #expect(html.contains("<form id=\"upload-form\" action=\"/dashboard/upload\" method=\"post\" enctype=\"multipart/form-data\""))
            #expect(html.contains("<input type=\"file\" id=\"file\" name=\"file\""))
            #expect(html.contains("No uploads yet."))
            for q in ["etl_queue", "forecast_queue", "train_queue"] { #expect(html.contains("data-queue=\"\(q)\""), "\(q)") }
            let js = try await client.get("/dashboard/app.js")
            #expect(js.status == .ok)
            #expect(js.headers[.contentType] == "text/javascript; charset=utf-8")
            #expect(!Self.page(js).contains("innerHTML"), "the script must build its DOM with textContent")
        }
    }

    @Test(arguments: Backend.allCases)
    func anomalyAndSchedulePanelsCountWhatTheModelStoreHolds(_ backend: Backend) async throws {
        let fx = try await APIFixture.make(backend)
        defer { Task { await fx.close() } }
        try await fx.test { client in
            let before = Self.page(try await client.get("/"))
            #expect(before.contains("id=\"panel-anomaly\""))
            #expect(before.contains("No baselines yet"))
            #expect(before.contains("<form action=\"/dashboard/anomaly\" method=\"get\""))
            #expect(before.contains("0 active sessions."))
            let models = try #require(fx.runtime.store as? any ModelStore)
            for subject in ["s1", "s2"] {
                _ = try await models.insertModelVersion(NewModelVersion(
                    kind: .anomaly, subject: subject, params: "{}", metrics: "{}", trainingSummary: "{}",
                    trainingData: nil, model: "{}", jobID: nil))
            }
            _ = try await models.createScheduleSession(id: "sess-1", clientIP: "127.0.0.1", ttlSeconds: 3600)
            let after = Self.page(try await client.get("/"))
            #expect(after.contains("<p>2 series with a baseline."))
            #expect(after.contains("1 active session."))
        }
    }

    @Test(arguments: Backend.allCases)
    func healthPanelCountsQueuesLiveWorkersAndFailedJobs(_ backend: Backend) async throws {
        let fx = try await APIFixture.make(backend)
        defer { Task { await fx.close() } }
        try await fx.test { client in
            let queue = fx.runtime.queue
            try await queue.heartbeat(consumer: "w1", queue: .forecast, ttl: .seconds(30))
            try await queue.heartbeat(consumer: "w2", queue: .forecast, ttl: .seconds(30))
            try await queue.heartbeat(consumer: "gone", queue: .forecast, ttl: .milliseconds(1))
            try await Task.sleep(for: .milliseconds(20))
            #expect(try await queue.liveConsumers(queue: .forecast) == ["w1", "w2"])
            try await queue.push(JobMessage(id: "j1", type: "etl", payload: "{}"), to: .etl)
            try await fx.runtime.store.createJob(NewJob(id: "bad-job", type: "forecast", queue: "forecast_queue", payload: "{}"))
            try await fx.runtime.store.jobFinished(id: "bad-job", status: .failed, result: nil, error: "model <exploded>")
            let html = Self.page(try await client.get("/"))
            let forecastCard = try #require(html.range(of: "data-queue=\"forecast_queue\"").map { html[$0.lowerBound...].prefix(600) })
            #expect(forecastCard.contains("<dt>Workers alive</dt><dd class=\"workers\">2</dd>"))
            let etlCard = try #require(html.range(of: "data-queue=\"etl_queue\"").map { html[$0.lowerBound...].prefix(600) })
            #expect(etlCard.contains("<dt>Waiting</dt><dd>1</dd>"))
            #expect(html.contains("<table id=\"failed-jobs\""))
            #expect(html.contains("model &lt;exploded&gt;"))
            #expect(!html.contains("<exploded>"))
        }
    }

    @Test(arguments: Backend.allCases)
    func categoryNamesFileNamesAndProductIDsRenderAsText(_ backend: Backend) async throws {
        let fx = try await APIFixture.make(backend)
        defer { Task { await fx.close() } }
        try await fx.test { client in
            let product = "\"><img src=x onerror=alert(2)>"
            let batch = try await Self.seed(fx, client, category: Self.hostile, products: [product, "P-2"], filename: "<b onmouseover=alert(3)>.csv")
            let home = Self.page(try await client.get("/"))
            #expect(home.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
            #expect(home.contains("&lt;b onmouseover=alert(3)&gt;.csv"))
            #expect(!home.contains("<script>alert(1)"))
            #expect(!home.contains("<b onmouseover"))
            // The link to the category carries its name percent-encoded.
            #expect(home.contains("href=\"/dashboard/category?name=%3Cscript%3Ealert%281%29%3C%2Fscript%3E\""))

            let r = try await client.get("/dashboard/category?name=%3Cscript%3Ealert%281%29%3C%2Fscript%3E")
            #expect(r.status == .ok)
            let html = Self.page(r)
            #expect(html.contains("<h1>Category: &lt;script&gt;alert(1)&lt;/script&gt;</h1>"))
            #expect(html.contains("<title id=\"chart-wide-title\">Daily sales of &lt;script&gt;alert(1)&lt;/script&gt; with forecasts</title>"))
            #expect(html.contains("&quot;&gt;&lt;img src=x onerror=alert(2)&gt;"))
            #expect(!html.contains("<img src=x"))
            #expect(!html.contains("<script>alert"))
            // The only script element is the dashboard's own.
            #expect(Self.count("<script", in: Substring(html)) == 1)

            let batchPage = Self.page(try await client.get(BatchView.link(batch)))
            #expect(batchPage.contains("&lt;b onmouseover=alert(3)&gt;.csv"))
            #expect(!batchPage.contains("<b onmouseover"))
        }
    }

    @Test(arguments: Backend.allCases)
    func categoryPageDrawsHistoryThreeForecastsAndBandsWithTheBestModelMarked(_ backend: Backend) async throws {
        let fx = try await APIFixture.make(backend)
        defer { Task { await fx.close() } }
        try await fx.test { client in
            _ = try await Self.seed(fx, client, category: "Garden & Outdoor", products: ["P1", "P2"])
            // P1's reconciled forecast (the hierarchy): 14 days of 3 ± 1 at 80 %; P2 has none.
            let p1 = (0..<14).map { h in
                ForecastPoint(date: DayNumber.format(DayNumber.parse("2024-02-10")! + Int32(h)), value: 3, lower80: 2, upper80: 4, lower95: 1, upper95: 5)
            }
            try await fx.runtime.store.saveProductForecasts(
                category: "Garden & Outdoor", reconciliation: "mint_shrink", products: [ProductForecast(productID: "P1", base: "theta", points: p1)], batchNum: nil)
            let r = try await client.get("/dashboard/category?name=Garden%20%26%20Outdoor")
            #expect(r.status == .ok)
            let html = Self.page(r)
            for id in ["chart-wide", "chart-narrow"] {
                let svg = Self.chart(id, in: html)
                #expect(svg.contains("role=\"img\""), "\(id)")
                #expect(Self.count("class=\"line history\"", in: svg) == 1, "\(id)")
                #expect(Self.count("class=\"line forecast\"", in: svg) == ModelType.allCases.count, "\(id)")
                #expect(Self.count("class=\"band\"", in: svg) == ModelType.allCases.count, "\(id)")
                for model in ModelType.allCases { #expect(svg.contains("class=\"line forecast\" data-series=\"\(model.rawValue)\""), "\(id) \(model)") }
                // Axes: dates along x (the history starts on 1 Jan 2024), values along y.
                #expect(svg.contains(id == "chart-wide" ? ">1 Jan 2024<" : ">1 Jan 24<"), "\(id)")
                #expect(svg.contains(">Sales per day<"))
            }
            #expect(html.contains("<ul class=\"legend\""))
            #expect(html.contains("Holt-Winters") && html.contains("SARIMAX") && html.contains("Prophet-like"))
            let accuracy = try #require(html.range(of: "<table id=\"accuracy-table\"").map { html[$0.lowerBound...] })
            #expect(Self.count("★ best", in: accuracy) == 1)
            #expect(accuracy.contains("data-model=\"sarimax\"><th scope=\"row\">SARIMAX <span class=\"best\""))
            #expect(html.contains("href=\"/dashboard/forecast.csv?category=Garden%20%26%20Outdoor\""))
            #expect(html.contains("<table id=\"products-table\""))
            let products = try #require(html.range(of: "<table id=\"products-table\"").map { html[$0.lowerBound...] })
            #expect(products.contains("the next 14 days' total with its 80 % range, reconciled with the category (mint shrink"))
            #expect(products.contains("data-label=\"Forecast\">42 <span class=\"muted\">(28–56, theta)</span>"), "\(products.prefix(1500))")
            #expect(products.contains("data-label=\"Forecast\">–</td>"), "P2 has no product forecast")

            #expect(try await client.get("/dashboard/category?name=nope").status == .notFound)
            let missing = try await client.get("/dashboard/category")
            #expect(missing.status == .badRequest)
            #expect(missing.error.contains("name"))
        }
    }

    @Test(arguments: Backend.allCases)
    func forecastCSVNeutralisesFormulaCells(_ backend: Backend) async throws {
        let fx = try await APIFixture.make(backend)
        defer { Task { await fx.close() } }
        try await fx.test { client in
            let categories = ["=HYPERLINK(\"http://evil\",\"x\")", "+1+1", "-2+3", "@SUM(A1)", "plain, with comma"]
            for (i, c) in categories.enumerated() { _ = try await Self.seed(fx, client, category: c, products: ["P"], csv: salesCSV(categories: ["c\(i)"], days: 3)) }
            let expected = ["\"'=HYPERLINK(\"\"http://evil\"\",\"\"x\"\")\"", "'+1+1", "'-2+3", "'@SUM(A1)", "\"plain, with comma\""]
            for (c, cell) in zip(categories, expected) {
                let r = try await client.get("/dashboard/forecast.csv?category=" + HTML.queryComponent(c))
                #expect(r.status == .ok, "\(c)")
                #expect(r.headers[.contentType] == "text/csv; charset=utf-8")
                #expect(r.headers[.contentDisposition]?.hasPrefix("attachment; filename=\"forecast-") == true)
                let lines = Self.page(r).components(separatedBy: "\r\n").filter { !$0.isEmpty }
                #expect(lines.first == "forecast_date,category,model_type,forecast_value,lower_bound,upper_bound")
                #expect(lines.count == 1 + ModelType.allCases.count * 14, "\(c)")
                for line in lines.dropFirst() {
                    #expect(line.hasPrefix("2024-"), "\(line)")
                    #expect(line.contains("," + cell + ","), "\(c): \(line)")
                }
            }
            #expect(try await client.get("/dashboard/forecast.csv?category=unknown").status == .notFound)
        }
    }

    @Test(arguments: Backend.allCases)
    func formUploadRedirectsToTheBatchAndADuplicateShowsTheEarlierBatch(_ backend: Backend) async throws {
        let fx = try await APIFixture.make(backend)
        defer { Task { await fx.close() } }
        try await fx.test { client in
            let csv = Array(salesCSV(days: 5).utf8)
            let first = try await client.execute(
                uri: "/dashboard/upload", method: .post, headers: Multipart.headers,
                body: Multipart.body(file: csv, filename: "week.csv", extraFields: ["on_error": "skip"]))
            #expect(first.status == .seeOther)
            let location = try #require(first.headers[.location])
            #expect(location.hasPrefix("/dashboard/batch?batch_num=week_"))
            let batch = String(location.dropFirst("/dashboard/batch?batch_num=".count))
            #expect(try await fx.runtime.store.upload(batchNum: batch)?.onError == .skip)
            let page = Self.page(try await client.get(location))
            #expect(page.contains("data-batch=\"\(batch)\" data-status=\"uploaded\""))
            #expect(!page.contains("duplicate-notice"))

            let again = try await client.execute(
                uri: "/dashboard/upload", method: .post, headers: Multipart.headers, body: Multipart.body(file: csv, filename: "renamed.csv"))
            #expect(again.status == .seeOther)
            #expect(again.headers[.location] == location + "&duplicate=1")
            let dup = Self.page(try await client.get(location + "&duplicate=1"))
            #expect(dup.contains("id=\"duplicate-notice\""))
            #expect(dup.contains("repeats batch <a href=\"\(BatchView.link(batch))\">\(batch)</a>"))

            let bad = try await client.execute(
                uri: "/dashboard/upload", method: .post, headers: Multipart.headers, body: Multipart.body(file: Array("a,b\n1,2\n".utf8)))
            #expect(bad.status == .badRequest)
            #expect(Self.page(bad).contains("Upload refused"))
            #expect(try await client.get("/dashboard/batch?batch_num=nope").status == .notFound)
        }
    }

    @Test(arguments: Backend.allCases)
    func failedBatchShowsItsErrorLinesEscaped(_ backend: Backend) async throws {
        let fx = try await APIFixture.make(backend)
        defer { Task { await fx.close() } }
        try await fx.test { client in
            let r = try await client.upload(salesCSV(days: 3), filename: "broken.csv")
            let batch = try #require(r.object["batch_num"] as? String)
            _ = try await fx.runtime.store.markProcessing(batchNum: batch)
            let outcome = try await fx.runtime.store.ingest(batchNum: batch) { _ in
                ScanSummary(totalRows: 2, rejectedRows: 2, errors: ["line 2: sales \"<i>x</i>\" is not a number", "line 3: date \"2024-02-30\" is not a date"])
            }
            guard case .failed = outcome else { Issue.record("expected a failed batch, got \(outcome)"); return }
            let html = Self.page(try await client.get(BatchView.link(batch)))
            #expect(html.contains("data-status=\"failed\""))
            #expect(html.contains("<pre class=\"errors\" id=\"batch-errors\">"))
            #expect(html.contains("line 2: sales &quot;&lt;i&gt;x&lt;/i&gt;&quot; is not a number"))
            #expect(html.contains("line 3: date &quot;2024-02-30&quot; is not a date"))
            let home = Self.page(try await client.get("/"))
            #expect(home.contains("<span class=\"status status-failed\" data-status=\"failed\">failed</span>"))
        }
    }

    // MARK: anomaly and schedule pages

    static let json: HTTPFields = [.contentType: "application/json"]

    /// 40 hourly points around 10 with one spike at index 25: a standard baseline flags the spike only.
    static func anomalyFitBody(spike: Double = 100) -> String {
        let ts = (0..<40).map { String(1_705_000_000 + $0 * 3600) }.joined(separator: ",")
        let vs = (0..<40).map { $0 == 25 ? String(spike) : String(10 + Double($0 % 3) * 0.5) }.joined(separator: ",")
        return #"{"timestamps":[\#(ts)],"values":[\#(vs)]}"#
    }

    @Test(arguments: Backend.allCases)
    func anomalyPagePicksSeriesAndVersionAndDrawsBaselineThresholdsAndFlaggedPoints(_ backend: Backend) async throws {
        let fx = try await APIFixture.make(backend)
        defer { Task { await fx.close() } }
        try await fx.test(workers: true) { client in
            let empty = Self.page(try await client.get("/dashboard/anomaly"))
            #expect(empty.contains("id=\"anomaly-empty\""))
            for spike in [100.0, 60.0] {
                let fit = try await client.execute(uri: "/fit/sensor.a", method: .post, headers: Self.json, body: ByteBuffer(string: Self.anomalyFitBody(spike: spike)))
                #expect(fit.status == .ok, "\(fit.error)")
            }
            // A subject written straight to the store (the API would refuse the name): listed, escaped.
            let models = try #require(fx.runtime.store as? any ModelStore)
            _ = try await models.insertModelVersion(NewModelVersion(
                kind: .anomaly, subject: Self.hostile, params: "{}", metrics: "{}", trainingSummary: "{}", trainingData: nil, model: "{}", jobID: nil))

            let picker = Self.page(try await client.get("/dashboard/anomaly"))
            #expect(picker.contains("<option value=\"sensor.a\">sensor.a</option>"))
            #expect(picker.contains("<option value=\"&lt;script&gt;alert(1)&lt;/script&gt;\">&lt;script&gt;alert(1)&lt;/script&gt;</option>"))
            #expect(!picker.contains(Self.hostile))

            let latest = try await client.get("/dashboard/anomaly?series_id=sensor.a")
            #expect(latest.status == .ok)
            let html = Self.page(latest)
            #expect(html.contains("<option value=\"2\" selected>v2 (latest)"))
            #expect(html.contains("<option value=\"1\">v1 ·"))
            #expect(html.contains("Series sensor.a, version v2"))
            let wide = Self.chart("anomaly-wide", in: html)
            for key in ["data", "baseline", "upper", "lower"] { #expect(Self.count("data-series=\"\(key)\"", in: wide) == 1, "\(key)") }
            #expect(Self.count("class=\"point flagged\"", in: wide) == 1)
            #expect(wide.contains(">Time (UTC)</text>"))
            #expect(Self.count("class=\"point flagged\"", in: Self.chart("anomaly-narrow", in: html)) == 1)
            #expect(html.contains("<dt>Flagged points</dt><dd>1</dd>"))
            #expect(html.contains("<td class=\"num\">1705090000 (2024-01-12 20:06:40 UTC)</td><td class=\"num\">60.00</td>"))

            let first = Self.page(try await client.get("/dashboard/anomaly?series_id=sensor.a&version=1"))
            #expect(first.contains("Series sensor.a, version v1"))
            #expect(first.contains("<option value=\"1\" selected>v1 ·"))
            #expect(first.contains("<td class=\"num\">1705090000 (2024-01-12 20:06:40 UTC)</td><td class=\"num\">100.00</td>"))

            let unknownVersion = try await client.get("/dashboard/anomaly?series_id=sensor.a&version=9")
            #expect(unknownVersion.status == .notFound)
            #expect(Self.page(unknownVersion).contains("has no version v9"))
            let unknown = try await client.get("/dashboard/anomaly?series_id=" + HTML.queryComponent("<b>nope</b>"))
            #expect(unknown.status == .notFound)
            #expect(Self.page(unknown).contains("&lt;b&gt;nope&lt;/b&gt;"))
            #expect(!Self.page(unknown).contains("<b>nope"))
            #expect(try await client.get("/dashboard/anomaly?series_id=sensor.a&version=x").status == .badRequest)
        }
    }

    /// Entity `who` works Mon–Fri 08:30–17:00 for 70 days from Monday 2025-01-06 (to Sunday 2025-03-16).
    static func scheduleCSV(_ who: String) -> String {
        var lines = ["ID,Date,Start Time,End Time"]
        let first = DayNumber.parse("2025-01-06")!
        for d in 0..<70 where d % 7 < 5 {
            lines.append("\(who),\(DayNumber.format(first + Int32(d))),08:\(30 + d % 3),17:0\(d % 4)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    func newTrainedSession(_ client: any TestClientProtocol, entity: String) async throws -> String {
        let created = try await client.execute(uri: "/api/session/create", method: .post)
        let session = try #require(created.object["session_id"] as? String)
        var headers = Multipart.headers
        headers[.init("X-Session-ID")!] = session
        let trained = try await client.execute(
            uri: "/api/train_models/", method: .post, headers: headers,
            body: Multipart.body(file: Array(Self.scheduleCSV(entity).utf8), filename: "data.csv", extraFields: ScheduleAPITests.mapping))
        #expect(trained.status == .ok, "\(trained.error)")
        return session
    }

    static func scheduleForm(_ client: any TestClientProtocol, session: String, entity: String, date: String, window: String = "14") async throws -> TestResponse {
        let body = ["session_id": session, "entity": entity, "date": date, "window": window]
            .map { "\($0.key)=\(HTML.queryComponent($0.value))" }.joined(separator: "&")
        return try await client.execute(
            uri: "/dashboard/schedule", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"], body: ByteBuffer(string: body))
    }

    @Test(arguments: Backend.allCases)
    func schedulePageShowsTheSamePredictionsAsTheAPIWithHistoryAndNAAndKeepsSessionsApart(_ backend: Backend) async throws {
        let fx = try await APIFixture.make(backend)
        defer { Task { await fx.close() } }
        try await fx.test(workers: true) { client in
            let mine = try await newTrainedSession(client, entity: Self.hostile)
            let other = try await newTrainedSession(client, entity: "theirs")

            let form = Self.page(try await client.get("/dashboard/schedule"))
            #expect(form.contains("<form action=\"/dashboard/schedule\" method=\"post\""))
            #expect(!form.contains("theirs") && !form.contains("alert(1)"), "the form lists no entity")

            let r = try await Self.scheduleForm(client, session: mine, entity: Self.hostile, date: "2025-03-17")
            #expect(r.status == .ok)
            let html = Self.page(r)
            #expect(!html.contains(Self.hostile))
            #expect(html.contains("Entity &lt;script&gt;alert(1)&lt;/script&gt; around 2025-03-17"))
            // The same rows /api/predict answers, in order.
            let api = try await client.execute(
                uri: "/api/predict/", method: .post, headers: [.contentType: "application/json", .init("X-Session-ID")!: mine],
                body: ByteBuffer(string: #"{"id":"<script>alert(1)</script>","target_date":"2025-03-17","window_size":14}"#))
            let predictions = try #require(api.object["predictions"] as? [[String: Any]])
            #expect(predictions.count == 14)
            var position = html.startIndex
            for p in predictions {
                let date = try #require(p["date"] as? String), start = try #require(p["start_time"] as? String), end = try #require(p["end_time"] as? String)
                let row = "data-date=\"\(date)\"><td class=\"date\" data-label=\"Date\">\(date)</td><td data-label=\"Day\">\(p["weekday"] as? String ?? "")</td><td class=\"num\" data-label=\"Start\">\(start)</td><td class=\"num\" data-label=\"End\">\(end)</td>"
                let found = html.range(of: row, range: position..<html.endIndex)
                #expect(found != nil, "\(row)")
                if let found { position = found.upperBound }
            }
            let historical = predictions.filter { $0["historical"] as? Bool == true }.count
            let na = predictions.filter { $0["start_time"] as? String == "NA" || $0["end_time"] as? String == "NA" }.count
            #expect(historical == 5, "10–14 March are recorded")
            #expect(na >= 4, "weekends are unreliable")
            #expect(Self.count("<tr class=\"historical\"", in: html[...]) == historical)
            #expect(Self.count("<tr class=\"na\"", in: html[...]) == na)
            let wide = Self.chart("schedule-wide", in: html)
            #expect(Self.count("data-series=\"recorded-start\"", in: wide) == historical)
            #expect(Self.count("data-series=\"predicted-start\"", in: wide) == 14 - historical - na)

            let theirs = try await Self.scheduleForm(client, session: mine, entity: "theirs", date: "2025-03-17")
            #expect(theirs.status == .notFound)
            #expect(Self.page(theirs).contains("not found in this session"))
            #expect(try await Self.scheduleForm(client, session: other, entity: "theirs", date: "2025-03-17").status == .ok)
            #expect(try await Self.scheduleForm(client, session: "no-such-session", entity: "theirs", date: "2025-03-17").status == .unauthorized)
            #expect(try await Self.scheduleForm(client, session: mine, entity: Self.hostile, date: "someday").status == .badRequest)
            #expect(try await Self.scheduleForm(client, session: mine, entity: Self.hostile, date: "2025-03-17", window: "0").status == .badRequest)
        }
    }
}
