@testable import API
import Config
import Crypto
import Foundation
import Hummingbird
import HummingbirdTesting
import Jobs
import NIOCore
import Models
import NIOPosix
import Observability
import Workflows
import Store
import Testing

/// Issue 7: access control, limits, CORS, the operator endpoints and the OpenAPI document, on both backends.
@Suite("Ops API", .serialized)
struct OpsAPITests {
    static let keys = ["API_KEYS": "first-key-0123456789, second-key-abcdef", "ADMIN_TOKEN": "admin-secret-token"]

    @Test(arguments: Backend.allCases)
    func apiKeysAreRequiredOnEveryRouteButTheProbes(_ backend: Backend) async throws {
        let fx = try await APIFixture.make(backend, env: Self.keys)
        defer { Task { await fx.close() } }
        #expect(fx.runtime.config.host == "0.0.0.0")
        #expect(fx.runtime.config.apiKeyHashes.allSatisfy { $0.count == 64 && !$0.contains("key") })
        try await fx.test { client in
            #expect(try await client.get("/health").status == .ok)
            #expect(try await client.get("/ready").status == .ok)
            #expect(try await client.get("/openapi.json").status == .ok)
            let missing = try await client.get("/jobs")
            #expect(missing.status == .unauthorized)
            #expect(missing.error.contains("missing API key"), "\(missing.error)")
            #expect(missing.headers[.wwwAuthenticate] == "Bearer")
            let wrong = try await client.execute(uri: "/jobs", method: .get, headers: [.authorization: "Bearer first-key-012345678"])
            #expect(wrong.status == .unauthorized)
            #expect(wrong.error == "invalid API key")
            let basic = try await client.execute(uri: "/jobs", method: .get, headers: [.authorization: "Basic Zm9vOmJhcg=="])
            #expect(basic.status == .unauthorized)
            #expect(basic.error.contains("Bearer"))
            let bearer = try await client.execute(uri: "/jobs", method: .get, headers: [.authorization: "Bearer first-key-0123456789"])
            #expect(bearer.status == .ok, "\(bearer.error)")
            let header = try await client.execute(uri: "/categories", method: .get, headers: [.apiKey: "second-key-abcdef"])
            #expect(header.status == .ok, "\(header.error)")
            // A refused upload stores nothing.
            let upload = try await client.upload(salesCSV())
            #expect(upload.status == .unauthorized)
            #expect(try fx.uploadedFiles().isEmpty)
            #expect(try await fx.runtime.store.uploads(limit: 10, offset: 0).isEmpty)
        }
    }

    @Test func withoutKeysTheServerListensOnLoopbackAndAdminNeedsTheToken() async throws {
        let fx = try await APIFixture.make(.embedded, env: ["ADMIN_TOKEN": "admin-secret-token"])
        defer { Task { await fx.close() } }
        #expect(fx.runtime.config.host == "127.0.0.1")
        try await fx.test { client in
            #expect(try await client.get("/jobs").status == .ok)
            let noToken = try await client.get("/admin/retention")
            #expect(noToken.status == .unauthorized)
            #expect(noToken.error.contains("X-Admin-Token"))
            let wrong = try await client.execute(uri: "/admin/retention", method: .get, headers: [.adminToken: "admin-secret-toke"])
            #expect(wrong.status == .unauthorized)
            #expect(wrong.error.contains("invalid"))
            // The router skips empty segments, so a doubled slash reaches the same handlers: still no way in.
            for path in ["//admin/retention", "/admin//retention", "//api/session/cache-info", "/api//session/cache-info/"] {
                let doubled = try await client.get(path)
                #expect(doubled.status == .unauthorized, "\(path): \(doubled.status)")
            }
            #expect(try await client.execute(uri: "//admin/retention/run", method: .post).status == .unauthorized)
        }
        // No ADMIN_TOKEN: an ephemeral token is generated, different on each start.
        let a = AccessPolicy.make(config: fx.runtime.config.withoutAdminToken, logger: fx.runtime.logger)
        let b = AccessPolicy.make(config: fx.runtime.config.withoutAdminToken, logger: fx.runtime.logger)
        #expect(a.adminTokenHash != b.adminTokenHash)
        #expect(AccessPolicy(apiKeyHashes: [], adminToken: "x").isAdmin("x"))
        #expect(!AccessPolicy(apiKeyHashes: [], adminToken: "x").isAdmin("y"))
    }

    @Test(arguments: [false, true])
    func headAnswersEveryGetRouteAsGetDoesWithoutABody(_ live: Bool) async throws {
        let fx = try await APIFixture.make(.embedded, env: Self.keys)
        defer { Task { await fx.close() } }
        try await fx.test(live: live) { client in
            let key: HTTPFields = [.apiKey: "second-key-abcdef"]
            var form = Multipart.headers
            form[.apiKey] = "second-key-abcdef"
            let upload = try await client.execute(uri: "/upload", method: .post, headers: form, body: Multipart.body(file: Array(salesCSV().utf8)))
            #expect(upload.status == .created, "\(upload.error)")
            for uri in ["/health", "/metadata"] {
                let get = try await client.execute(uri: uri, method: .get, headers: key)
                let head = try await client.execute(uri: uri, method: .head, headers: key)
                #expect(get.status == .ok && get.body.readableBytes > 2, "\(uri): \(get.status)")
                #expect(head.status == get.status, "\(uri): \(head.status)")
                #expect(head.headers[.contentType] == get.headers[.contentType], "\(uri)")
                #expect(head.headers[.contentLength] == String(get.body.readableBytes), "\(uri)")
                #expect(head.body.readableBytes == 0, "\(uri)")
            }
            // Errors answer HEAD with their status and headers, and no body either.
            let refused = try await client.execute(uri: "/metadata", method: .head)
            #expect(refused.status == .unauthorized)
            #expect(refused.headers[.wwwAuthenticate] == "Bearer")
            #expect(refused.body.readableBytes == 0)
            // A route without GET has no HEAD: the 405's Allow does not offer it.
            let postOnly = try await client.execute(uri: "/upload", method: .head, headers: key)
            #expect(postOnly.status == .methodNotAllowed)
            #expect(postOnly.headers[.allow] == "POST")
            #expect(postOnly.body.readableBytes == 0)
        }
    }

    @Test(arguments: Backend.allCases)
    func rateLimitIsPerClientWith429AndRetryAfter(_ backend: Backend) async throws {
        var env = Self.keys
        env["RATE_LIMIT_PER_MINUTE"] = "3"
        let fx = try await APIFixture.make(backend, env: env)
        defer { Task { await fx.close() } }
        try await fx.test { client in
            let first: HTTPFields = [.apiKey: "first-key-0123456789"]
            for _ in 0..<3 { #expect(try await client.execute(uri: "/categories", method: .get, headers: first).status == .ok) }
            let limited = try await client.execute(uri: "/categories", method: .get, headers: first)
            #expect(limited.status == .tooManyRequests)
            #expect(limited.error.contains("3 requests per minute"))
            let retry = try #require(limited.headers[.retryAfter].flatMap { Int($0) })
            #expect(retry >= 1 && retry <= 20)
            // Another key has its own budget, and probes are never limited.
            #expect(try await client.execute(uri: "/categories", method: .get, headers: [.apiKey: "second-key-abcdef"]).status == .ok)
            for _ in 0..<5 { #expect(try await client.get("/health").status == .ok) }
        }
        let limiter = RateLimiter(perMinute: 60)
        for _ in 0..<60 { #expect(limiter.take(client: "c", now: 1000) == nil) }
        #expect(limiter.take(client: "c", now: 1000) == 1)
        #expect(limiter.take(client: "c", now: 1001) == nil)
    }

    @Test(arguments: Backend.allCases)
    func oversizedHeadersAndBodiesAreRefused(_ backend: Backend) async throws {
        let fx = try await APIFixture.make(backend, env: ["MAX_UPLOAD_BYTES": "2048"])
        defer { Task { await fx.close() } }
        try await fx.test { client in
            let big = String(repeating: "x", count: 20_000)
            let headers = try await client.execute(uri: "/jobs", method: .get, headers: [.init("X-Padding")!: big])
            #expect(headers.status == .requestHeaderFieldsTooLarge)
            #expect(headers.error.contains("headers"))
            let body = ByteBuffer(repeating: UInt8(ascii: " "), count: 5 * 1024 * 1024)
            let json = try await client.execute(uri: "/forecast", method: .post, headers: [.contentType: "application/json"], body: body)
            #expect(json.status == .contentTooLarge)
            let upload = try await client.upload(salesCSV(days: 60))
            #expect(upload.status == .contentTooLarge)
            #expect(upload.error.contains("2048"))
            #expect(try fx.uploadedFiles().isEmpty)
        }
    }

    @Test func corsAnswersPreflightsForConfiguredOriginsOnly() async throws {
        let fx = try await APIFixture.make(.embedded, env: ["CORS_ORIGINS": "https://bi.example.com"])
        defer { Task { await fx.close() } }
        try await fx.test { client in
            let preflight = try await client.execute(uri: "/jobs", method: .options, headers: [
                .origin: "https://bi.example.com", .accessControlRequestMethod: "GET",
            ])
            #expect(preflight.status == .noContent)
            #expect(preflight.headers[.accessControlAllowOrigin] == "https://bi.example.com")
            #expect(preflight.headers[.accessControlAllowHeaders]?.contains("X-API-Key") == true)
            let other = try await client.execute(uri: "/jobs", method: .options, headers: [
                .origin: "https://evil.example.com", .accessControlRequestMethod: "GET",
            ])
            #expect(other.status == .forbidden)
            let get = try await client.execute(uri: "/jobs", method: .get, headers: [.origin: "https://bi.example.com"])
            #expect(get.status == .ok)
            #expect(get.headers[.accessControlAllowOrigin] == "https://bi.example.com")
            let error = try await client.execute(uri: "/jobs/nope", method: .get, headers: [.origin: "https://bi.example.com"])
            #expect(error.status == .notFound)
            #expect(error.headers[.accessControlAllowOrigin] == "https://bi.example.com")
            let foreign = try await client.execute(uri: "/jobs", method: .get, headers: [.origin: "https://evil.example.com"])
            #expect(foreign.headers[.accessControlAllowOrigin] == nil)
        }
    }

    @Test(arguments: Backend.allCases)
    func systemHealthCountsLiveWorkers(_ backend: Backend) async throws {
        let fx = try await APIFixture.make(backend)
        defer { Task { await fx.close() } }
        try await fx.test(workers: true) { client in
            let alive = try await eventually("workers registered") { () -> [Int]? in
                let queues = try await client.get("/health/system").object["queues"] as? [[String: Any]] ?? []
                let counts = queues.compactMap { $0["workers_alive"] as? Int }
                return counts.count == 3 && counts.allSatisfy { $0 > 0 } ? counts : nil
            }
            #expect(alive.count == 3)
        }
    }

    @Test(arguments: Backend.allCases)
    func systemHealthReportsMemoryQueuesAndFailedJobs(_ backend: Backend) async throws {
        let fx = try await APIFixture.make(backend)
        defer { Task { await fx.close() } }
        try await fx.test { client in
            let upload = try await client.upload(salesCSV())
            #expect(upload.status == .created)
            let failed = NewJob(id: "etl-broken", type: "etl", queue: "etl_queue", payload: "{}")
            try await fx.runtime.store.createJob(failed)
            try await fx.runtime.store.jobFinished(id: failed.id, status: .failed, result: nil, error: "boom")
            let r = try await client.get("/health/system")
            #expect(r.status == .ok)
            let rss = try #require(r.object["resident_memory_bytes"] as? Int)
            #expect(rss > 1_000_000)
            #expect(r.object["mode"] as? String == backend.rawValue)
            #expect((r.object["uptime_seconds"] as? Double ?? 0) > 0)
            #expect(r.object["failed_jobs"] as? Int == 1)
            let queues = try #require(r.object["queues"] as? [[String: Any]])
            #expect(queues.map { $0["queue"] as? String } == ["etl_queue", "forecast_queue", "train_queue"])
            #expect(queues.first?["ready"] as? Int == 1)
            #expect(queues.map { $0["workers_alive"] as? Int } == [0, 0, 0], "no worker runs in this test")
            // The filters of GET /jobs see the same records.
            let list = try await client.get("/jobs?status=failed")
            #expect(list.array.map { $0["job_id"] as? String } == ["etl-broken"])
            let etl = try #require(try await client.get("/jobs?type=etl&status=queued").array.first)
            #expect(etl["payload"] is [String: Any], "payload is a JSON object")
            for field in ["job_id", "type", "status", "progress", "attempts", "created_at", "updated_at", "started_at", "finished_at", "error", "result"] {
                #expect(etl.keys.contains(field), "job lacks \(field)")
            }
            let one = try await client.get("/jobs/etl-broken")
            #expect(one.object["error"] as? String == "boom")
            #expect(one.object["status"] as? String == "failed")
            #expect(try await client.get("/jobs?status=bogus").status == .badRequest)
            #expect(try await client.get("/jobs?limit=0").status == .badRequest)
        }
    }

    @Test(arguments: Backend.allCases)
    func retentionDeletesOldUploadFilesAndForecastsButNotPendingUploads(_ backend: Backend) async throws {
        let admin = [
            "ADMIN_TOKEN": "admin-secret-token", "RETENTION_UPLOAD_DAYS": "2", "RETENTION_FORECAST_DAYS": "30",
            "RETENTION_MODEL_VERSIONS": "2",
        ]
        let fx = try await APIFixture.make(backend, env: admin)
        defer { Task { await fx.close() } }
        let dir = fx.runtime.config.uploadDirectory
        let old = Date().addingTimeInterval(-5 * 86400)
        try Data("old,file\n".utf8).write(to: URL(fileURLWithPath: dir + "/old-done.csv"))
        try Data("new,file\n".utf8).write(to: URL(fileURLWithPath: dir + "/recent.csv"))
        try FileManager.default.setAttributes([.modificationDate: old], ofItemAtPath: dir + "/old-done.csv")
        // Forecasts computed now, some for days long past (a fit of old history): none has expired.
        let today = Int32(floor(Date().timeIntervalSince1970 / 86400))
        let points = [today - 60, today - 31, today - 29, today + 1].map { (date: DayNumber.format($0), value: 1.0, lower: 0.5, upper: 1.5) }
        try await fx.runtime.store.saveForecasts(
            category: "alpha", fingerprint: "f", lastDate: DayNumber.format(today - 61),
            forecasts: [CategoryForecast(modelType: .holtWinters, points: points)],
            accuracy: [AccuracyRecord(category: "alpha", modelType: "holt_winters", smape: 5, mase: 0.5, coverage80: 0.8, coverage95: 0.95,
                                      windows: 2, isBest: true, form: "A,N,A", error: nil)],
            batchNum: nil, notes: nil)
        // Four versions of one series, one of another: the two newest of the first go on, the other is untouched.
        let models = try #require(fx.runtime.store as? any ModelStore)
        for (subject, n) in [("s1", 1), ("s1", 2), ("s1", 3), ("s1", 4), ("s2", 1)] {
            _ = try await models.insertModelVersion(NewModelVersion(
                kind: .anomaly, subject: subject, params: "{}", metrics: "{}", trainingSummary: "{}", trainingData: nil,
                model: "{}", jobID: "retention-\(subject)-\(n)"))
        }
        try await fx.test { client in
            let upload = try await client.upload(salesCSV())
            #expect(upload.status == .created)
            let pending = try #require(try fx.uploadedFiles().first { $0 != "old-done.csv" && $0 != "recent.csv" })
            try FileManager.default.setAttributes([.modificationDate: old], ofItemAtPath: dir + "/" + pending)
            let token: HTTPFields = [.adminToken: "admin-secret-token"]
            let dry = try await client.execute(uri: "/admin/retention", method: .get, headers: token)
            #expect(dry.status == .ok, "\(dry.error)")
            #expect(dry.object["dry_run"] as? Bool == true)
            #expect(dry.object["upload_files_deleted"] as? [String] == ["old-done.csv"])
            #expect(dry.object["forecasts_deleted"] as? Int == 0, "forecasts computed now do not expire, whatever days they forecast")
            #expect(dry.object["accuracy_rows_deleted"] as? Int == 0)
            #expect(dry.object["model_versions_deleted"] as? Int == 2)
            #expect(try fx.uploadedFiles().contains("old-done.csv"), "a dry run deletes nothing")
            let run = try await client.execute(uri: "/admin/retention/run", method: .post, headers: token)
            #expect(run.status == .ok, "\(run.error)")
            #expect(run.object["forecasts_deleted"] as? Int == 0)
            #expect(try fx.uploadedFiles().sorted() == [pending, "recent.csv"].sorted())
            #expect(try await fx.runtime.store.forecasts(ForecastQuery(category: "alpha")).count == 4)
            #expect(try await fx.runtime.store.accuracy(category: "alpha").count == 1)
            #expect(run.object["model_versions_deleted"] as? Int == 2)
            #expect(try await models.modelVersions(kind: .anomaly, subject: "s1").map(\.version) == [4, 3])
            #expect(try await models.modelVersions(kind: .anomaly, subject: "s2").map(\.version) == [1])
            #expect(try await models.latestModelVersion(kind: .anomaly, subject: "s1") == 4)
            let again = try await client.execute(uri: "/admin/retention/run", method: .post, headers: token)
            #expect(again.object["forecasts_deleted"] as? Int == 0)
            #expect(try await client.execute(uri: "/admin/retention/run", method: .post).status == .unauthorized)
        }
        // 31 days on, the same fit is older than the 30-day policy: its forecasts and its backtest expire together.
        let later = try await Retention.run(runtime: fx.runtime, now: Date().addingTimeInterval(31 * 86400), dryRun: false)
        #expect(later.forecastsDeleted == 4)
        #expect(try await fx.runtime.store.forecasts(ForecastQuery(category: "alpha")).isEmpty)
        #expect(try await fx.runtime.store.accuracy(category: "alpha").isEmpty)
    }

    @Test func modelRegistryListsEveryModelWithDefaultsFromTheCode() async throws {
        let fx = try await APIFixture.make(.embedded)
        defer { Task { await fx.close() } }
        try await fx.test { client in
            let r = try await client.get("/models")
            #expect(r.status == .ok)
            // Seed 001's shape: {"models": {id: {name, version, description, status, ...}}, "count": n}.
            let registry = try #require(r.object["models"] as? [String: [String: Any]])
            #expect(r.object["count"] as? Int == registry.count)
            let entries = registry.keys.sorted().map { registry[$0]! }
            let names = entries.compactMap { $0["name"] as? String }
            #expect(names == registry.keys.sorted())
            for model in ModelType.allCases { #expect(names.contains(model.rawValue)) }
            for entry in entries {
                #expect(entry["version"] is String)
                #expect(entry["status"] as? String == "active")
                #expect((entry["description"] as? String)?.isEmpty == false)
                #expect(entry["parameters"] is [String: Any])
                #expect(entry["defaults"] is [String: Any])
            }
            let prophet = try #require(registry["prophet"])
            let defaults = try #require(prophet["defaults"] as? [String: Any])
            #expect(defaults["changepointPriorScale"] as? Double == 0.05)
            #expect(defaults["changepointCount"] as? Int == 25)
        }
    }

    @Test(arguments: Backend.allCases)
    func modelParamSetsAreValidatedStoredActivatedAndUsedByForecasts(_ backend: Backend) async throws {
        let fx = try await APIFixture.make(backend)
        defer { Task { await fx.close() } }
        try await fx.test { client in
            func post(_ json: String) async throws -> TestResponse {
                try await client.execute(uri: "/model-params", method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(string: json))
            }
            // Refusals name the problem and store nothing.
            #expect(try await post("[1]").status == .badRequest)
            #expect(try await post(#"{"model_type":"arima","name":"x","parameters":{}}"#).error.contains("model_type must be one of"))
            #expect(try await post(#"{"model_type":"prophet","name":"","parameters":{}}"#).error.contains("name"))
            #expect(try await post(#"{"model_type":"prophet","name":"x","parameters":{"bogus":1}}"#).error.contains("bogus"))
            #expect(try await post(#"{"model_type":"prophet","name":"x","parameters":{"changepointRange":1.5}}"#).error.contains("changepointRange"))
            // Prior scales outside 1e-6...1e6 made every Prophet fit of the job fail; refused up front now.
            #expect(try await post(#"{"model_type":"prophet","name":"x","parameters":{"seasonalityPriorScale":1e-300}}"#).error.contains("seasonalityPriorScale must be a number between"))
            #expect(try await post(#"{"model_type":"prophet","name":"x","parameters":{"changepointPriorScale":1e300}}"#).error.contains("changepointPriorScale must be a number between"))
            #expect(try await post(#"{"model_type":"holt_winters","name":"x","parameters":{"period":0}}"#).error.contains("period"))
            #expect(try await post(#"{"model_type":"sarimax","name":"x","parameters":{"alpha":0.3}}"#).error.contains("alpha"))
            #expect(try await post(#"{"model_type":"holt_winters","name":"x","parameters":{"weights":"median"}}"#).error.contains("weights must be one of"))
            #expect(try await post(#"{"model_type":"sarimax","name":"x","parameters":{"weights":"akaike"}}"#).error.contains("weights"))
            #expect(try await client.get("/model-params").array.isEmpty)

            let a = try await post(#"{"model_type":"prophet","name":"stiff","parameters":{"changepointPriorScale":0.001,"uncertaintySamples":0}}"#)
            #expect(a.status == .created, "\(a.error)")
            let b = try await post(#"{"model_type":"prophet","name":"flexible","parameters":{"changepointPriorScale":0.5}}"#)
            // 1 is a period (JSONSerialization's 1 is also `is Bool` on Linux; it was refused).
            let one = try await post(#"{"model_type":"sarimax","name":"plain","parameters":{"period":1}}"#)
            #expect(one.status == .created, "\(one.error)")
            #expect(try await post(#"{"model_type":"sarimax","name":"x","parameters":{"period":true}}"#).error.contains("period"))
            let c = try await post(#"{"model_type":"holt_winters","name":"fortnight","parameters":{"period":14,"weights":"multi_step"}}"#)
            let ids = try [a, b, c].map { try #require($0.object["id"] as? Int) }
            #expect(a.object["is_active"] as? Bool == false)
            #expect((a.object["parameters"] as? [String: Any])?["changepointPriorScale"] as? Double == 0.001)

            var options = try await ForecastEngine.Options.active(store: fx.runtime.store, horizon: 30)
            #expect(options.prophet == .default && options.parametersTag.isEmpty && options.etsWeighting == .akaike)

            #expect(try await client.execute(uri: "/model-params/\(ids[0])/activate", method: .put).status == .ok)
            #expect(try await client.execute(uri: "/model-params/\(ids[2])/activate", method: .put).status == .ok)
            options = try await ForecastEngine.Options.active(store: fx.runtime.store, horizon: 30)
            #expect(options.prophet.changepointPriorScale == 0.001)
            #expect(options.period(for: .holtWinters) == 14 && options.period(for: .sarimax) == 7)
            #expect(options.etsWeighting == .multiStep)
            let firstTag = options.parametersTag
            #expect(!firstTag.isEmpty)

            // Activating another prophet set deactivates the first; the fingerprint tag changes so data refits.
            let switched = try await client.execute(uri: "/model-params/\(ids[1])/activate", method: .put)
            #expect(switched.object["is_active"] as? Bool == true)
            let prophets = try await client.get("/model-params?model_type=prophet").array
            #expect(prophets.map { $0["is_active"] as? Bool } == [false, true])
            options = try await ForecastEngine.Options.active(store: fx.runtime.store, horizon: 30)
            #expect(options.prophet.changepointPriorScale == 0.5)
            #expect(options.parametersTag != firstTag)

            #expect(try await client.execute(uri: "/model-params/999999/activate", method: .put).status == .notFound)
            #expect(try await client.execute(uri: "/model-params/abc/activate", method: .put).status == .badRequest)
            #expect(try await client.get("/model-params?model_type=nope").status == .badRequest)
            #expect(try await client.get("/model-params").array.count == 4)
        }
    }

    @Test(arguments: Backend.allCases)
    func prometheusMetricsCoverRequestsQueuesJobsRowsAndFits(_ backend: Backend) async throws {
        let fx = try await APIFixture.make(backend)
        defer { Task { await fx.close() } }
        try await fx.test(workers: true) { client in
            #expect(try await client.get("/jobs").status == .ok)
            #expect(try await client.get("/jobs/missing").status == .notFound)
            let upload = try await client.upload(salesCSV(days: 30))
            let batch = try #require(upload.object["batch_num"] as? String)
            _ = try await eventually(timeout: .seconds(120), "forecast job done") { () -> Bool? in
                let jobs = try await fx.runtime.store.jobs(type: "forecast", status: nil, limit: 10, offset: 0)
                return jobs.contains { $0.status == .completed || $0.status == .skipped } ? true : nil
            }
            #expect(try await client.get("/metadata/\(batch)").object["status"] as? String == "completed")
            let r = try await client.get("/metrics")
            #expect(r.status == .ok)
            #expect(r.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
            let text = String(buffer: r.body)
            let lines = text.split(separator: "\n")
            func has(_ name: String, _ labels: [String]) -> Bool {
                lines.contains { line in line.hasPrefix(name + "{") && labels.allSatisfy { line.contains($0) } }
            }
            #expect(has("almanac_http_requests_total", [#"method="GET""#, #"status="200""#, #"route="/jobs""#]), "\(text.prefix(2000))")
            #expect(has("almanac_http_requests_total", [#"status="404""#]))
            #expect(has("almanac_http_request_duration_seconds_bucket", [#"route="/jobs""#, #"le="#]))
            #expect(has("almanac_queue_depth", [#"queue="etl_queue""#, #"state="ready""#]))
            #expect(has("almanac_jobs_total", [#"queue="etl_queue""#, #"outcome="succeeded""#]))
            #expect(has("almanac_job_duration_seconds_count", [#"queue="forecast_queue""#]))
            #expect(has("almanac_rows_ingested_total", [#"kind="inserted""#]))
            #expect(has("almanac_model_fit_seconds_count", [#"model="prophet""#]))
            let inserted = lines.first { $0.hasPrefix("almanac_rows_ingested_total{") && $0.contains("inserted") }
            #expect((inserted?.split(separator: " ").last.flatMap { Double($0) } ?? 0) >= 60)
        }
        // A worker's own metrics server answers the same exposition.
        let app = Application(router: MetricsServer.router(queue: fx.runtime.queue))
        try await app.test(.router) { client in
            let r = try await client.execute(uri: "/metrics", method: .get)
            #expect(r.status == .ok)
            #expect(String(buffer: r.body).contains("almanac_queue_depth"))
        }
    }

    @Test func openAPIDocumentIsValid31AndCoversEveryRegisteredRoute() async throws {
        let fx = try await APIFixture.make(.embedded)
        defer { Task { await fx.close() } }
        let registry = RouteRegistry()
        let io = NIOThreadPool(numberOfThreads: 1)
        io.start()
        let router = AlmanacApp.buildRouter(runtime: fx.runtime, io: io, registry: registry)
        let app = Application(router: router)
        try await app.test(.router) { client in
            let r = try await client.get("/openapi.json")
            #expect(r.status == .ok)
            let doc = try #require(try JSONSerialization.jsonObject(with: Data(r.body.readableBytesView)) as? [String: Any])
            #expect(doc["openapi"] as? String == "3.1.0")
            #expect((doc["info"] as? [String: Any])?["title"] as? String == "Almanac")
            let paths = try #require(doc["paths"] as? [String: [String: Any]])
            #expect(registry.all.count >= 16)
            var operationIDs: Set<String> = []
            for entry in registry.all {
                let op = try #require(paths[entry.path]?[entry.method.rawValue.lowercased()] as? [String: Any], "\(entry.method) \(entry.path) missing")
                let responses = try #require(op["responses"] as? [String: Any])
                #expect(responses["400"] != nil && responses["401"] != nil && responses[String(entry.status)] != nil)
                let id = try #require(op["operationId"] as? String)
                #expect(!operationIDs.contains(id), "duplicate operationId \(id)")
                operationIDs.insert(id)
                let pathParams = entry.path.split(separator: "/").filter { $0.hasPrefix("{") }.count
                let declared = (op["parameters"] as? [[String: Any]] ?? []).filter { $0["in"] as? String == "path" }.count
                #expect(pathParams == declared, "\(entry.path)")
            }
            #expect(paths.values.map(\.count).reduce(0, +) == registry.all.count)
            let docs = try await client.get("/docs")
            #expect(docs.status == .ok)
            let page = String(buffer: docs.body)
            #expect(page.contains("/openapi.json") && page.contains("/docs/swagger-ui-bundle.js"))
            // Nothing from another origin: the page, its script and the CSP say so.
            #expect(!page.contains("http://") && !page.contains("https://"), "the docs page loads nothing from elsewhere")
            #expect(docs.headers[.contentSecurityPolicy]?.hasPrefix("default-src 'self'") == true)
            // The vendored Swagger UI, byte for byte what SOURCE.md names.
            for (asset, sha) in [
                ("swagger-ui-bundle.js", "93b7b0862a80e2786f85b560be7693c2344354ffa7e7e224f850a54349724c31"),
                ("swagger-ui.css", "9e576f8322132c76949da47f9bb53c891373c303ea3a761ff548ffc9de50a98c"),
            ] {
                let r = try await client.get("/docs/" + asset)
                #expect(r.status == .ok, "\(asset)")
                #expect(SHA256.hash(data: Data(r.body.readableBytesView)).map { String(format: "%02x", $0) }.joined() == sha, "\(asset)")
            }
            #expect(String(buffer: try await client.get("/docs/LICENSE").body).contains("Apache License"))
            #expect(String(buffer: try await client.get("/docs/init.js").body).contains("SwaggerUIBundle"))
            #expect(try await client.get("/redoc").status == .ok)
        }
        try await io.shutdownGracefully()
    }
}

extension AlmanacConfiguration {
    var withoutAdminToken: AlmanacConfiguration {
        var c = self
        c.adminToken = nil
        return c
    }
}
