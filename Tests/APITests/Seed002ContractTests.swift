import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// Seed 002's (Plastinka) client against its `/api/v1` routes: `X-API-Key`, `{"jobs", "total"}` with its job
/// types and statuses, `JobDetails`, the model-params spellings, and its `error.message` / `detail` errors.
@Suite(.serialized)
struct Seed002ContractTests {
    static let key = "plastinka-key-0123456789"
    static let headers: HTTPFields = [.init("X-API-Key")!: key]

    @Test(arguments: Backend.allCases)
    func jobsAndModelParamsAnswerInTheSeedsShapes(_ backend: Backend) async throws {
        let fx = try await APIFixture.make(backend, env: ["API_KEYS": Self.key, "FORECAST_HORIZON": "7"])
        defer { Task { await fx.close() } }
        try await fx.test(workers: true) { client in
            @Sendable func get(_ uri: String) async throws -> TestResponse { try await client.execute(uri: uri, method: .get, headers: Self.headers) }
            // Without the key: 401, in the seed's error shape.
            let anonymous = try await client.get("/api/v1/jobs")
            #expect(anonymous.status == .unauthorized)

            var form = Multipart.headers
            form[.init("X-API-Key")!] = Self.key
            let up = try await client.execute(uri: "/upload", method: .post, headers: form, body: Multipart.body(file: Array(salesCSV(days: 40).utf8)))
            #expect(up.status == .created, "\(up.error)")
            let batch = try #require(up.object["batch_num"] as? String)
            _ = try await eventually("the upload's job completed") { () -> Bool? in
                try await get("/api/v1/jobs/etl-\(batch)").object["status"] as? String == "completed" ? true : nil
            }
            let etl = try await get("/api/v1/jobs/etl-\(batch)").object
            #expect(etl["job_id"] as? String == "etl-\(batch)")
            #expect(etl["job_type"] as? String == "data_upload")
            #expect(etl["progress"] as? Double == 1)
            #expect(etl["created_at"] is String && etl["updated_at"] is String)
            #expect(etl["error"] is NSNull)
            #expect((etl["result"] as? [String: Any])?["inserted"] as? Int == 80, "\(etl)")

            let all = try await get("/api/v1/jobs").object
            let jobs = try #require(all["jobs"] as? [[String: Any]])
            #expect(all["total"] as? Int == jobs.count)
            #expect(jobs.contains { $0["job_id"] as? String == "etl-\(batch)" })
            let uploads = try #require(try await get("/api/v1/jobs?job_type=data_upload&status=completed&limit=5").object["jobs"] as? [[String: Any]])
            #expect(uploads.count == 1 && uploads.allSatisfy { $0["job_type"] as? String == "data_upload" })
            let predictions = try #require(try await get("/api/v1/jobs?job_type=prediction").object["jobs"] as? [[String: Any]])
            #expect(predictions.allSatisfy { $0["job_type"] as? String == "prediction" })
            #expect(!predictions.isEmpty)

            // Errors: the seed's ErrorDetail under error and detail.
            let missing = try await get("/api/v1/jobs/nope")
            #expect(missing.status == .notFound)
            let error = try #require(missing.object["error"] as? [String: Any])
            #expect(error["code"] as? String == "job_not_found")
            #expect((error["message"] as? String)?.contains("nope") == true)
            #expect(error["status_code"] as? Int == 404)
            #expect((missing.object["detail"] as? [String: Any])?["code"] as? String == "job_not_found")
            let badType = try await get("/api/v1/jobs?job_type=cooking")
            #expect(badType.status == .unprocessableContent)
            #expect(((badType.object["error"] as? [String: Any])?["message"] as? String)?.contains("job_type") == true)
            let unknown = try await get("/api/v1/jobs?page=2")
            #expect(unknown.status == .badRequest)
            #expect(((unknown.object["error"] as? [String: Any])?["message"] as? String)?.contains("page") == true)

            // Model parameter sets under /api/v1, the same store as /model-params.
            var json = Self.headers
            json[.contentType] = "application/json"
            let created = try await client.execute(uri: "/api/v1/model-params", method: .post, headers: json,
                                                   body: ByteBuffer(string: #"{"model_type":"holt_winters","name":"weekly","parameters":{"period":7}}"#))
            #expect(created.status == .created, "\(String(buffer: created.body))")
            let id = try #require(created.object["id"] as? Int)
            let activated = try await client.execute(uri: "/api/v1/model-params/\(id)/activate", method: .put, headers: Self.headers)
            #expect(activated.status == .ok)
            #expect(try await get("/model-params").array.contains { $0["id"] as? Int == id && $0["is_active"] as? Bool == true })
            let bad = try await client.execute(uri: "/api/v1/model-params", method: .post, headers: json, body: ByteBuffer(string: "[1]"))
            #expect(bad.status == .badRequest)
            #expect((bad.object["error"] as? [String: Any])?["code"] as? String == "validation_error")
        }
    }
}
