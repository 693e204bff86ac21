import API
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import NIOPosix
import Workflows
import Store
import Testing

/// Issue 8's bad-input list, on both backends: every hostile or broken request gets a clear 4xx whose `error`
/// names the problem, and nothing is stored or changed (uploads, invoice rows, jobs, parameter sets, model
/// versions, schedule sessions and records, files in UPLOAD_DIR).
@Suite("Bad input (issue 8)", .serialized)
struct BadInputTests {
    static let admin = "bad-input-admin-token"
    static let maxUpload = 6 * 1024 * 1024

    // MARK: what must not change

    struct State: Equatable, CustomStringConvertible {
        var uploads: [String]
        var invoices: Int
        var jobs: [String]
        var modelParams: Int
        var anomalySeries: Int
        var versions: [String: Int]
        var scheduleRecords: [String: Int]
        var sessions: Int
        var files: [String]

        var description: String {
            "uploads=\(uploads.count) invoices=\(invoices) jobs=\(jobs.count) model_params=\(modelParams) anomaly_series=\(anomalySeries) "
                + "versions=\(versions.sorted { $0.key < $1.key }) records=\(scheduleRecords.sorted { $0.key < $1.key }) sessions=\(sessions) files=\(files)"
        }
    }

    static func state(_ fx: APIFixture, series: [String] = [], sessions: [String] = []) async throws -> State {
        let store = fx.runtime.store
        let models = try #require(store as? any ModelStore)
        var versions: [String: Int] = [:]
        var records: [String: Int] = [:]
        for s in series { versions["anomaly/" + s] = try await models.modelVersions(kind: .anomaly, subject: s).count }
        for s in sessions {
            versions["schedule/" + s.prefix(8)] = try await models.modelVersions(kind: .schedule, subject: s).count
            records[String(s.prefix(8))] = try await models.scheduleRecords(sessionID: s, entity: nil).count
        }
        return State(
            uploads: try await store.uploads(limit: 100_000, offset: 0).map(\.batchNum).sorted(),
            invoices: try await store.invoices(InvoiceQuery(limit: 100_000)).count,
            jobs: try await store.jobs(type: nil, status: nil, limit: 100_000, offset: 0).map(\.id).sorted(),
            modelParams: try await store.modelParams(modelType: nil).count,
            anomalySeries: try await models.modelSubjectCount(kind: .anomaly),
            versions: versions, scheduleRecords: records,
            sessions: try await models.scheduleSessionCount(),
            files: try fx.uploadedFiles())
    }

    /// One hostile request and what it must get back.
    struct Case: Sendable, CustomStringConvertible {
        var name: String
        var method: HTTPRequest.Method = .post
        var uri: String
        var headers: HTTPFields = [:]
        var body: ByteBuffer?
        var status: HTTPResponse.Status
        /// Words the `error` message must contain (case-insensitive).
        var message: String
        var description: String { name }
    }

    /// Runs each case and checks its status, its message, `Allow` on a 405, and that the state did not move.
    /// The state is compared for up to 3 s: a temporary file removed just after the response is not a leak,
    /// one that stays is.
    static func run(_ cases: [Case], _ client: any TestClientProtocol, _ fx: APIFixture, series: [String] = [], sessions: [String] = []) async throws {
        for c in cases {
            let before = try await state(fx, series: series, sessions: sessions)
            let r = try await client.execute(uri: c.uri, method: c.method, headers: c.headers, body: c.body)
            #expect(r.status == c.status, "\(c.name): got \(r.status) \(r.error)")
            #expect(r.error.lowercased().contains(c.message.lowercased()), "\(c.name): error \"\(r.error)\" does not name \"\(c.message)\"")
            #expect(r.headers[.contentType]?.hasPrefix("application/json") == true, "\(c.name): not a JSON error")
            #expect(r.object["detail"] as? String == r.error, "\(c.name): no `detail` beside `error` for the FastAPI clients")
            if c.status == .methodNotAllowed { #expect(r.headers[.allow]?.isEmpty == false, "\(c.name): 405 without Allow") }
            var after = try await state(fx, series: series, sessions: sessions)
            let clock = ContinuousClock()
            let deadline = clock.now + .seconds(3)
            while after != before && clock.now < deadline {
                try await Task.sleep(for: .milliseconds(50))
                after = try await state(fx, series: series, sessions: sessions)
            }
            #expect(after == before, "\(c.name) changed the state:\n before \(before)\n after  \(after)")
        }
        // The process is still up and serving.
        #expect(try await client.get("/health").status == .ok)
    }

    static func json(_ text: String) -> ByteBuffer { ByteBuffer(string: text) }
    static let jsonHeaders: HTTPFields = [.contentType: "application/json"]

    /// Waits until every job recorded is finished, so that the state is still while the cases run.
    static func settle(_ fx: APIFixture, atLeast: Int) async throws {
        _ = try await eventually(timeout: .seconds(240), "every job finished") { () -> Bool? in
            let jobs = try await fx.runtime.store.jobs(type: nil, status: nil, limit: 10_000, offset: 0)
            guard jobs.count >= atLeast, jobs.allSatisfy({ $0.status == .completed || $0.status == .failed || $0.status == .skipped }) else { return nil }
            return true
        }
    }

    // MARK: POST /upload

    static let header = "Date,product_id,category,sales\n"
    static let injectionCategory = "=cmd|'/C calc'!A0"
    static let injectionProduct = "x'); DROP TABLE invoice_data; --"

    /// A file whose text is SQL and spreadsheet-formula injection; it must be stored literally.
    static func injectionCSV() -> String {
        var lines = [String(header.dropLast())]
        let first = DayNumber.parse("2024-01-01")!
        for d in 0..<60 {
            lines.append("\(DayNumber.format(first + Int32(d))),\(injectionProduct),\(injectionCategory),\(10 + d % 7)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func part(_ bytes: [UInt8], filename: String = "sales.csv") -> ByteBuffer { Multipart.body(file: bytes, filename: filename) }

    /// A gzip member (RFC 1952) whose one fixed-Huffman deflate block (RFC 1951) is a zero byte and then
    /// `repeats` copies of 258 bytes at distance 1: 13 bits for every 258 zeros, so 65 KB inflate to 10 MB.
    /// (No CRC trailer: a server that refuses it never gets that far; one that inflates it has already lost.)
    static func gzipBomb(repeats: Int) -> [UInt8] {
        var out: [UInt8] = [0x1F, 0x8B, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0x03]
        var acc: UInt32 = 0
        var used = 0
        func bits(_ value: UInt32, _ count: Int) {
            for i in 0..<count {
                acc |= ((value >> UInt32(i)) & 1) << UInt32(used)
                used += 1
                if used == 8 { out.append(UInt8(acc)); acc = 0; used = 0 }
            }
        }
        func code(_ value: UInt32, _ count: Int) { for i in (0..<count).reversed() { bits((value >> UInt32(i)) & 1, 1) } }
        bits(1, 1)  // BFINAL
        bits(1, 2)  // BTYPE 01: fixed Huffman codes
        code(0x30, 8)  // literal 0
        for _ in 0..<repeats {
            code(0b1100_0101, 8)  // length symbol 285: 258 bytes
            code(0, 5)  // distance symbol 0: distance 1
        }
        code(0, 7)  // end of block
        if used > 0 { out.append(UInt8(acc)) }
        return out
    }

    static func uploadCases() -> [Case] {
        let good = Array(salesCSV(scale: 3).utf8)
        var truncated = Multipart.body(file: good)
        truncated.moveWriterIndex(to: truncated.writerIndex - 40)
        var nonASCIIName = ByteBuffer(string: "--\(Multipart.boundary)\r\nCont")
        nonASCIIName.writeBytes([0xC3, 0xA9])
        nonASCIIName.writeString("nt: a\r\n\r\nhello\r\n--\(Multipart.boundary)--\r\n")
        var huge = Array(header.utf8)
        let row = Array("2024-01-01,p,c,1\n".utf8)
        while huge.count <= maxUpload { huge += row }
        let bomb = ByteBuffer(bytes: gzipBomb(repeats: 40_000))
        var bombHeaders = Multipart.headers
        bombHeaders[.contentEncoding] = "gzip"
        return [
            Case(name: "empty file", uri: "/upload", headers: Multipart.headers, body: part([]), status: .badRequest, message: "empty"),
            Case(name: "huge file over MAX_UPLOAD_BYTES", uri: "/upload", headers: Multipart.headers, body: part(huge), status: .contentTooLarge, message: "limit"),
            Case(name: "binary (PNG)", uri: "/upload", headers: Multipart.headers,
                 body: part([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52]), status: .badRequest, message: "binary"),
            Case(name: "invalid UTF-8", uri: "/upload", headers: Multipart.headers,
                 body: part(Array(header.utf8) + [0x32, 0x30, 0x32, 0x34, 0x2D, 0x30, 0x31, 0x2D, 0x30, 0x31, 0x2C, 0xC3, 0x28, 0x2C, 0x63, 0x2C, 0x31, 0x0A]),
                 status: .badRequest, message: "UTF-8"),
            Case(name: "missing column", uri: "/upload", headers: Multipart.headers,
                 body: part(Array("Date,product_id,sales\n2024-01-01,p,1\n".utf8)), status: .badRequest, message: "missing columns: category"),
            Case(name: "duplicated column", uri: "/upload", headers: Multipart.headers,
                 body: part(Array("Date,product_id,category,sales,Sales\n2024-01-01,p,c,1,2\n".utf8)), status: .badRequest, message: "duplicate column: sales"),
            // Semicolons and tabs are sniffed and read (issue 18); a pipe is not a separator Almanac reads.
            Case(name: "wrong delimiter (pipes)", uri: "/upload", headers: Multipart.headers,
                 body: part(Array("Date|product_id|category|sales\n2024-01-01|p|c|1\n".utf8)), status: .badRequest, message: "missing columns"),
            Case(name: "NUL byte inside a row", uri: "/upload", headers: Multipart.headers,
                 body: part(Array(header.utf8) + Array("2024-01-01,p".utf8) + [0] + Array(",c,1\n".utf8)), status: .badRequest, message: "NUL"),
            Case(name: "unbalanced quote running to the end of the file", uri: "/upload", headers: Multipart.headers,
                 body: part(Array((header + "2024-01-01,\"p,c,1\n2024-01-02,p,c,2\n").utf8)), status: .badRequest, message: "unterminated quoted field"),
            Case(name: "3 MiB line with no newline", uri: "/upload", headers: Multipart.headers,
                 body: part([UInt8](repeating: 0x61, count: 3 << 20)), status: .badRequest, message: "first line is longer"),
            Case(name: "enormous header field", uri: "/upload", headers: Multipart.headers,
                 body: part(Array(("Date,product_id,category,sales," + String(repeating: "x", count: 200_000) + "\n2024-01-01,p,c,1,y\n").utf8)),
                 status: .badRequest, message: "first line is longer"),
            Case(name: "header but no data rows", uri: "/upload", headers: Multipart.headers, body: part(Array(header.utf8)), status: .badRequest, message: "no data rows"),
            Case(name: "gzip bomb (Content-Encoding: gzip)", uri: "/upload", headers: bombHeaders, body: bomb, status: .unsupportedMediaType, message: "Content-Encoding"),
            Case(name: "truncated multipart body", uri: "/upload", headers: Multipart.headers, body: truncated, status: .badRequest, message: "truncated"),
            Case(name: "multipart without boundary", uri: "/upload", headers: [.contentType: "multipart/form-data"], body: part(good), status: .badRequest, message: "boundary"),
            Case(name: "garbage body with a boundary", uri: "/upload", headers: Multipart.headers,
                 body: ByteBuffer(string: "this is not multipart at all\r\n"), status: .badRequest, message: "file"),
            Case(name: "non-ASCII byte in a part header name", uri: "/upload", headers: Multipart.headers, body: nonASCIIName, status: .badRequest, message: "header name"),
            Case(name: "wrong content type (JSON)", uri: "/upload", headers: jsonHeaders, body: json("{\"file\": \"a,b\"}"), status: .unsupportedMediaType, message: "multipart/form-data"),
            Case(name: "wrong content type (text/csv body)", uri: "/upload", headers: [.contentType: "text/csv"], body: ByteBuffer(bytes: good), status: .unsupportedMediaType, message: "multipart/form-data"),
            Case(name: "file name with a NUL byte", uri: "/upload", headers: Multipart.headers, body: part(good, filename: "sales\u{0}.csv"), status: .badRequest, message: "file name"),
            Case(name: "file name with control characters", uri: "/upload", headers: Multipart.headers,
                 body: part(good, filename: "sales\u{1B}[31m\u{08}\u{07}.csv"), status: .badRequest, message: "control characters"),
            Case(name: "5,000-byte file name", uri: "/upload", headers: Multipart.headers,
                 body: part(good, filename: String(repeating: "a", count: 4996) + ".csv"), status: .badRequest, message: "file name"),
            Case(name: "a .txt file (seed 003 takes .csv only)", uri: "/upload", headers: Multipart.headers, body: part(good, filename: "sales.txt"), status: .badRequest, message: ".txt"),
            Case(name: "no extension", uri: "/upload", headers: Multipart.headers, body: part(good, filename: "sales"), status: .badRequest, message: "no extension"),
            Case(name: "double extension .csv.exe", uri: "/upload", headers: Multipart.headers, body: part(good, filename: "sales.csv.exe"), status: .badRequest, message: ".exe"),
            Case(name: "unknown on_error mode", uri: "/upload?on_error=sometimes", headers: Multipart.headers, body: part(good), status: .badRequest, message: "on_error"),
            Case(name: "wrong method on /upload", method: .get, uri: "/upload", status: .methodNotAllowed, message: "not allowed"),
            Case(name: "wrong method on /dashboard/upload", method: .put, uri: "/dashboard/upload", status: .methodNotAllowed, message: "not allowed"),
        ]
    }

    @Test(arguments: Backend.allCases)
    func hostileUploadsAreRefusedAndStoreNothing(_ backend: Backend) async throws {
        let fx = try await APIFixture.make(backend, env: ["MAX_UPLOAD_BYTES": "\(Self.maxUpload)"])
        defer { Task { await fx.close() } }
        try await fx.test(workers: true) { client in
            // Some state to keep: one file of SQL and formula injection text, processed and forecast.
            let seeded = try await client.upload(Self.injectionCSV(), filename: "injection.csv")
            #expect(seeded.status == .created, "\(seeded.error)")
            try await Self.settle(fx, atLeast: 2)
            try await Self.run(Self.uploadCases(), client, fx)
        }
    }

    @Test(arguments: Backend.allCases)
    func injectionTextIsStoredLiterallyAndTheCSVExportNeutralisesFormulas(_ backend: Backend) async throws {
        let fx = try await APIFixture.make(backend)
        defer { Task { await fx.close() } }
        try await fx.test(workers: true) { client in
            let r = try await client.upload(Self.injectionCSV(), filename: "injection.csv")
            #expect(r.status == .created, "\(r.error)")
            try await Self.settle(fx, atLeast: 2)
            let rows = try await fx.runtime.store.invoices(InvoiceQuery(limit: 1000))
            #expect(rows.count == 60)
            #expect(rows.allSatisfy { $0.category == Self.injectionCategory && $0.productID == Self.injectionProduct })
            // The same text as a query filter is a value, not SQL.
            let category = Self.injectionCategory.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            let product = Self.injectionProduct.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            #expect(try await client.get("/invoice-data?category=\(category)&product_id=\(product)&limit=1000").page.count == 60)
            #expect(try await client.get("/invoice-data?category=%27%20OR%20%271%27%3D%271").page.isEmpty)
            // The export: the formula cell starts with a quote, so a spreadsheet shows it as text.
            let csv = try await client.get("/dashboard/forecast.csv?category=\(category)")
            #expect(csv.status == .ok, "\(csv.error)")
            let lines = String(buffer: csv.body).split(separator: "\r\n").dropFirst()
            #expect(!lines.isEmpty)
            for line in lines {
                let cells = line.split(separator: ",", omittingEmptySubsequences: false)
                #expect(cells.count >= 2 && cells[1] == "'" + Self.injectionCategory, "\(line)")
            }
            #expect(try await client.get("/categories").json as? [String] == [Self.injectionCategory])
        }
    }

    @Test(arguments: Backend.allCases)
    func pathsAndDoubleExtensionsInFileNamesNeverReachTheFileSystem(_ backend: Backend) async throws {
        let fx = try await APIFixture.make(backend)
        defer { Task { await fx.close() } }
        try await fx.test { client in
            let outside = fx.directory + "/../" + "escaped-\(UUID().uuidString.prefix(8))"
            let names = ["../../../../../../tmp/owned.csv", "..\\..\\windows\\evil.csv", "/etc/cron.d/job.php.csv", "\(outside).csv"]
            for (i, name) in names.enumerated() {
                let r = try await client.upload(salesCSV(scale: Double(i + 2)), filename: name)
                #expect(r.status == .created, "\(name): \(r.error)")
                let batch = try #require(r.object["batch_num"] as? String)
                let meta = try await client.get("/metadata/\(batch)")
                let stored = try #require(meta.object["stored_filename"] as? String)
                #expect(!stored.contains("/") && !stored.contains("\\") && !stored.contains(".."), "\(stored)")
                #expect(stored.hasSuffix(".csv") && stored.filter { $0 == "." }.count == 1, "\(stored)")
                #expect(!stored.contains("php"), "\(stored)")
            }
            #expect(try fx.uploadedFiles().count == names.count)
            #expect(!FileManager.default.fileExists(atPath: outside + ".csv"))
        }
    }

    @Test(arguments: Backend.allCases)
    func concurrentIdenticalUploads(_ backend: Backend) async throws {
        let fx = try await APIFixture.make(backend)
        defer { Task { await fx.close() } }
        try await fx.test { client in
            // Eight identical broken files at once: eight 400s, nothing stored.
            let broken = Self.header + "2024-01-01,\"p,c,1\n"
            let bad = try await withThrowingTaskGroup(of: (HTTPResponse.Status, String).self) { group in
                for i in 0..<8 { group.addTask { let r = try await client.upload(broken, filename: "b\(i).csv"); return (r.status, r.error) } }
                var out: [(HTTPResponse.Status, String)] = []
                for try await s in group { out.append(s) }
                return out
            }
            #expect(bad.allSatisfy { $0.0 == .badRequest && $0.1.contains("unterminated") }, "\(bad)")
            #expect(try await Self.state(fx).uploads.isEmpty)
            #expect(try fx.uploadedFiles().isEmpty)
            // Eight identical good files at once: one accepted, seven 409s naming it, one file, one job.
            let good = salesCSV(scale: 7)
            let results = try await withThrowingTaskGroup(of: (HTTPResponse.Status, String?).self) { group in
                for i in 0..<8 { group.addTask { let r = try await client.upload(good, filename: "g\(i).csv"); return (r.status, r.object["batch_num"] as? String) } }
                var out: [(HTTPResponse.Status, String?)] = []
                for try await s in group { out.append(s) }
                return out
            }
            #expect(results.filter { $0.0 == .created }.count == 1)
            #expect(results.filter { $0.0 == .conflict }.count == 7)
            #expect(Set(results.compactMap(\.1)).count == 1, "the 409s name the accepted batch")
            let after = try await Self.state(fx)
            #expect(after.uploads.count == 1 && after.jobs.count == 1 && after.files.count == 1, "\(after)")
        }
    }

    @Test(arguments: Backend.allCases)
    func repeatedKeysInOneSalesFileAreNeverA500(_ backend: Backend) async throws {
        let fx = try await APIFixture.make(backend)
        defer { Task { await fx.close() } }
        try await fx.test(workers: true) { client in
            let csv = Self.header + "2024-01-01,p,c,1\n2024-01-01,p,c,2\n2024-01-01,p,c,3\n2024-01-02,p,c,4\n"
            let r = try await client.upload(csv)
            #expect(r.status == .created, "\(r.error)")
            let batch = try #require(r.object["batch_num"] as? String)
            let status = try await eventually("the batch ends") { () -> String? in
                let s = try await client.get("/metadata/\(batch)").object["status"] as? String
                return s == "completed" || s == "failed" ? s : nil
            }
            #expect(status == "completed" || status == "failed")
            for uri in ["/invoice-data", "/metadata", "/metadata/\(batch)", "/jobs", "/categories", "/forecast-data", "/"] {
                let got = try await client.get(uri)
                #expect(got.status.code < 500, "\(uri): \(got.status)")
            }
            // One row per (date, product): a key repeated in a file never doubles a row.
            let rows = try await fx.runtime.store.invoices(InvoiceQuery(limit: 100))
            #expect(Set(rows.map { "\($0.date)/\($0.productID)" }).count == rows.count)
        }
    }

    // MARK: queries and ops

    static func queryCases() -> [Case] {
        [
            Case(name: "negative limit", method: .get, uri: "/invoice-data?limit=-1", status: .badRequest, message: "limit"),
            Case(name: "huge limit", method: .get, uri: "/invoice-data?limit=100000000", status: .badRequest, message: "limit"),
            Case(name: "limit past Int64", method: .get, uri: "/forecast-data?limit=99999999999999999999999", status: .badRequest, message: "limit"),
            Case(name: "negative offset", method: .get, uri: "/forecast-data?offset=-5", status: .badRequest, message: "offset"),
            Case(name: "zero jobs limit", method: .get, uri: "/jobs?limit=0", status: .badRequest, message: "limit"),
            Case(name: "start after end", method: .get, uri: "/invoice-data?start_date=2024-03-01&end_date=2024-01-01", status: .badRequest, message: "after"),
            Case(name: "impossible date", method: .get, uri: "/forecast-data?start_date=2023-02-29", status: .badRequest, message: "start_date"),
            Case(name: "enormous filter", method: .get, uri: "/invoice-data?category=" + String(repeating: "c", count: 5000), status: .badRequest, message: "category"),
            Case(name: "SQL in a status filter", method: .get, uri: "/jobs?status=queued%27%3B%20DROP%20TABLE%20jobs%3B--", status: .badRequest, message: "status"),
            Case(name: "unknown model_type", method: .get, uri: "/forecast-data?model_type=lstm", status: .badRequest, message: "model_type"),
            // Seed 003: a misspelt or unknown filter is a 400 naming it, never every row unfiltered.
            Case(name: "misspelt filter", method: .get, uri: "/invoice-data?categroy=Electronics", status: .badRequest, message: "unknown query parameter \"categroy\""),
            Case(name: "unknown forecast filter", method: .get, uri: "/forecast-data?product=P1", status: .badRequest, message: "\"product\""),
            Case(name: "broken percent escape", method: .get, uri: "/invoice-data?category=Toys%2", status: .badRequest, message: "category"),
            Case(name: "percent escape not UTF-8", method: .get, uri: "/invoice-data?category=%FF%FE", status: .badRequest, message: "category"),
            Case(name: "page zero", method: .get, uri: "/invoice-data?page=0", status: .badRequest, message: "page"),
            Case(name: "page and offset", method: .get, uri: "/invoice-data?page=2&offset=30", status: .badRequest, message: "page and offset"),
            Case(name: "unknown upload parameter", method: .post, uri: "/upload?overwrite=1", headers: Multipart.headers, body: part(Array(header.utf8)), status: .badRequest, message: "overwrite"),
            Case(name: "unknown batch", method: .get, uri: "/metadata/no_such_batch_1", status: .notFound, message: "unknown batch_num"),
            Case(name: "unknown job", method: .get, uri: "/jobs/etl-00000000", status: .notFound, message: "unknown job id"),
            // Path parameters are percent-decoded: the lookups see the decoded value, a malformed escape is a 400.
            Case(name: "encoded unknown batch", method: .get, uri: "/metadata/no%5Fsuch%20batch", status: .notFound, message: "unknown batch_num \"no_such batch\""),
            Case(name: "encoded unknown job", method: .get, uri: "/jobs/etl%2D0000", status: .notFound, message: "unknown job id \"etl-0000\""),
            Case(name: "malformed escape in batch_num", method: .get, uri: "/metadata/a%zz", status: .badRequest, message: "batch_num is not valid percent-encoding"),
            Case(name: "escape that is not UTF-8 in batch_num", method: .get, uri: "/metadata/a%FF", status: .badRequest, message: "batch_num is not valid percent-encoding"),
            Case(name: "NUL byte in batch_num", method: .get, uri: "/metadata/a%00b", status: .badRequest, message: "batch_num must not contain control characters"),
            Case(name: "malformed escape in a job id", method: .get, uri: "/jobs/%", status: .badRequest, message: "id is not valid percent-encoding"),
            Case(name: "forecast CSV of an unknown category", method: .get, uri: "/dashboard/forecast.csv?category=nope", status: .notFound, message: "no forecast"),
            Case(name: "wrong method on /metadata", method: .delete, uri: "/metadata", status: .methodNotAllowed, message: "not allowed"),
            Case(name: "wrong method on /jobs/{id}", method: .post, uri: "/jobs/x", status: .methodNotAllowed, message: "not allowed"),
            Case(name: "model-params: malformed JSON", uri: "/model-params", headers: jsonHeaders, body: json("{\"model_type\": "), status: .badRequest, message: "JSON object"),
            Case(name: "model-params: deeply nested JSON", uri: "/model-params", headers: jsonHeaders,
                 body: json(String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)), status: .badRequest, message: "JSON object"),
            Case(name: "model-params: unknown model_type", uri: "/model-params", headers: jsonHeaders,
                 body: json(#"{"model_type": "lstm", "name": "a", "parameters": {}}"#), status: .badRequest, message: "lstm"),
            Case(name: "model-params: 5,000-character name", uri: "/model-params", headers: jsonHeaders,
                 body: json(#"{"model_type": "holt_winters", "name": "\#(String(repeating: "n", count: 5000))", "parameters": {}}"#), status: .badRequest, message: "name"),
            Case(name: "model-params: negative prophet seed", uri: "/model-params", headers: jsonHeaders,
                 body: json(#"{"model_type": "prophet", "name": "a", "parameters": {"seed": -1}}"#), status: .badRequest,
                 message: "seed must be a whole number between 0 and 18446744073709551615 (got -1)"),
            Case(name: "model-params: fractional prophet order", uri: "/model-params", headers: jsonHeaders,
                 body: json(#"{"model_type": "prophet", "name": "a", "parameters": {"weeklyOrder": 2.5}}"#), status: .badRequest,
                 message: "weeklyOrder must be a whole number between 1 and 50 (got 2.5)"),
            Case(name: "model-params: prophet weekly as text", uri: "/model-params", headers: jsonHeaders,
                 body: json(#"{"model_type": "prophet", "name": "a", "parameters": {"weekly": "yes"}}"#), status: .badRequest,
                 message: "weekly must be true, false or null (automatic) (got \"yes\")"),
            Case(name: "model-params: non-numeric id", method: .put, uri: "/model-params/1%20OR%201=1/activate", status: .badRequest, message: "id"),
            Case(name: "model-params: unknown id", method: .put, uri: "/model-params/987654/activate", status: .notFound, message: "unknown model-params id"),
            Case(name: "model-params: encoded unknown id", method: .put, uri: "/model-params/%39%38%37%36%35%34/activate", status: .notFound, message: "unknown model-params id 987654"),
            Case(name: "model-params: malformed escape in the id", method: .put, uri: "/model-params/1%zz/activate", status: .badRequest, message: "id is not valid percent-encoding"),
            Case(name: "model-params: unknown filter", method: .get, uri: "/model-params?model_type=%3Cscript%3E", status: .badRequest, message: "model"),
            Case(name: "admin without token", uri: "/admin/retention/run", status: .unauthorized, message: "X-Admin-Token"),
            Case(name: "admin with a wrong token", uri: "/admin/retention/run", headers: [.init("X-Admin-Token")!: "guess"], status: .unauthorized, message: "invalid"),
            Case(name: "wrong method on /metrics", method: .delete, uri: "/metrics", status: .methodNotAllowed, message: "not allowed"),
        ]
    }

    @Test(arguments: Backend.allCases)
    func hostileQueriesAndOpsRequestsChangeNothing(_ backend: Backend) async throws {
        let fx = try await APIFixture.make(backend, env: ["ADMIN_TOKEN": Self.admin])
        defer { Task { await fx.close() } }
        try await fx.test { client in
            #expect(try await client.upload(salesCSV()).status == .created)
            try await Self.run(Self.queryCases(), client, fx)
        }
    }

    // MARK: POST /forecast, /fit, /predict

    static func series(_ n: Int = 20, value: (Int) -> String = { "\(10 + $0 % 3)" }) -> String {
        let first = DayNumber.parse("2024-01-01")!
        return (0..<n).map { #"{"date": "\#(DayNumber.format(first + Int32($0)))", "value": \#(value($0))}"# }.joined(separator: ",")
    }

    static let nested = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)

    static func modelCases() -> [Case] {
        let points = (1...10).map(String.init).joined(separator: ",")
        var gzip = jsonHeaders
        gzip[.contentEncoding] = "gzip"
        return [
            Case(name: "forecast: text/plain", uri: "/forecast", headers: [.contentType: "text/plain"], body: json("{}"), status: .unsupportedMediaType, message: "application/json"),
            Case(name: "forecast: malformed JSON", uri: "/forecast", headers: jsonHeaders, body: json(#"{"series": [{"date": "2024-01-01", "value": 1}"#), status: .badRequest, message: "JSON"),
            Case(name: "forecast: deeply nested JSON", uri: "/forecast", headers: jsonHeaders, body: json(nested), status: .badRequest, message: "JSON"),
            Case(name: "forecast: gzip body", uri: "/forecast", headers: gzip, body: ByteBuffer(bytes: [0x1F, 0x8B, 0x08, 0x00, 0x00]), status: .unsupportedMediaType, message: "Content-Encoding"),
            Case(name: "forecast: NaN token", uri: "/forecast", headers: jsonHeaders, body: json(#"{"series": [\#(series { $0 == 3 ? "NaN" : "1" })]}"#), status: .badRequest, message: "JSON"),
            Case(name: "forecast: infinity (1e999)", uri: "/forecast", headers: jsonHeaders, body: json(#"{"series": [\#(series { $0 == 3 ? "1e999" : "1" })]}"#), status: .badRequest, message: "JSON"),
            Case(name: "forecast: impossible date", uri: "/forecast", headers: jsonHeaders,
                 body: json(#"{"series": [\#(series()), {"date": "2024-02-30", "value": 1}]}"#), status: .badRequest, message: "date"),
            Case(name: "forecast: dates going backwards", uri: "/forecast", headers: jsonHeaders,
                 body: json(#"{"series": [\#(series()), {"date": "2023-01-01", "value": 1}]}"#), status: .badRequest, message: "increasing"),
            Case(name: "forecast: no series", uri: "/forecast", headers: jsonHeaders, body: json(#"{"horizon": 5}"#), status: .badRequest, message: "missing field series"),
            Case(name: "forecast: point without a date", uri: "/forecast", headers: jsonHeaders,
                 body: json(#"{"series": [\#(series()), {"value": 1}]}"#), status: .badRequest, message: "missing field series[20].date"),
            Case(name: "forecast: value as text", uri: "/forecast", headers: jsonHeaders,
                 body: json(#"{"series": [\#(series { $0 == 3 ? "\"ten\"" : "1" })]}"#), status: .badRequest, message: "series[3].value must be a number"),
            Case(name: "forecast: horizon past Int64", uri: "/forecast", headers: jsonHeaders, body: json(#"{"series": [\#(series())], "horizon": 1e30}"#),
                 status: .badRequest, message: "horizon must be a whole number between 1 and 1000 (got 1e+30)"),
            Case(name: "forecast: negative horizon", uri: "/forecast", headers: jsonHeaders, body: json(#"{"series": [\#(series())], "horizon": -1}"#), status: .badRequest, message: "horizon"),
            Case(name: "forecast: huge horizon", uri: "/forecast", headers: jsonHeaders, body: json(#"{"series": [\#(series())], "horizon": 1000000000}"#), status: .badRequest, message: "horizon"),
            Case(name: "forecast: unknown model", uri: "/forecast", headers: jsonHeaders, body: json(#"{"series": [\#(series())], "models": ["'; DROP TABLE x"]}"#), status: .badRequest, message: "unknown model"),
            Case(name: "forecast: wrong method", method: .put, uri: "/forecast", status: .methodNotAllowed, message: "not allowed"),
            Case(name: "fit: NaN values", uri: "/fit/s1", headers: jsonHeaders, body: json(#"{"timestamps": [\#(points)], "values": [1,2,NaN,4,5,6,7,8,9,10]}"#),
                 status: .unprocessableContent, message: "NaN"),
            Case(name: "fit: infinity as text", uri: "/fit/s1", headers: jsonHeaders, body: json(#"{"timestamps": [\#(points)], "values": [1,2,"Infinity",4,5,6,7,8,9,10]}"#),
                 status: .unprocessableContent, message: "values[2]"),
            Case(name: "fit: timestamps NaN as text", uri: "/fit/s1", headers: jsonHeaders, body: json(#"{"timestamps": [1,"nan",3,4,5,6,7,8,9,10], "values": [\#(points)]}"#),
                 status: .unprocessableContent, message: "timestamps[1]"),
            Case(name: "fit: deeply nested JSON", uri: "/fit/s1", headers: jsonHeaders, body: json(nested), status: .badRequest, message: "JSON"),
            Case(name: "fit: malformed JSON", uri: "/fit/s1", headers: jsonHeaders, body: json("{\"timestamps\": [1,2"), status: .badRequest, message: "JSON"),
            Case(name: "fit: form body", uri: "/fit/s1", headers: [.contentType: "application/x-www-form-urlencoded"], body: json("a=1"), status: .unsupportedMediaType, message: "application/json"),
            Case(name: "fit: path traversal in series_id", uri: "/fit/..%2F..%2Fetc", headers: jsonHeaders,
                 body: json(#"{"timestamps": [\#(points)], "values": [\#(points)]}"#), status: .badRequest, message: "series_id"),
            Case(name: "fit: malformed escape in series_id", uri: "/fit/a%zz", headers: jsonHeaders,
                 body: json(#"{"timestamps": [\#(points)], "values": [\#(points)]}"#), status: .badRequest, message: "series_id is not valid percent-encoding"),
            Case(name: "predict: malformed escape in series_id", uri: "/predict/s1%2", headers: jsonHeaders, body: json(#"{"timestamp": 1, "value": 1}"#),
                 status: .badRequest, message: "series_id is not valid percent-encoding"),
            Case(name: "fit: 5,000-character series_id", uri: "/fit/" + String(repeating: "s", count: 5000), headers: jsonHeaders,
                 body: json(#"{"timestamps": [\#(points)], "values": [\#(points)]}"#), status: .badRequest, message: "series_id"),
            Case(name: "fit: fractional period", uri: "/fit/s1", headers: jsonHeaders,
                 body: json(#"{"timestamps": [\#(points)], "values": [\#(points)], "period": 2.5}"#), status: .badRequest, message: "period must be a whole number (got 2.5)"),
            Case(name: "fit: k is infinite", uri: "/fit/s1?k=inf", headers: jsonHeaders, body: json(#"{"timestamps": [\#(points)], "values": [\#(points)]}"#),
                 status: .badRequest, message: "k must be"),
            Case(name: "fit: wrong method", method: .get, uri: "/fit/s1", status: .methodNotAllowed, message: "not allowed"),
            Case(name: "predict: unknown version", uri: "/predict/s1?version=v99", headers: jsonHeaders, body: json(#"{"timestamp": 1, "value": 1}"#),
                 status: .notFound, message: "no version v99"),
            Case(name: "predict: negative version", uri: "/predict/s1?version=-3", headers: jsonHeaders, body: json(#"{"timestamp": 1, "value": 1}"#),
                 status: .badRequest, message: "version"),
            Case(name: "predict: huge version", uri: "/predict/s1?version=99999999999999999999999", headers: jsonHeaders, body: json(#"{"timestamp": 1, "value": 1}"#),
                 status: .badRequest, message: "version"),
            Case(name: "predict: unknown series", uri: "/predict/ghost", headers: jsonHeaders, body: json(#"{"timestamp": 1, "value": 1}"#),
                 status: .notFound, message: "no model for series"),
            Case(name: "predict: NaN value", uri: "/predict/s1", headers: jsonHeaders, body: json(#"{"timestamp": 1, "value": "NaN"}"#),
                 status: .unprocessableContent, message: "value is NaN"),
            Case(name: "predict: -Infinity value", uri: "/predict/s1", headers: jsonHeaders, body: json(#"{"timestamp": 1, "value": "-Infinity"}"#),
                 status: .unprocessableContent, message: "finite"),
            Case(name: "plot: unknown version", method: .get, uri: "/plot?series_id=s1&version=42", status: .notFound, message: "v42"),
        ]
    }

    @Test(arguments: Backend.allCases)
    func hostileForecastFitAndPredictRequestsChangeNothing(_ backend: Backend) async throws {
        let fx = try await APIFixture.make(backend)
        defer { Task { await fx.close() } }
        try await fx.test(workers: true) { client in
            let points = (1...10).map(String.init).joined(separator: ",")
            let fit = try await client.execute(uri: "/fit/s1", method: .post, headers: Self.jsonHeaders,
                                               body: Self.json(#"{"timestamps": [\#(points)], "values": [1,2,1,2,1,2,1,2,1,2]}"#))
            #expect(fit.status == .ok, "\(fit.error)")
            try await Self.run(Self.modelCases(), client, fx, series: ["s1", "ghost"])
        }
    }

    @Test(arguments: Backend.allCases)
    func repeatedJSONKeysAreNeverA500(_ backend: Backend) async throws {
        let fx = try await APIFixture.make(backend)
        defer { Task { await fx.close() } }
        try await fx.test { client in
            let before = try await Self.state(fx)
            // Which of two repeated keys counts is the JSON parser's choice; either way the answer is a valid
            // forecast for a valid horizon or a 400 naming the horizon, never a 500, and nothing is stored.
            let r = try await client.execute(uri: "/forecast", method: .post, headers: Self.jsonHeaders,
                                             body: Self.json(#"{"series": [\#(Self.series())], "horizon": 5, "horizon": -7, "models": ["holt_winters"]}"#))
            if r.status == .ok {
                #expect(r.object["horizon"] as? Int == 5)
            } else {
                #expect(r.status == .badRequest && r.error.contains("horizon"), "\(r.status) \(r.error)")
            }
            #expect(try await Self.state(fx) == before)
        }
    }

    // MARK: a lying Content-Length, on a real socket

    /// Sends `request` to the live server, half-closes, and returns what it answers (empty on a timeout).
    static func raw(port: Int, _ request: [UInt8]) throws -> String {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw EventuallyTimeout(description: "socket failed") }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 15, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw EventuallyTimeout(description: "connect failed") }
        var sent = 0
        while sent < request.count {
            let n = request.withUnsafeBytes { send(fd, $0.baseAddress! + sent, $0.count - sent, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { break }
            sent += n
        }
        shutdown(fd, Int32(SHUT_WR))
        var answer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, $0.count, 0) }
            if n <= 0 { break }
            answer += chunk[0..<n]
        }
        return String(decoding: answer, as: UTF8.self)
    }

    @Test(arguments: Backend.allCases)
    func aLyingContentLengthStoresNothing(_ backend: Backend) async throws {
        let fx = try await APIFixture.make(backend)
        defer { Task { await fx.close() } }
        let app = try AlmanacApp.buildApplication(runtime: fx.runtime)
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let body = Array(Multipart.body(file: Array(salesCSV().utf8)).readableBytesView)
            func request(declaring length: Int) -> [UInt8] {
                Array("POST /upload HTTP/1.1\r\nHost: localhost\r\nContent-Type: multipart/form-data; boundary=\(Multipart.boundary)\r\nContent-Length: \(length)\r\n\r\n".utf8) + body
            }
            let cases: [(String, Int)] = [
                ("declares 1 TiB, sends a few KB", 1 << 40),
                ("declares 5,000 bytes more than it sends", body.count + 5000),
                ("declares 100 bytes less than it sends", body.count - 100),
            ]
            for (name, length) in cases {
                let bytes = request(declaring: length)
                let answer = try await NIOThreadPool.singleton.runIfActive { try Self.raw(port: port, bytes) }
                let status = answer.split(separator: " ", maxSplits: 2).dropFirst().first.flatMap { Int($0) }
                #expect(status.map { (400..<500).contains($0) } ?? answer.isEmpty, "\(name): \(answer.prefix(300))")
                if length == 1 << 40 { #expect(status == 413 && answer.contains("limit"), "\(name): \(answer.prefix(300))") }
                if length > body.count && length < 1 << 40 {
                    #expect(status == 400 && answer.contains("ended before its declared Content-Length"), "\(name): \(answer.prefix(300))")
                }
                _ = try await eventually(timeout: .seconds(5), "\(name): nothing stored") { () -> Bool? in
                    let s = try await Self.state(fx)
                    return s.uploads.isEmpty && s.jobs.isEmpty && s.files.isEmpty ? true : nil
                }
            }
            #expect(try await client.execute(uri: "/health", method: .get, headers: [:], body: nil).status == .ok)
        }
    }

    /// A chunked body (no Content-Length) over a JSON route's 4 MiB limit: 413 naming the limit, nothing
    /// stored (it was a 500: the collector's NIOTooManyBytesError fell through to the catch-all).
    @Test(arguments: Backend.allCases)
    func aChunkedJSONBodyOverTheLimitIs413(_ backend: Backend) async throws {
        let fx = try await APIFixture.make(backend)
        defer { Task { await fx.close() } }
        let app = try AlmanacApp.buildApplication(runtime: fx.runtime)
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let before = try await Self.state(fx)
            let piece = Array(String(repeating: "1.0, ", count: 200_000).utf8)  // 1 MB a chunk, 5 MB in all
            var request = Array("POST /fit/s1 HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n".utf8)
            for _ in 0..<5 { request += Array("\(String(piece.count, radix: 16))\r\n".utf8) + piece + Array("\r\n".utf8) }
            request += Array("0\r\n\r\n".utf8)
            let bytes = request
            let answer = try await NIOThreadPool.singleton.runIfActive { try Self.raw(port: port, bytes) }
            #expect(answer.hasPrefix("HTTP/1.1 413") && answer.contains("larger than the limit for"), "\(answer.prefix(300))")
            #expect(try await Self.state(fx) == before)
            #expect(try await client.execute(uri: "/health", method: .get, headers: [:], body: nil).status == .ok)
        }
    }

    // MARK: work-schedule sessions

    func createSession(_ client: any TestClientProtocol) async throws -> String {
        let r = try await client.execute(uri: "/api/session/create", method: .post)
        #expect(r.status == .ok, "\(r.error)")
        return try #require(r.object["session_id"] as? String)
    }

    static func trainCase(_ name: String, session: String, csv: [UInt8], fields: [String: String] = ScheduleAPITests.mapping, status: HTTPResponse.Status = .badRequest, _ message: String) -> Case {
        var headers = Multipart.headers
        headers[.init("X-Session-ID")!] = session
        return Case(name: name, uri: "/api/train_models/", headers: headers,
                    body: Multipart.body(file: csv, filename: "data.csv", extraFields: fields), status: status, message: message)
    }

    static func predictCase(_ name: String, session: String?, _ body: String, status: HTTPResponse.Status = .badRequest, _ message: String) -> Case {
        var headers = jsonHeaders
        if let session { headers[.init("X-Session-ID")!] = session }
        return Case(name: name, uri: "/api/predict/", headers: headers, body: json(body), status: status, message: message)
    }

    static func sessionCases(mine: String) -> [Case] {
        let head = "ID,Date,Start Time,End Time\n"
        var jsonTrain = jsonHeaders
        jsonTrain[.init("X-Session-ID")!] = mine
        return [
            trainCase("train: empty file", session: mine, csv: [], "empty"),
            trainCase("train: missing column", session: mine, csv: Array("ID,Date,Start Time\n1,2025-01-06,08:00\n".utf8), "\"End Time\" not found"),
            trainCase("train: wrong delimiter (pipes)", session: mine, csv: Array("ID|Date|Start Time|End Time\n1|2025-01-06|08:00|17:00\n".utf8), "not found in the file header"),
            trainCase("train: impossible date", session: mine, csv: Array((head + "1,2025-02-30,08:00,17:00\n").utf8), "bad date"),
            trainCase("train: impossible time", session: mine, csv: Array((head + "1,2025-01-06,25:61,17:00\n").utf8), "bad time"),
            trainCase("train: repeated key", session: mine, csv: Array((head + "1,2025-01-06,08:00,17:00\n1,06/01/2025,09:00,18:00\n").utf8), "already has a record"),
            trainCase("train: unbalanced quote to the end", session: mine, csv: Array((head + "1,\"2025-01-06,08:00,17:00\n2,2025-01-07,08:00,17:00\n").utf8), "not valid CSV"),
            trainCase("train: NUL bytes", session: mine, csv: Array(head.utf8) + [0x31, 0x00, 0x2C] + Array("2025-01-06,08:00,17:00\n".utf8), "NUL"),
            trainCase("train: enormous id", session: mine, csv: Array((head + String(repeating: "9", count: 200_000) + ",2025-01-06,08:00,17:00\n").utf8), "longer than"),
            trainCase("train: header only", session: mine, csv: Array(head.utf8), "no data rows"),
            // Mapping fields left out name seed 000's default columns, which this file does not have.
            trainCase("train: missing mapping fields", session: mine, csv: Array("ID,Day,In,Out\n1,2025-01-06,08:00,17:00\n".utf8), fields: ["id_column": "ID"], "\"Date\", \"Start Time\", \"End Time\" not found"),
            Case(name: "train: JSON instead of a form", uri: "/api/train_models/", headers: jsonTrain, body: json("{}"), status: .unsupportedMediaType, message: "multipart/form-data"),
            trainCase("train: unknown session", session: String(repeating: "0", count: 64), csv: Array((head + "1,2025-01-06,08:00,17:00\n").utf8), status: .unauthorized, "unknown or expired session"),
            trainCase("train: 5,000-byte session id", session: String(repeating: "f", count: 5000), csv: Array((head + "1,2025-01-06,08:00,17:00\n").utf8), status: .unauthorized, "session"),
            predictCase("predict: no session", session: nil, #"{"id": "1", "target_date": "2025-06-18"}"#, status: .unauthorized, "X-Session-ID"),
            predictCase("predict: SQL as session id", session: "' OR '1'='1", #"{"id": "1", "target_date": "2025-06-18"}"#, status: .unauthorized, "unknown or expired session"),
            predictCase("predict: impossible date", session: mine, #"{"id": "1", "target_date": "31/02/2025"}"#, "target_date"),
            predictCase("predict: negative window", session: mine, #"{"id": "1", "target_date": "2025-06-18", "window_size": -1}"#, "window_size"),
            predictCase("predict: huge window", session: mine, #"{"id": "1", "target_date": "2025-06-18", "window_size": 100000000}"#, "window_size"),
            predictCase("predict: fractional window", session: mine, #"{"id": "1", "target_date": "2025-06-18", "window_size": 2.5}"#,
                        "window_size must be a whole number between 1 and 366 (got 2.5)"),
            predictCase("predict: window past Int64", session: mine, #"{"id": "1", "target_date": "2025-06-18", "window_size": 1e30}"#,
                        "window_size must be a whole number between 1 and 366 (got 1e+30)"),
            predictCase("predict: window as text", session: mine, #"{"id": "1", "target_date": "2025-06-18", "window_size": "7"}"#,
                        "window_size must be a whole number"),
            predictCase("predict: fractional id", session: mine, #"{"id": 1.5, "target_date": "2025-06-18"}"#, "id must be a string or an integer (got 1.5)"),
            predictCase("predict: id as an array", session: mine, #"{"id": [1], "target_date": "2025-06-18"}"#, "id must be a string or an integer"),
            predictCase("predict: malformed JSON", session: mine, #"{"id": "1", "target_date": "#, "JSON"),
            predictCase("predict: deeply nested JSON", session: mine, nested, "JSON"),
            predictCase("predict: missing id", session: mine, #"{"target_date": "2025-06-18"}"#, "missing field id"),
            Case(name: "predict: text/plain", uri: "/api/predict/", headers: [.contentType: "text/plain", .init("X-Session-ID")!: mine],
                 body: json("id=1"), status: .unsupportedMediaType, message: "application/json"),
            Case(name: "session info: wrong method", method: .delete, uri: "/api/session/info", status: .methodNotAllowed, message: "not allowed"),
            Case(name: "session cleanup without admin token", uri: "/api/session/cleanup", status: .unauthorized, message: "X-Admin-Token"),
        ]
    }

    @Test(arguments: Backend.allCases)
    func hostileSessionRequestsChangeNothingAndAnotherSessionsIdsAreUnknown(_ backend: Backend) async throws {
        let fx = try await APIFixture.make(backend, env: ["ADMIN_TOKEN": Self.admin])
        defer { Task { await fx.close() } }
        try await fx.test(workers: true) { client in
            let theirs = try await createSession(client)
            let mine = try await createSession(client)
            // Their session has entity "1" trained; mine has entity "77" only.
            var headers = Multipart.headers
            headers[.init("X-Session-ID")!] = theirs
            let trained = try await client.execute(uri: "/api/train_models/", method: .post, headers: headers,
                                                   body: Multipart.body(file: Array(ScheduleAPITests.csv().utf8), filename: "data.csv", extraFields: ScheduleAPITests.mapping))
            #expect(trained.status == .ok, "\(trained.error)")
            headers[.init("X-Session-ID")!] = mine
            let own = ScheduleAPITests.csv().replacingOccurrences(of: "\n1,", with: "\n77,").replacingOccurrences(of: "\n2,", with: "\n78,")
            let mineTrained = try await client.execute(uri: "/api/train_models/", method: .post, headers: headers,
                                                       body: Multipart.body(file: Array(own.utf8), filename: "data.csv", extraFields: ScheduleAPITests.mapping))
            #expect(mineTrained.status == .ok, "\(mineTrained.error)")
            try await Self.run(Self.sessionCases(mine: mine), client, fx, sessions: [theirs, mine])
            // Their entity from my session: the same 404 as an id nobody has, no hint that it exists elsewhere.
            let before = try await Self.state(fx, sessions: [theirs, mine])
            let cross = try await client.execute(uri: "/api/predict/", method: .post, headers: [.contentType: "application/json", .init("X-Session-ID")!: mine],
                                                 body: Self.json(#"{"id": "1", "target_date": "2025-06-18"}"#))
            let nobody = try await client.execute(uri: "/api/predict/", method: .post, headers: [.contentType: "application/json", .init("X-Session-ID")!: mine],
                                                  body: Self.json(#"{"id": "4242", "target_date": "2025-06-18"}"#))
            #expect(cross.status == .notFound && nobody.status == .notFound)
            #expect(cross.error.replacingOccurrences(of: "\"1\"", with: "\"4242\"") == nobody.error, "\(cross.error) vs \(nobody.error)")
            #expect(!String(buffer: cross.body).contains(theirs.prefix(16)))
            #expect(try await Self.state(fx, sessions: [theirs, mine]) == before)
            // And their records are still theirs.
            let theirsOK = try await client.execute(uri: "/api/predict/", method: .post, headers: [.contentType: "application/json", .init("X-Session-ID")!: theirs],
                                                    body: Self.json(#"{"id": "1", "target_date": "2025-06-18"}"#))
            #expect(theirsOK.status == .ok, "\(theirsOK.error)")
        }
    }
}
