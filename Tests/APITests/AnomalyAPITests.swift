import Foundation
import Hummingbird
import HummingbirdTesting
import Jobs
import NIOCore
import Workflows
import Store
import Testing

/// Seed 004's anomaly contract on both backends, with train-worker running in-process.
@Suite("Anomaly API (seed 004)", .serialized)
struct AnomalyAPITests {
    static let json: HTTPFields = [.contentType: "application/json"]

    func post(_ client: any TestClientProtocol, _ uri: String, _ body: String) async throws -> TestResponse {
        try await client.execute(uri: uri, method: .post, headers: Self.json, body: ByteBuffer(string: body))
    }

    @Test(arguments: Backend.allCases)
    func seedCurlLinesFitPredictByVersionAndHealthcheck(_ backend: Backend) async throws {
        let fixture = try await APIFixture.make(backend)
        defer { Task { await fixture.close() } }
        try await fixture.test(workers: true) { client in
            // Seed 004's README, unchanged.
            let fit = try await post(client, "/fit/sensor_01", #"{"timestamps":[1705000000,1705000001,1705000002,1705000003],"values":[10.0,11.2,10.4,10.8]}"#)
            #expect(fit.status == .ok, "\(String(buffer: fit.body))")
            #expect(fit.object["series_id"] as? String == "sensor_01")
            #expect(fit.object["version"] as? String == "1")
            #expect(fit.object["success"] as? Bool == true)
            #expect(fit.object["message"] as? String == "Training successfully started.")
            #expect(fit.object["points_used"] as? Int == 4)
            let high = try await post(client, "/predict/sensor_01", #"{"timestamp":"1705000010","value":13.0}"#)
            #expect(high.status == .ok)
            #expect(high.object["anomaly"] as? Bool == true)
            #expect(high.object["model_version"] as? String == "1")
            let normal = try await post(client, "/predict/sensor_01?version=v1", #"{"timestamp":"1705000011","value":10.3}"#)
            #expect(normal.object["anomaly"] as? Bool == false)

            // A second fit is a new version; v1 is unchanged and still served.
            let fit2 = try await post(client, "/fit/sensor_01?k=2", #"{"timestamps":[1,2,3,4,5],"values":[100,101,99,100,100]}"#)
            #expect(fit2.object["version"] as? String == "2")
            let latest = try await post(client, "/predict/sensor_01", #"{"timestamp":6,"value":10.3}"#)
            #expect(latest.object["anomaly"] as? Bool == true)
            #expect(latest.object["model_version"] as? String == "2")
            let old = try await post(client, "/predict/sensor_01?version=1", #"{"timestamp":6,"value":10.3}"#)
            #expect(old.object["anomaly"] as? Bool == false)
            #expect(old.object["model_version"] as? String == "1")
            // Seed 004's default version is 0: the latest; V2 is its capital spelling.
            let zero = try await post(client, "/predict/sensor_01?version=0", #"{"timestamp":6,"value":10.3}"#)
            #expect(zero.object["model_version"] as? String == "2", "\(zero.error)")
            let capital = try await post(client, "/predict/sensor_01?version=V2", #"{"timestamp":6,"value":10.3}"#)
            #expect(capital.object["model_version"] as? String == "2", "\(capital.error)")

            let health = try await client.get("/healthcheck")
            #expect(health.status == .ok)
            #expect(health.object["status"] as? String == "ok")
            #expect(health.object["series_trained"] as? Int == 1)
            let latency = health.object["latency_ms"] as? [String: Any] ?? [:]
            let predicted = latency["predict"] as? [String: Any] ?? [:]
            #expect((predicted["samples"] as? Int ?? 0) >= 4)
            #expect(((latency["fit"] as? [String: Any])?["samples"] as? Int ?? 0) >= 2)
            #expect(health.object["telemetry_store"] as? String == (backend == .embedded ? "in-process" : "redis"))
            // Seed 004's HealthCheckResponse: {avg, p95} for inference and training, in milliseconds.
            for key in ["inference_latency_ms", "training_latency_ms"] {
                let m = health.object[key] as? [String: Any] ?? [:]
                let avg = try #require(m["avg"] as? Double, "\(key): \(m)"), p95 = try #require(m["p95"] as? Double, "\(key)")
                #expect(avg > 0 && p95 > 0, "\(key): \(m)")
            }
        }
    }

    @Test(arguments: Backend.allCases)
    func eachBadFitIsRefusedNamingTheProblemAndWritesNothing(_ backend: Backend) async throws {
        let fixture = try await APIFixture.make(backend, env: ["MIN_TRAINING_DATA_POINTS": "4"])
        defer { Task { await fixture.close() } }
        try await fixture.test(workers: true) { client in
            let cases: [(String, String, String)] = [
                ("/fit/s", #"{"timestamps":[1,2,3,4],"values":[1,2,3]}"#, "differ in length"),
                ("/fit/s", #"{"timestamps":[1,2,3],"values":[1,2,3]}"#, "MIN_TRAINING_DATA_POINTS"),
                ("/fit/s", #"{"timestamps":[1,2,3,4],"values":[1,NaN,3,4]}"#, "NaN"),
                ("/fit/s", #"{"timestamps":[1,2,3,4],"values":[1,null,3,4]}"#, "values[1] is NaN"),
                ("/fit/s", #"{"timestamps":[1,2,2,4],"values":[1,2,3,4]}"#, "duplicate timestamp"),
                ("/fit/s?variant=magic", #"{"timestamps":[1,2,3,4],"values":[1,2,3,4]}"#, "variant"),
                ("/fit/s?k=-1", #"{"timestamps":[1,2,3,4],"values":[1,2,3,4]}"#, "k must be"),
                ("/fit/s", #"{"values":[1,2,3,4]}"#, "timestamps"),
            ]
            for (uri, body, words) in cases {
                let r = try await post(client, uri, body)
                #expect(r.status == .unprocessableContent || r.status == .badRequest, "\(body)")
                #expect(r.error.contains(words), "\(body): \(r.error)")
            }
            let none = try await post(client, "/predict/s", #"{"timestamp":1,"value":1}"#)
            #expect(none.status == .notFound)
        }
    }

    @Test(arguments: Backend.allCases)
    func unknownSeriesOrVersionIs404AndVariantsAreParameters(_ backend: Backend) async throws {
        let fixture = try await APIFixture.make(backend)
        defer { Task { await fixture.close() } }
        try await fixture.test(workers: true) { client in
            #expect(try await post(client, "/predict/ghost", #"{"timestamp":1,"value":1}"#).status == .notFound)
            // Robust: one outlier in training does not widen the band.
            let values = [10.0, 10.2, 9.9, 10.1, 10.0, 9.8, 10.3, 500.0]
            let body = #"{"timestamps":[\#((1...8).map(String.init).joined(separator: ","))],"values":[\#(values.map { String($0) }.joined(separator: ","))]}"#
            let robust = try await post(client, "/fit/r?variant=robust&k=3", body)
            #expect(robust.object["variant"] as? String == "robust")
            #expect(try await post(client, "/predict/r", #"{"timestamp":9,"value":12}"#).object["anomaly"] as? Bool == true)
            let standard = try await post(client, "/fit/r", body)
            #expect(standard.object["version"] as? String == "2")
            #expect(try await post(client, "/predict/r", #"{"timestamp":9,"value":12}"#).object["anomaly"] as? Bool == false)
            #expect(try await post(client, "/predict/r?version=v9", #"{"timestamp":9,"value":12}"#).status == .notFound)
            // Seasonal with a given period: each phase has its own baseline.
            let ts = (0..<24).map { String($0 * 60) }.joined(separator: ",")
            let seasonalValues: [Double] = (0..<24).map { (i: Int) -> Double in
                i % 2 == 0 ? 100 + Double(i % 4) : 10 + Double(i % 3) * 0.5
            }
            let vs = seasonalValues.map { String($0) }.joined(separator: ",")
            let seasonal = try await post(client, "/fit/season?variant=seasonal&period=2", #"{"timestamps":[\#(ts)],"values":[\#(vs)]}"#)
            #expect(seasonal.status == .ok, "\(seasonal.error)")
            #expect(try await post(client, "/predict/season", #"{"timestamp":1440,"value":11}"#).object["anomaly"] as? Bool == true)
            #expect(try await post(client, "/predict/season", #"{"timestamp":1500,"value":11}"#).object["anomaly"] as? Bool == false)
        }
    }

    /// Path parameters arrive percent-decoded (Hummingbird 2 hands them over as sent): a series id with a colon
    /// is the same series whether the client encodes it or not; ids are still checked after decoding.
    @Test(arguments: Backend.allCases)
    func percentEncodedSeriesIDsRoundTripThroughFitAndPredict(_ backend: Backend) async throws {
        let fixture = try await APIFixture.make(backend)
        defer { Task { await fixture.close() } }
        try await fixture.test(workers: true) { client in
            let body = #"{"timestamps":[1,2,3,4,5,6],"values":[10,11,9,10,12,10]}"#
            let fit = try await post(client, "/fit/host%3Acpu%2Ecore%5F0", body)
            #expect(fit.status == .ok, "\(fit.error)")
            #expect(fit.object["series_id"] as? String == "host:cpu.core_0")
            for uri in ["/predict/host%3Acpu%2Ecore%5F0", "/predict/host%3acpu.core_0", "/predict/host:cpu.core_0"] {
                let r = try await post(client, uri, #"{"timestamp":7,"value":30}"#)
                #expect(r.status == .ok, "\(uri): \(r.error)")
                #expect(r.object["series_id"] as? String == "host:cpu.core_0", "\(uri)")
                #expect(r.object["model_version"] as? String == "1", "\(uri)")
                #expect(r.object["anomaly"] as? Bool == true, "\(uri)")
            }
            let plot = try await client.get("/plot?series_id=host%3Acpu.core_0")
            #expect(plot.status == .ok)
            // Decoded, an id is held to the same characters: a space or a slash is refused, a malformed escape too.
            for (uri, words) in [("/fit/a%20b", "series_id must be"), ("/fit/..%2F..%2Fetc", "series_id must be"),
                                 ("/fit/a%zz", "series_id is not valid percent-encoding"), ("/fit/a%0Ab", "series_id must not contain control characters")] {
                let r = try await post(client, uri, body)
                #expect(r.status == .badRequest, "\(uri)")
                #expect(r.error.contains(words), "\(uri): \(r.error)")
            }
        }
    }

    @Test(arguments: Backend.allCases)
    func plotIsAnEscapedHTMLPageWithTheBaseline(_ backend: Backend) async throws {
        let fixture = try await APIFixture.make(backend)
        defer { Task { await fixture.close() } }
        try await fixture.test(workers: true) { client in
            _ = try await post(client, "/fit/plot.me", #"{"timestamps":[1,2,3,4,5],"values":[1,2,3,2,30]}"#)
            let page = try await client.get("/plot?series_id=plot.me&version=v1")
            #expect(page.status == .ok)
            #expect(page.headers[.contentType]?.hasPrefix("text/html") == true)
            let html = String(buffer: page.body)
            #expect(html.contains("<svg") && html.contains("class=\"baseline\"") && html.contains("class=\"upper\""))
            #expect(html.components(separatedBy: "<circle").count - 1 == 5)
            #expect(try await client.get("/plot?series_id=plot.me&version=v2").status == .notFound)
            #expect(try await client.get("/plot?series_id=%3Cscript%3E").status == .badRequest)
            #expect(try await client.get("/plot").status == .badRequest)
        }
    }

    @Test(arguments: Backend.allCases)
    func aRedeliveredFitJobWritesOneVersion(_ backend: Backend) async throws {
        let fixture = try await APIFixture.make(backend)
        defer { Task { await fixture.close() } }
        let runtime = fixture.runtime
        let payload = AnomalyFitPayload(seriesID: "again", timestamps: [1, 2, 3], values: [1, 2, 4], variant: "standard", k: 3, tail: "both", period: nil)
        let message = try JobMessage(id: "anomaly_fit-redelivered", type: TrainJobType.anomalyFit, payload: payload)
        try await runtime.store.createJob(NewJob(id: message.id, type: message.type, queue: "train_queue", payload: message.payload))
        let handler = AnomalyFitHandler(runtime: runtime)
        try await handler.handle(message)
        try await handler.handle(message)
        let models = try #require(runtime.store as? any ModelStore)
        #expect(try await models.modelVersions(kind: .anomaly, subject: "again").map(\.version) == [1])
        let job = try await runtime.store.job(id: message.id)
        #expect(job?.status == .completed)
        #expect(job?.result?.contains("\"version\":1") == true)
        // A fit the model refuses is a permanent failure that writes nothing.
        let bad = try JobMessage(id: "anomaly_fit-bad", type: TrainJobType.anomalyFit, payload: AnomalyFitPayload(
            seriesID: "bad", timestamps: [1, 2, 3, 4], values: [1, 2, 3, 4], variant: "seasonal", k: 3, tail: "both", period: nil))
        await #expect(throws: JobFailure.self) { try await handler.handle(bad) }
        #expect(try await models.latestModelVersion(kind: .anomaly, subject: "bad") == nil)
    }
}
