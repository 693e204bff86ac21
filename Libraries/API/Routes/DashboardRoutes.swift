import Dashboard
import Foundation
import Hummingbird
import NIOCore
import NIOPosix
import Workflows
import Store

/// The dashboard: server-rendered pages at `/` and under `/dashboard/`, readable without JavaScript.
/// Pages are lists of panels (`DashboardPanels`); every value from data is escaped by `HTML`.
/// What the dashboard's live view shows while a batch is worked on: the ETL job's share of the file read,
/// then how many of the batch's categories the forecast worker has fitted.
struct BatchProgress: Codable, Sendable {
    struct Forecasts: Codable, Sendable {
        var total: Int, done: Int, failed: Int, running: Int
        /// The mean of the forecast jobs' own progress (each moves as its models and backtests finish).
        var progress: Double
    }
    var batchNum: String
    var etlStatus: String?
    var etlProgress: Double?
    var forecasts: Forecasts?

    enum CodingKeys: String, CodingKey {
        case batchNum = "batch_num", etlStatus = "etl_status", etlProgress = "etl_progress", forecasts
    }
}

struct DashboardRoutes {
    let runtime: AlmanacRuntime
    let io: NIOThreadPool
    let serving: ModelServing

    /// The batch's ETL job, and once it committed, its forecast jobs (their ids follow from its categories).
    static func progress(batch: String, store: any Store) async throws -> BatchProgress {
        var out = BatchProgress(batchNum: batch)
        guard let etl = try await store.job(id: "etl-" + batch) else { return out }
        out.etlStatus = etl.status.rawValue
        out.etlProgress = etl.progress
        if etl.status == .completed, let text = etl.result,
           let counters = try? JSONDecoder().decode(BatchCounters.self, from: Data(text.utf8)), !counters.categories.isEmpty {
            let jobs = try await store.jobs(ids: ForecastJob.jobs(batchNum: batch, categories: counters.categories).map(\.id))
            let group = JobGroup(jobs, expected: counters.categories.count)
            out.forecasts = BatchProgress.Forecasts(
                total: group.total, done: group.done, failed: group.failed, running: group.running, progress: group.progress)
        }
        return out
    }

    func register(on router: Router<AlmanacContext>, registry: RouteRegistry) {
        registry.add(router, .get, "/", summary: "Dashboard: upload, uploads, categories, system health (HTML)", produces: "text/html") { request, _ in
            let context = PanelContext(runtime: runtime, category: nil)
            let panels = try await Self.panels(DashboardPanels.home, context)
            return Self.html(Page.render(title: "Dashboard", heading: "Almanac dashboard", body: panels))
        }
        registry.add(router, .get, "/dashboard/progress", summary: "Dashboard: a batch's ETL progress and its forecast jobs' (JSON, for the live view)", response: BatchProgress.self) { request, _ in
            guard let batch = try QueryParams(request, allowed: ["batch_num"]).string("batch_num", maxLength: 200) else {
                throw APIError.badRequest("batch_num is required")
            }
            return try JSONResponse.make(try await Self.progress(batch: batch, store: runtime.store))
        }
        registry.add(router, .get, "/dashboard/category", summary: "Dashboard: a category's history, forecasts and accuracy (HTML)", produces: "text/html") { request, _ in
            guard let name = try QueryParams(request).string("name", maxLength: 100) else { throw APIError.badRequest("name (the category) is required") }
            guard try await runtime.store.categories().contains(name) else {
                return Self.errorPage(.notFound, "Unknown category", "There is no sales data for the category “\(name)”.")
            }
            let context = PanelContext(runtime: runtime, category: name)
            let panels = try await Self.panels(DashboardPanels.category, context)
            let body: HTML = "<div class=\"grid2\">\(panels)</div>"
            return Self.html(Page.render(title: name, heading: "Category: \(name)", body: body))
        }
        registry.add(router, .get, "/dashboard/batch", summary: "Dashboard: one upload's status, counters and errors (HTML)", produces: "text/html") { request, _ in
            let q = try QueryParams(request)
            guard let batch = try q.string("batch_num", maxLength: 200) else { throw APIError.badRequest("batch_num is required") }
            guard let record = try await runtime.store.upload(batchNum: batch) else {
                return Self.errorPage(.notFound, "Unknown batch", "There is no upload with batch number “\(batch)”.")
            }
            let duplicate = try q.string("duplicate", maxLength: 8) == "1"
            let body = Page.section(id: "batch", title: "Upload status", BatchView.render(record, duplicate: duplicate))
            return Self.html(Page.render(title: "Batch \(batch)", heading: "Upload \(record.originalFilename)", body: body))
        }
        registry.add(router, .get, "/dashboard/anomaly", summary: "Dashboard: a series' anomaly baseline by version: training data, thresholds, flagged points (HTML)", produces: "text/html") { request, _ in
            try await AnomalyPage(serving: serving).response(request)
        }
        registry.add(router, .get, "/dashboard/schedule", summary: "Dashboard: the form for an entity's predicted schedule (HTML)", produces: "text/html") { _, _ in
            SchedulePage(sessions: ScheduleSessions(fits: serving.fits, cache: serving.scheduleCache, io: ThreadPoolIO(io))).page(nil, result: nil)
        }
        registry.add(router, .post, "/dashboard/schedule", summary: "Dashboard: an entity's start and end times around a date, NA when unreliable (HTML form: session_id, entity, date, window)", produces: "text/html") { request, _ in
            try await SchedulePage(sessions: ScheduleSessions(fits: serving.fits, cache: serving.scheduleCache, io: ThreadPoolIO(io))).response(request)
        }
        registry.add(router, .post, "/dashboard/upload", summary: "Dashboard form upload (multipart field \"file\"); redirects to the batch page") { request, context in
            do {
                let batch = try await UploadRoutes(runtime: runtime, io: io).accept(request, context: context)
                return Self.redirect(BatchView.link(batch))
            } catch let error as WorkflowError where error.kind == .conflict && error.fields["batch_num"] != nil {
                return Self.redirect(BatchView.link(error.fields["batch_num"] ?? "") + "&duplicate=1")
            } catch let error as WorkflowError {
                return Self.errorPage(APIError.status(error.kind), "Upload refused", error.message)
            } catch let error as APIError {
                return Self.errorPage(error.status, "Upload refused", error.message)
            }
        }
        registry.add(router, .get, "/dashboard/forecast.csv", summary: "A category's forecasts as CSV (formula cells neutralised)", produces: "text/csv") { request, _ in
            guard let category = try QueryParams(request).string("category", maxLength: 100) else { throw APIError.badRequest("category is required") }
            let rows = try await runtime.store.forecasts(ForecastQuery(category: category, limit: 100_000))
            guard !rows.isEmpty else { throw APIError.notFound("no forecast for category \"\(category)\"") }
            let filename = "forecast-" + String(FileNames.stem(of: category + ".csv")) + ".csv"
            return Response(
                status: .ok,
                headers: [.contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"\(filename)\""],
                body: .init(byteBuffer: ByteBuffer(string: ForecastCSV.render(rows))))
        }
        registry.add(router, .get, "/dashboard/app.js", summary: "The dashboard's script", produces: "text/javascript") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "text/javascript; charset=utf-8", .cacheControl: "no-cache"],
                body: .init(byteBuffer: ByteBuffer(string: DashboardScript.source)))
        }
    }

    static func panels(_ panels: [any DashboardPanel], _ context: PanelContext) async throws -> HTML {
        var out = HTML()
        for panel in panels {
            if let section = try await panel.section(context) { out += section }
        }
        return out
    }

    static func html(_ page: HTML, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status,
            headers: [
                .contentType: "text/html; charset=utf-8", .cacheControl: "no-store",
                .contentSecurityPolicy: "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
            ],
            body: .init(byteBuffer: ByteBuffer(string: page.description)))
    }

    static func redirect(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location])
    }

    static func errorPage(_ status: HTTPResponse.Status, _ title: String, _ message: String) -> Response {
        let body = Page.section(id: "error", title: title, "<p>\(message)</p><p><a href=\"/\">Back to the dashboard</a></p>")
        return html(Page.render(title: title, heading: "\(title)", body: body), status: status)
    }
}
