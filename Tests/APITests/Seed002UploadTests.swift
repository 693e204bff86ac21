import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// Seed 002's `POST /api/v1/jobs/data-upload`: a stock file and sales files as the shop exports them (`.xlsx`
/// written by openpyxl, scripts/fixtures/make_xlsx_fixtures.py, or `.csv`), multipart `stock_file` and
/// `sales_files`, answering `{job_id, status: "pending"}`; bad files get a 400 naming file, sheet, column, row.
@Suite(.serialized)
struct Seed002UploadTests {
    static let key = "plastinka-key-0123456789"
    static let boundary = "----seed002-boundary-91c2"

    static func fixture(_ name: String) throws -> [UInt8] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("XLSXTests/Fixtures/\(name)")
        return Array(try Data(contentsOf: url))
    }

    static func body(_ files: [(field: String, filename: String, bytes: [UInt8])]) -> ByteBuffer {
        var buffer = ByteBuffer()
        for file in files {
            buffer.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(file.field)\"; filename=\"\(file.filename)\"\r\n")
            buffer.writeString("Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\r\n\r\n")
            buffer.writeBytes(file.bytes)
            buffer.writeString("\r\n")
        }
        buffer.writeString("--\(boundary)--\r\n")
        return buffer
    }

    static let headers: HTTPFields = [.contentType: "multipart/form-data; boundary=\(boundary)", .init("X-API-Key")!: key]

    @Test(arguments: Backend.allCases)
    func excelFilesBecomeAnUploadAndBadFilesChangeNothing(_ backend: Backend) async throws {
        let fx = try await APIFixture.make(backend, env: ["API_KEYS": Self.key, "FORECAST_HORIZON": "7"])
        defer { Task { await fx.close() } }
        let stock = try Self.fixture("stock.xlsx"), february = try Self.fixture("sales_2025_02.xlsx"), march = try Self.fixture("sales_2025_03.xlsx")
        try await fx.test(workers: true) { client in
            @Sendable func post(_ files: [(field: String, filename: String, bytes: [UInt8])]) async throws -> TestResponse {
                try await client.execute(uri: "/api/v1/jobs/data-upload", method: .post, headers: Self.headers, body: Self.body(files))
            }
            @Sendable func get(_ uri: String) async throws -> TestResponse {
                try await client.execute(uri: uri, method: .get, headers: [.init("X-API-Key")!: Self.key])
            }
            @Sendable func message(_ r: TestResponse) -> String { (r.object["error"] as? [String: Any])?["message"] as? String ?? String(buffer: r.body) }

            // Bad files first: each is a 400 (or 422) naming the problem, and nothing is stored.
            let wrongColumns = try await post([("stock_file", "stock.xlsx", stock), ("sales_files", "sales.xlsx", stock)])
            #expect(wrongColumns.status == .badRequest)
            #expect(message(wrongColumns).contains("Invalid sales file (sales.xlsx): sheet \"Лист1\": Missing required columns: Дата заказа (sold_date)"),
                    "\(message(wrongColumns))")
            #expect((wrongColumns.object["error"] as? [String: Any])?["code"] as? String == "validation_error")
            let csv = Array("Barcode,Исполнитель,Альбом,Конверт,\"Цена, руб.\",Тип,Год записи,Год выпуска,Стиль,Дата добавления,Дата заказа\n460,A,B,SS,100,LP,1990,1990,Rock,01.01.2025,31.02.2025\n".utf8)
            let badDate = try await post([("stock_file", "stock.xlsx", stock), ("sales_files", "march.csv", csv)])
            #expect(badDate.status == .badRequest)
            #expect(message(badDate) == "Invalid sales file (march.csv): sheet \"(csv)\", column Дата заказа (sold_date), row 2: \"31.02.2025\" is not a date (expected DD.MM.YYYY)")
            let legacy = try await post([("stock_file", "stock.xls", stock), ("sales_files", "sales.xlsx", february)])
            #expect(message(legacy).contains("legacy .xls"))
            let notExcel = try await post([("stock_file", "stock.xlsx", Array("just,text\n".utf8)), ("sales_files", "sales.xlsx", february)])
            #expect(notExcel.status == .badRequest)
            #expect(message(notExcel).hasPrefix("Invalid stock file (stock.xlsx): not a readable .xlsx workbook"), "\(message(notExcel))")
            let noData = try await client.execute(uri: "/api/v1/jobs/training", method: .post, headers: [.init("X-API-Key")!: Self.key])
            #expect(noData.status == .badRequest)
            #expect((noData.object["error"] as? [String: Any])?["code"] as? String == "no_data")
            let noStock = try await post([("sales_files", "sales.xlsx", february)])
            #expect(noStock.status == .unprocessableContent)
            #expect(try await get("/invoice-data").object["pagination"].flatMap { ($0 as? [String: Any])?["total_items"] as? Int } == 0)
            let left = try fx.uploadedFiles()
            #expect(left.isEmpty, "a refused upload left a file: \(left)")

            // The seed's files: one stock workbook and two monthly sales workbooks (dates as date cells and as text).
            let files: [(field: String, filename: String, bytes: [UInt8])] = [
                ("stock_file", "stock.xlsx", stock), ("sales_files", "sales_2025_02.xlsx", february), ("sales_files", "sales_2025_03.xlsx", march),
            ]
            let accepted = try await post(files)
            #expect(accepted.status == .ok, "\(String(buffer: accepted.body))")
            #expect(accepted.object["status"] as? String == "pending")
            let jobID = try #require(accepted.object["job_id"] as? String)
            _ = try await eventually("the upload's job completed") { () -> Bool? in
                try await get("/api/v1/jobs/\(jobID)").object["status"] as? String == "completed" ? true : nil
            }
            let job = try await get("/api/v1/jobs/\(jobID)").object
            #expect(job["job_type"] as? String == "data_upload")
            #expect((job["result"] as? [String: Any])?["inserted"] as? Int == 3, "\(job)")
            // Barcodes as the seed keys them (no spaces, no leading zeros), the style as the category, a unit per row.
            let kino = try await get("/invoice-data?product_id=4600000000017").page
            #expect(kino.map { $0["date"] as? String } == ["2025-03-01", "2025-02-03"])
            #expect(kino.allSatisfy { $0["category"] as? String == "Rock" && ($0["sales"] as? Double) == 1 }, "\(kino)")
            let floyd = try await get("/invoice-data?product_id=5099902987613").page
            #expect(floyd.first?["category"] as? String == "Progressive Rock")

            // Training: every category refitted with the active parameter sets, followed as one seed job.
            let training = try await client.execute(uri: "/api/v1/jobs/training", method: .post, headers: [.init("X-API-Key")!: Self.key])
            #expect(training.status == .ok, "\(String(buffer: training.body))")
            #expect(training.object["status"] as? String == "pending")
            #expect(training.object["using_active_parameters"] as? Bool == false)
            let trainingID = try #require(training.object["job_id"] as? String)
            _ = try await eventually("the training job completed") { () -> Bool? in
                try await get("/api/v1/jobs/\(trainingID)").object["status"] as? String == "completed" ? true : nil
            }
            let trained = try await get("/api/v1/jobs/\(trainingID)").object
            #expect(trained["job_type"] as? String == "training")
            #expect(trained["progress"] as? Double == 1, "\(trained)")
            let result = try #require(trained["result"] as? [String: Any])
            #expect(result["categories"] as? Int == 2)
            #expect((result["refitted"] as? Int ?? 0) + (result["unchanged"] as? Int ?? 0) == 2, "\(result)")
            #expect(try await get("/api/v1/jobs/training-000000000000").status == .notFound)
            // The run is listed as a training job, with its computed status.
            let listed = try #require(try await get("/api/v1/jobs?job_type=training").object["jobs"] as? [[String: Any]])
            #expect(listed.contains { $0["job_id"] as? String == trainingID && $0["status"] as? String == "completed" && $0["job_type"] as? String == "training" }, "\(listed)")
            let pending = try #require(try await get("/api/v1/jobs?job_type=training&status=pending").object["jobs"] as? [[String: Any]])
            #expect(!pending.contains { $0["job_id"] as? String == trainingID })
            let all = try #require(try await get("/api/v1/jobs").object["jobs"] as? [[String: Any]])
            #expect(all.filter { $0["job_id"] as? String == trainingID }.count == 1 && !all.contains { $0["job_type"] as? String == "training_run" })

            // The report (seed 002's POST /api/v1/jobs/reports): bad requests first, each a 422 or 404 and no job.
            @Sendable func report(_ body: String) async throws -> TestResponse {
                try await client.execute(
                    uri: "/api/v1/jobs/reports", method: .post,
                    headers: [.init("X-API-Key")!: Self.key, .contentType: "application/json"], body: ByteBuffer(string: body))
            }
            let html = try await report(#"{"report_type": "sales_html"}"#)
            #expect(html.status == .unprocessableContent)
            #expect(message(html).contains("report_type"), "\(message(html))")
            #expect(try await report(#"{"category": 7}"#).status == .unprocessableContent)
            #expect(try await report(#"{"format": "pdf"}"#).status == .unprocessableContent)
            #expect(try await report(#"{"category": "no such style"}"#).status == .notFound)
            #expect(try await get("/api/v1/jobs?job_type=report").object["total"] as? Int == 0)
            let made = try await report("")
            #expect(made.status == .ok, "\(String(buffer: made.body))")
            let reportID = try #require(made.object["job_id"] as? String)
            let download = try #require(made.object["download_url"] as? String)
            let reportJob = try await get("/api/v1/jobs/\(reportID)").object
            #expect(reportJob["job_type"] as? String == "report" && reportJob["status"] as? String == "completed", "\(reportJob)")
            #expect((reportJob["result"] as? [String: Any])?["download_url"] as? String == download)
            #expect(try await get("/api/v1/jobs?job_type=report").object["total"] as? Int == 1)
            let file = try await get(download)
            #expect(file.status == .ok)
            #expect(file.headers[.contentType] == "text/csv; charset=utf-8")
            let lines = String(buffer: file.body).split(separator: "\r\n").map(String.init)
            #expect(lines.first == "level,category,product_id,forecast_date,model,base,forecast,q025,q10,q90,q975")
            #expect(lines.contains { $0.hasPrefix("category,") } && lines.contains { $0.hasPrefix("product,") }, "\(lines.prefix(3))")
            for line in lines.dropFirst() {
                let f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
                #expect(f.count == 11, "\(line)")
                let q = f[6...].compactMap(Double.init)
                if q.count == 5 { #expect(q[1] <= q[2] && q[2] <= q[0] && q[0] <= q[3] && q[3] <= q[4], "\(line)") }
            }
            #expect(try await get("/api/v1/jobs/report-000000000000/report").status == .notFound)

            let again = try await post(files)
            #expect(again.status == .conflict)
            #expect((again.object["error"] as? [String: Any])?["code"] as? String == "duplicate_upload")
        }
    }
}
