import Dashboard
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Store
import Workflows

/// Seed 002's `POST /api/v1/jobs/reports`: a report of the stored forecasts, per category (its best model on
/// the backtest) and per product (reconciled with it, HierarchicalForecast), with the 80 % and 95 % bands as
/// the 2.5, 10, 90 and 97.5 % quantiles, as a CSV download. The report is a job: it is written with its file
/// in one transaction, so `GET /api/v1/jobs/{job_id}` shows it completed with the download's path, and the
/// file keeps the forecasts as they were when it ran.
extension Seed002Routes {
    /// The request body: every field optional; an empty body reports every category.
    struct ReportRequest: Decodable {
        var reportType: String?
        var category: String?
        var productID: String?
        var format: String?

        enum CodingKeys: String, CodingKey {
            case reportType = "report_type", category, productID = "product_id", format
        }
    }

    static let reportPrefix = ReportJob.idPrefix
    static let reportColumns = "level,category,product_id,forecast_date,model,base,forecast,q025,q10,q90,q975"

    func registerReports(on router: Router<AlmanacContext>, registry: RouteRegistry) {
        registry.add(router, .post, "/api/v1/jobs/reports", summary: "Seed 002: a forecast report per category and product with quantiles (CSV); answers {job_id, status, download_url}") { request, context in
            try await createReport(request, context: context)
        }
        registry.add(router, .get, "/api/v1/jobs/{job_id}/report", summary: "Seed 002: a report job's CSV file", produces: "text/csv") { _, context in
            let id = try PathParams(context).string("job_id")
            guard let file = try await runtime.store.report(jobID: id) else {
                throw APIError.seed002(.notFound, "no report for job \(id.prefix(100))", code: "job_not_found")
            }
            return Response(
                status: .ok,
                headers: [.contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"\(file.filename)\""],
                body: .init(byteBuffer: ByteBuffer(string: file.content)))
        }
    }

    func createReport(_ request: Request, context: AlmanacContext) async throws -> Response {
        let body = try await request.body.collect(upTo: 64 * 1024)
        var params = ReportRequest()
        if body.readableBytes > 0 {
            do {
                params = try JSONDecoder().decode(ReportRequest.self, from: Data(body.readableBytesView))
            } catch {
                throw APIError.seed002(.unprocessableContent, "the report request must be a JSON object {report_type, category, product_id, format}: \(JSONBody.describe(error, body: Data(body.readableBytesView)))", code: "validation_error")
            }
        }
        let type = params.reportType ?? "forecast"
        guard ["forecast", "prediction", "predictions"].contains(type) else {
            throw APIError.seed002(.unprocessableContent, "report_type must be forecast (got \"\(type.prefix(50))\"): the report of stored forecasts is the one Almanac makes", code: "validation_error")
        }
        guard (params.format ?? "csv").lowercased() == "csv" else {
            throw APIError.seed002(.unprocessableContent, "format must be csv (got \"\((params.format ?? "").prefix(20))\")", code: "validation_error")
        }
        let store = runtime.store
        var categories = try await store.categories()
        if let only = params.category {
            guard categories.contains(only) else {
                throw APIError.seed002(.notFound, "no sales data for category \"\(only.prefix(100))\"", code: "no_data")
            }
            categories = [only]
        }
        var lines = [Self.reportColumns]
        var counts = (categories: 0, products: 0, rows: 0)
        let accuracy = try await store.accuracy(category: params.category)
        for category in categories {
            let best = accuracy.first { $0.category == category && $0.isBest }?.modelType
            let model = best.flatMap(ModelType.init(rawValue:)) ?? .auto
            if params.productID == nil {
                let rows = try await store.forecasts(ForecastQuery(category: category, modelType: model, limit: 100_000))
                if !rows.isEmpty { counts.categories += 1 }
                for r in rows {
                    lines.append(Self.reportLine(
                        level: "category", category: category, product: "", date: r.forecastDate, model: model.rawValue, base: "",
                        value: r.forecastValue, q025: r.lowerBound, q10: r.lower80, q90: r.upper80, q975: r.upperBound))
                }
            }
            let products = try await store.productForecasts(ForecastQuery(category: category, productID: params.productID, limit: 10_000_000))
            var seen = Set<String>()
            for r in products {
                seen.insert(r.productID)
                lines.append(Self.reportLine(
                    level: "product", category: category, product: r.productID, date: r.forecastDate, model: r.reconciliation, base: r.base,
                    value: r.forecastValue, q025: r.lowerBound, q10: r.lower80, q90: r.upper80, q975: r.upperBound))
            }
            counts.products += seen.count
        }
        counts.rows = lines.count - 1
        guard counts.rows > 0 else {
            throw APIError.seed002(.badRequest, "there are no forecasts to report yet: train first (POST /api/v1/jobs/training) and wait for it to complete", code: "no_data")
        }
        let report = ReportJob(category: params.category, productID: params.productID).job(requestID: context.requestID)
        let id = report.id
        let download = "/api/v1/jobs/\(id)/report"
        let result: [String: Any] = [
            "report_type": "forecast", "format": "csv", "download_url": download, "rows": counts.rows,
            "categories": counts.categories, "products": counts.products,
            "quantiles": ["q025": 0.025, "q10": 0.1, "q90": 0.9, "q975": 0.975],
        ]
        let resultText = String(decoding: try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys]), as: UTF8.self)
        try await store.saveReport(
            report, result: resultText, filename: "\(id).csv", content: lines.joined(separator: "\r\n") + "\r\n")
        context.logger.info("seed 002 report", metadata: ["job.id": "\(id)", "rows": "\(counts.rows)"])
        return try JSONResponse.raw(["job_id": id, "status": "completed", "download_url": download] as [String: Any])
    }

    static func reportLine(
        level: String, category: String, product: String, date: String, model: String, base: String,
        value: Double, q025: Double?, q10: Double?, q90: Double?, q975: Double?
    ) -> String {
        let number = { (v: Double?) in v.map { String($0) } ?? "" }
        return [
            level, ForecastCSV.text(category), ForecastCSV.text(product), date, model, base,
            String(value), number(q025), number(q10), number(q90), number(q975),
        ].joined(separator: ",")
    }
}
