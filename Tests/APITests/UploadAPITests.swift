import Config
import Foundation
import Hummingbird
import HummingbirdTesting
import Jobs
import Workflows
import Store
import TestSupport
import Testing

/// Seed 003's contract for `POST /upload` and the queries, against both backends. No workers run here:
/// these tests look at what the request itself decides and records.
@Suite("Upload API", .serialized)
struct UploadAPITests {
    @Test(arguments: Backend.allCases)
    func acceptedUploadIsRecordedAndQueued(_ backend: Backend) async throws {
        let fx = try await APIFixture.make(backend)
        defer { Task { await fx.close() } }
        try await fx.test { client in
            let r = try await client.upload(salesCSV(), filename: "../../etc/My Sales (Q1).csv")
            #expect(r.status == .created)
            #expect(r.object["message"] as? String == "file accepted")
            let batch = try #require(r.object["batch_num"] as? String)
            // The stem is sanitised: no path, no spaces or brackets reach the file system.
            #expect(batch.hasPrefix("My_Sales_Q1_") || batch.hasPrefix("My_Sales__Q1_"), "\(batch)")
            let meta = try await client.get("/metadata/\(batch)")
            #expect(meta.status == .ok)
            #expect(meta.object["status"] as? String == "uploaded")
            #expect(meta.object["original_filename"] as? String != nil)
            let stored = try #require(meta.object["stored_filename"] as? String)
            #expect(!stored.contains("/") && stored.hasSuffix(".csv"))
            #expect(try fx.uploadedFiles().contains(stored))
            let hash = try #require(meta.object["file_hash"] as? String)
            #expect(hash.count == 64 && stored.contains(String(hash.prefix(8))))
            for field in ["uploaded_at", "num_total_rows", "num_inserted_rows", "num_updated_rows", "num_missing_rows", "num_imputed_rows", "error_log"] {
                #expect(meta.object.keys.contains(field), "metadata lacks \(field)")
            }
            let list = try await client.get("/metadata")
            #expect(list.array.map { $0["batch_num"] as? String } == [batch])
            let job = try await client.get("/jobs/etl-\(batch)")
            #expect(job.status == .ok)
            #expect(job.object["type"] as? String == "etl")
            #expect(try await fx.runtime.queue.depth(of: "etl_queue").ready == 1)
        }
    }

    @Test(arguments: Backend.allCases)
    func headerNamesMatchInAnyCaseAndOrderWithBOMCRLFAndExtraColumns(_ backend: Backend) async throws {
        let fx = try await APIFixture.make(backend)
        defer { Task { await fx.close() } }
        try await fx.test { client in
            let csv = "\u{FEFF}SALES,Category,extra,DATE,Product_ID\r\n12.5,a,x,2024-01-02,p1\r\n"
            let r = try await client.upload(csv)
            #expect(r.status == .created, "\(r.error)")
        }
    }

    @Test(arguments: Backend.allCases)
    func badFilesAreRefusedNamingTheProblemAndNothingIsStored(_ backend: Backend) async throws {
        let fx = try await APIFixture.make(backend)
        defer { Task { await fx.close() } }
        try await fx.test { client in
            let cases: [(String, [UInt8], String)] = [
                ("empty", [], "empty"),
                ("missing column", Array("Date,product_id,sales\n2024-01-01,p,1\n".utf8), "category"),
                ("not UTF-8", [0x44, 0x61, 0x74, 0x65, 0x2C, 0xFF, 0xFE, 0x0A, 0x31, 0x0A], "UTF-8"),
                ("no data rows", Array("Date,product_id,category,sales\n".utf8), "no data rows"),
                ("binary", [0x00, 0x01, 0x02, 0x03], "binary"),
            ]
            for (name, bytes, expected) in cases {
                let r = try await client.execute(uri: "/upload", method: .post, headers: Multipart.headers, body: Multipart.body(file: bytes))
                #expect(r.status == .badRequest, "\(name): \(r.status)")
                #expect(r.error.contains(expected), "\(name): \(r.error)")
            }
            #expect(try await client.get("/metadata").array.isEmpty)
            #expect(try fx.uploadedFiles().isEmpty, "a refused upload left a file behind")
        }
    }

    @Test(arguments: Backend.allCases)
    func malformedRequestsGet415And400And405(_ backend: Backend) async throws {
        let fx = try await APIFixture.make(backend)
        defer { Task { await fx.close() } }
        try await fx.test { client in
            let json = try await client.execute(uri: "/upload", method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(string: "{}"))
            #expect(json.status == .unsupportedMediaType)
            #expect(!json.error.isEmpty)
            let noFile = try await client.execute(
                uri: "/upload", method: .post, headers: Multipart.headers, body: Multipart.body(file: Array(salesCSV().utf8), field: "document"))
            #expect(noFile.status == .badRequest)
            #expect(noFile.error.contains("file"), "\(noFile.error)")
            let wrongMethod = try await client.execute(uri: "/upload", method: .get)
            #expect(wrongMethod.status == .methodNotAllowed)
            #expect(wrongMethod.headers[.allow]?.contains("POST") == true)
            #expect(!wrongMethod.error.isEmpty)
            let unknown = try await client.get("/no-such-route")
            #expect(unknown.status == .notFound)
            #expect(!unknown.error.isEmpty)
            let badMode = try await client.upload(salesCSV(), query: "?on_error=maybe")
            #expect(badMode.status == .badRequest)
            #expect(badMode.error.contains("on_error"))
            #expect(try await client.get("/metadata").array.isEmpty)
            #expect(try fx.uploadedFiles().isEmpty)
        }
    }

    @Test(arguments: Backend.allCases)
    func curlsExpectContinueIsAnsweredAtOnce(_ backend: Backend) async throws {
        // curl sends `Expect: 100-continue` with a body over 1 MB and, unanswered, waits a second before the body.
        let fx = try await APIFixture.make(backend, env: ["PORT": String(try TestEnvironment.freePort())])
        defer { Task { await fx.close() } }
        let csv = fx.directory + "/big.csv"
        var text = "Date,product_id,category,sales\n"
        for i in 0..<60_000 { text += "2024-01-\(String(format: "%02d", i % 28 + 1)),P\(i),C\(i % 7),\(i % 100).5\n" }
        try text.write(toFile: csv, atomically: true, encoding: .utf8)
        try await fx.test(live: true) { client in
            let port = try #require(client.port)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
            process.arguments = ["-sv", "-o", "/dev/null", "-w", "%{http_code}", "-F", "file=@\(csv)", "http://127.0.0.1:\(port)/upload"]
            let out = Pipe(), err = Pipe()
            process.standardOutput = out
            process.standardError = err
            try process.run()
            let status = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            let trace = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            #expect(trace.contains("> Expect: 100-continue"), "curl did not ask: \(trace.prefix(2000))")
            #expect(trace.contains("< HTTP/1.1 100 Continue"), "\(trace.prefix(2000))")
            #expect(status == "201", "\(trace.suffix(2000))")
        }
    }

    @Test(arguments: Backend.allCases)
    func aNonASCIIPartHeaderNameIsA400NotACrash(_ backend: Backend) async throws {
        let fx = try await APIFixture.make(backend)
        defer { Task { await fx.close() } }
        try await fx.test { client in
            // multipart-kit traps on a header-name byte above 0x7F; the guard answers 400 before it sees one.
            var bad = ByteBuffer(string: "--\(Multipart.boundary)\r\nCont")
            bad.writeBytes([0xC3, 0xA9])
            bad.writeString("nt: a\r\n\r\nhello\r\n--\(Multipart.boundary)--\r\n")
            let refused = try await client.execute(uri: "/upload", method: .post, headers: Multipart.headers, body: bad)
            #expect(refused.status == .badRequest)
            #expect(refused.error.contains("header name"), "\(refused.error)")
            #expect(try await client.get("/metadata").array.isEmpty)
            #expect(try fx.uploadedFiles().isEmpty)
            // Non-ASCII in a header value (the file name) and in the body is fine, even a body line that
            // repeats the boundary's dashes.
            let csv = "Date,product_id,category,sales\n2024-01-01,P-é,Café --\(Multipart.boundary)x,1.5\n"
            let accepted = try await client.upload(csv, filename: "ventes-été.csv")
            #expect(accepted.status == .created, "\(accepted.error)")
            // An epilogue after the closing boundary is ignored, as the parser ignores it, whatever its bytes.
            var epilogue = Multipart.body(file: Array("Date,product_id,category,sales\n2024-02-01,P-1,Épicerie,2\n".utf8))
            epilogue.writeBytes(Array("Notä: header-like text\r\n".utf8))
            let withEpilogue = try await client.execute(uri: "/upload", method: .post, headers: Multipart.headers, body: epilogue)
            #expect(withEpilogue.status == .created, "\(withEpilogue.error)")
            // The server is still there.
            #expect(try await client.get("/health").status == .ok)
        }
    }

    @Test(arguments: Backend.allCases)
    func overTheSizeLimitIs413AndLeavesNothing(_ backend: Backend) async throws {
        let fx = try await APIFixture.make(backend, env: ["MAX_UPLOAD_BYTES": "2048"])
        defer { Task { await fx.close() } }
        try await fx.test { client in
            let big = salesCSV(days: 200)
            #expect(big.utf8.count > 2048)
            let r = try await client.upload(big)
            #expect(r.status == .contentTooLarge)
            #expect(r.error.contains("2048"), "\(r.error)")
            #expect(try await client.get("/metadata").array.isEmpty)
            #expect(try fx.uploadedFiles().isEmpty, "the partial file was not deleted")
            let small = try await client.upload("Date,product_id,category,sales\n2024-01-01,p,c,1\n")
            #expect(small.status == .created)
        }
    }

    @Test(arguments: Backend.allCases)
    func duplicatesAre409NamingTheOriginalWhateverTheName(_ backend: Backend) async throws {
        let fx = try await APIFixture.make(backend)
        defer { Task { await fx.close() } }
        try await fx.test { client in
            let csv = salesCSV()
            let first = try await client.upload(csv, filename: "a.csv")
            let batch = try #require(first.object["batch_num"] as? String)
            let again = try await client.upload(csv, filename: "other-name.csv")
            #expect(again.status == .conflict)
            #expect(again.error == "duplicate file")
            #expect(again.object["batch_num"] as? String == batch)
            // Ten identical uploads at once: the unique constraint lets exactly one through.
            let fresh = salesCSV(scale: 2)
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for i in 0..<10 { group.addTask { try await client.upload(fresh, filename: "same-\(i).csv").status } }
                var out: [HTTPResponse.Status] = []
                for try await s in group { out.append(s) }
                return out
            }
            #expect(statuses.filter { $0 == .created }.count == 1)
            #expect(statuses.filter { $0 == .conflict }.count == 9)
            #expect(try await client.get("/metadata").array.count == 2)
            #expect(try fx.uploadedFiles().count == 2)
        }
    }

    @Test func aRetryInTheSecondOfTheFailedBatchGetsANumberedName() async throws {
        let fx = try await APIFixture.make(.embedded)
        defer { Task { await fx.close() } }
        let csv = salesCSV(scale: 3)
        let hash = SHA256Hex.digest(csv)
        let store = fx.runtime.store
        // Failed batches under the names this upload gets in this second or the next two (the name holds the second).
        let now = Int(Date().timeIntervalSince1970)
        for second in now...(now + 2) {
            for name in ["sales_\(second)_\(hash.prefix(8))", "sales_\(second)_\(hash.prefix(8))-retry2"] {
                let job = NewJob(id: "etl-" + name, type: "etl", queue: "etl_queue", payload: "{}")
                let inserted = try await store.insertUpload(
                    NewUpload(batchNum: name, originalFilename: "sales.csv", storedFilename: name + ".csv", fileHash: hash, onError: .fail, requestID: nil),
                    job: job)
                guard case .accepted = inserted else { Issue.record("\(name): \(inserted)"); return }
                guard case .failed = try await store.ingest(batchNum: name, produce: { _ in ScanSummary(fatal: "unreadable") }) else {
                    Issue.record("\(name) did not fail"); return
                }
            }
        }
        try await fx.test { client in
            let r = try await client.upload(csv)
            #expect(r.status == .created, "\(r.error)")
            let batch = try #require(r.object["batch_num"] as? String)
            #expect(batch.hasPrefix("sales_") && batch.hasSuffix("_\(hash.prefix(8))-retry3"), "\(batch)")
            #expect(try await client.get("/metadata/\(batch)").object["status"] as? String == "uploaded")
            #expect(try await client.upload(csv).object["batch_num"] as? String == batch)
        }
    }

    @Test(arguments: Backend.allCases)
    func queryParametersAreValidated(_ backend: Backend) async throws {
        let fx = try await APIFixture.make(backend)
        defer { Task { await fx.close() } }
        try await fx.test { client in
            let bad: [(String, String)] = [
                ("/invoice-data?limit=-1", "limit"),
                ("/invoice-data?limit=abc", "limit"),
                ("/invoice-data?limit=100001", "limit"),
                ("/invoice-data?offset=-3", "offset"),
                ("/invoice-data?start_date=2024-02-30", "start_date"),
                ("/invoice-data?end_date=yesterday", "end_date"),
                ("/forecast-data?model_type=lstm", "model_type"),
                ("/forecast-data?start_date=2023-13-01", "start_date"),
                ("/metadata?limit=x", "limit"),
            ]
            for (uri, name) in bad {
                let r = try await client.get(uri)
                #expect(r.status == .badRequest, "\(uri): \(r.status)")
                #expect(r.error.contains(name), "\(uri): \(r.error)")
            }
            #expect(try await client.get("/invoice-data?limit=100000&offset=0&start_date=2024-02-29").status == .ok)
            #expect(try await client.get("/forecast-data?model_type=holt_winters").status == .ok)
            let missing = try await client.get("/metadata/nope_123")
            #expect(missing.status == .notFound)
            #expect(!missing.error.isEmpty)
            let health = try await client.get("/health")
            #expect(health.object["status"] as? String == "ok")
        }
    }
}
