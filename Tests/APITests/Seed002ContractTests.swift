@testable import API
import Foundation
import Store
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
        // The retry statistics below must see no retry. Under test.sh's load one run saw the ETL job delivered twice
        // with the fixture's 1 s sweeper idle limit (stop 30; most likely a heartbeat late behind the embedded
        // ingest, not established), so the sweeper waits 30 s here; redelivery has its own tests.
        let fx = try await APIFixture.make(backend, env: ["API_KEYS": Self.key, "FORECAST_HORIZON": "7", "REQUEUE_AFTER_SECONDS": "30"])
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

            // The code's models-configs spelling over the same parameter sets.
            let uploaded = try await client.execute(uri: "/api/v1/models-configs/configs/upload", method: .post, headers: json, body: ByteBuffer(
                string: #"{"json_payload":{"model_type":"sarimax","name":"plain","parameters":{"period":7}},"is_active":false}"#))
            #expect(uploaded.status == .ok, "\(String(buffer: uploaded.body))")
            let configID = try #require(uploaded.object["config_id"] as? String)
            #expect(uploaded.object["is_active"] as? Bool == false)
            #expect((uploaded.object["config"] as? [String: Any])?["model_type"] as? String == "sarimax")
            let setActive = try await client.execute(uri: "/api/v1/models-configs/configs/\(configID)/set-active", method: .post, headers: Self.headers)
            #expect(setActive.object["success"] as? Bool == true, "\(String(buffer: setActive.body))")
            #expect(try await get("/api/v1/models-configs/configs/active").object["config_id"] as? String == configID)
            let listed = try await get("/api/v1/models-configs/configs?limit=10").array
            #expect(listed.count == 2 && listed.contains { $0["config_id"] as? String == configID && $0["is_active"] as? Bool == true })
            let noConfig = try await client.execute(uri: "/api/v1/models-configs/configs/999999/set-active", method: .post, headers: Self.headers)
            #expect(noConfig.status == .notFound)
            #expect((noConfig.object["error"] as? [String: Any])?["code"] as? String == "config_not_found")
            let noPayload = try await client.execute(uri: "/api/v1/models-configs/configs/upload", method: .post, headers: json, body: ByteBuffer(string: "{}"))
            #expect(noPayload.status == .badRequest)
            #expect(((noPayload.object["error"] as? [String: Any])?["message"] as? String)?.contains("json_payload") == true)

            // Retry statistics in the seed's RetryStatsResponse: nothing was retried here.
            let stats = try await get("/health/retry-stats").object
            for key in ["total_retries", "successful_retries", "exhausted_retries", "successful_after_retry"] {
                #expect(stats[key] as? Int == 0, "\(key) in \(stats)")
            }
            #expect(stats["high_failure_operations"] as? [String] == [])
            #expect(((stats["operation_stats"] as? [String: Any])?["data_upload"] as? [String: Any])?["total_jobs"] as? Int == 1, "\(stats)")
            #expect(stats["exception_stats"] is [String: Any] && stats["timestamp"] is String)
            let reset = try await client.execute(uri: "/health/retry-stats/reset", method: .post, headers: Self.headers)
            #expect(reset.object["status"] as? String == "ok")
        }
    }

    static func job(_ type: String, _ status: JobStatusForTest, attempts: Int, error: String? = nil) -> JobRecord {
        let fields: [String: Any] = [
            "id": UUID().uuidString, "type": type, "queue": "q", "status": status.status.rawValue, "progress": 1.0, "attempts": attempts,
            "payload": "{}", "error": error as Any? ?? NSNull(), "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z",
        ]
        // swiftlint:disable:next force_try
        return try! JSONDecoder().decode(JobRecord.self, from: JSONSerialization.data(withJSONObject: fields))
    }

    enum JobStatusForTest { case ok, failed, queued
        var status: JobStatus { switch self { case .ok: .completed; case .failed: .failed; case .queued: .queued } }
    }

    @Test("retry statistics counted by hand: retries, successes after a retry, exhausted jobs, high-failure operations, a reset")
    func retryStatisticsByHand() {
        let jobs = [
            Self.job("etl", .ok, attempts: 1), Self.job("etl", .ok, attempts: 3), Self.job("etl", .failed, attempts: 3, error: "bad file"),
            Self.job("forecast", .failed, attempts: 1, error: "bad file"), Self.job("forecast", .failed, attempts: 3, error: "timeout"),
            Self.job("forecast", .failed, attempts: 3, error: "timeout"), Self.job("forecast", .ok, attempts: 2), Self.job("forecast", .ok, attempts: 1),
            Self.job("anomaly_fit", .queued, attempts: 0),
        ]
        let stats = Seed002Routes.retryStats(jobs, maxAttempts: 3, baseline: [:])
        #expect(stats["total_retries"] as? Int == 2 + 2 + 2 + 2 + 1)
        #expect(stats["successful_after_retry"] as? Int == 2)
        #expect(stats["successful_retries"] as? Int == 3)
        #expect(stats["exhausted_retries"] as? Int == 3)
        #expect(stats["high_failure_operations"] as? [String] == ["prediction"])
        let prediction = (stats["operation_stats"] as? [String: Any])?["prediction"] as? [String: Any]
        #expect(prediction?["total_jobs"] as? Int == 5 && prediction?["failed_jobs"] as? Int == 3 && prediction?["failure_rate"] as? Double == 0.6)
        let bad = (stats["exception_stats"] as? [String: Any])?["bad file"] as? [String: Any]
        #expect(bad?["count"] as? Int == 2 && bad?["operations"] as? [String] == ["data_upload", "prediction"])
        let since = Seed002Routes.retryStats(jobs, maxAttempts: 3, baseline: ["total_retries": 5, "exhausted_retries": 3])
        #expect(since["total_retries"] as? Int == 4 && since["exhausted_retries"] as? Int == 0)
    }
}
