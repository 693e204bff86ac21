import Foundation
import Hummingbird
import HummingbirdTesting
import Models
import NIOCore
import Store
import Testing

/// Seed 001's (Sapheneia) client against its TimesFM-2.0 routes: `Authorization: Bearer`, the README's
/// initialization, status, inference (a CSV under `data/uploads` with a data definition) and shutdown lines,
/// and covariates that change the forecast as they should.
@Suite(.serialized)
struct Seed001ContractTests {
    static let key = "sapheneia-key-0123456789"
    static let headers: HTTPFields = [.authorization: "Bearer \(key)", .contentType: "application/json"]

    /// `days` rows of history and `future` rows with the covariates only. The price is 100 + 3·volume, +20 on
    /// promotion days, plus noise; volume wanders and promotions fall on a pattern that is not weekly.
    static func sample(days: Int = 120, future: Int = 24) -> (csv: String, futurePrice: [Double]) {
        var g = SeededGenerator(seed: 11)
        var lines = ["date,price,volume,promotion_active,region"]
        var futurePrice: [Double] = []
        var volume = 10.0
        let first = DayNumber.parse("2024-01-01")!
        for t in 0..<(days + future) {
            volume = max(1, volume + 2 * g.normal())
            let promo = (t * 7 / 5) % 3 == 0
            let price = 100 + 3 * volume + (promo ? 20 : 0) + g.normal()
            let date = DayNumber.format(first + Int32(t))
            if t < days {
                lines.append("\(date),\(price),\(volume),\(promo ? "yes" : "no"),north")
            } else {
                lines.append("\(date),,\(volume),\(promo ? "yes" : "no"),north")
                futurePrice.append(price)
            }
        }
        return (lines.joined(separator: "\n") + "\n", futurePrice)
    }

    @Test(arguments: Backend.allCases)
    func theReadmesCallsAnswerInItsShapesWithCovariatesUsed(_ backend: Backend) async throws {
        let fx = try await APIFixture.make(backend, env: ["API_KEYS": Self.key])
        defer { Task { await fx.close() } }
        let (csv, futurePrice) = Self.sample()
        try FileManager.default.createDirectory(atPath: fx.directory + "/uploads", withIntermediateDirectories: true)
        try csv.write(toFile: fx.directory + "/uploads/sample_data.csv", atomically: true, encoding: .utf8)
        try await fx.test { client in
            @Sendable func post(_ path: String, _ body: String) async throws -> TestResponse {
                try await client.execute(uri: "/api/v1/timesfm20/" + path, method: .post, headers: Self.headers, body: ByteBuffer(string: body))
            }
            @Sendable func detail(_ r: TestResponse) -> String { r.object["detail"] as? String ?? String(buffer: r.body) }
            let anonymous = try await client.execute(uri: "/api/v1/timesfm20/status", method: .get)
            #expect(anonymous.status == .unauthorized)

            let initialized = try await post("initialization", #"{"backend": "cpu", "context_len": 64, "horizon_len": 24, "checkpoint": "google/timesfm-2.0-500m-pytorch"}"#)
            #expect(initialized.status == .ok, "\(detail(initialized))")
            #expect(initialized.object["model_status"] as? String == "ready")
            #expect((initialized.object["message"] as? String)?.hasPrefix("Model initialized successfully from") == true)
            let info = try #require(initialized.object["model_info"] as? [String: Any])
            #expect(info["backend"] as? String == "cpu" && info["context_len"] as? Int == 64 && info["horizon_len"] as? Int == 24)
            #expect(info["source"] is String)
            let status = try await client.execute(uri: "/api/v1/timesfm20/status", method: .get, headers: Self.headers)
            #expect(status.object["model_status"] as? String == "ready")
            #expect((status.object["details"] as? String)?.hasPrefix("Source: ") == true)

            // The README's inference call, covariates on.
            let definition = #"{"price": "target", "volume": "dynamic_numerical", "promotion_active": "dynamic_categorical", "region": "static_categorical"}"#
            let withCovariates = try await post("inference", """
                {"data_source_url_or_path": "data/uploads/sample_data.csv", "data_definition": \(definition),
                 "parameters": {"context_len": 64, "horizon_len": 24, "use_covariates": true, "use_quantiles": true, "quantile_indices": [1, 3, 5, 7, 9]}}
                """)
            #expect(withCovariates.status == .ok, "\(detail(withCovariates))")
            let prediction = try #require(withCovariates.object["prediction"] as? [String: Any])
            #expect(prediction["method"] as? String == "covariates_enhanced")
            let point = try #require((prediction["point_forecast"] as? [[Double]])?.first)
            #expect(point.count == 24)
            let metadata = try #require(prediction["metadata"] as? [String: Any])
            #expect(metadata["input_series_count"] as? Int == 1 && metadata["forecast_length"] as? Int == 24)
            #expect(metadata["covariates_used"] as? Bool == true && metadata["quantiles_available"] as? Bool == true)
            #expect(metadata["regressors"] as? [String] == ["promotion_active=yes", "volume"], "\(metadata)")
            #expect((metadata["notes"] as? [String])?.contains { $0.contains("static covariates region") } == true)
            let quantiles = try #require((prediction["quantile_forecast"] as? [[[Double]]])?.first)
            #expect(quantiles.count == 24 && quantiles.allSatisfy { $0.count == 10 })
            for step in quantiles { #expect(zip(step[1...], step[2...]).allSatisfy { $0 <= $1 }, "\(step)") }
            let bands = try #require(prediction["quantile_bands"] as? [String: Any])
            #expect(bands["quantile_band_0_label"] as? String == "Q10–Q30")
            #expect((bands["quantile_band_3_upper"] as? [Double])?.count == 24)
            let viz = try #require(withCovariates.object["visualization_data"] as? [String: Any])
            #expect((viz["historical_data"] as? [Double])?.count == 64)
            #expect((viz["dates_historical"] as? [String])?.last == "2024-04-29T00:00:00")
            #expect((viz["dates_future"] as? [String])?.first == "2024-04-30T00:00:00")
            #expect(viz["target_name"] as? String == "price")
            let execution = try #require(withCovariates.object["execution_metadata"] as? [String: Any])
            #expect(execution["total_time_seconds"] is Double && execution["api_version"] as? String == "2.0.0")

            // The covariates are used: with them the forecast is far closer to what followed.
            let plain = try await post("inference", #"{"data_source_url_or_path": "data/uploads/sample_data.csv", "data_definition": {"price": "target"}, "parameters": {"context_len": 64, "horizon_len": 24}}"#)
            let plainPoint = try #require(((plain.object["prediction"] as? [String: Any])?["point_forecast"] as? [[Double]])?.first)
            #expect((plain.object["prediction"] as? [String: Any])?["method"] as? String == "basic")
            let maeWith = zip(point, futurePrice).map { abs($0 - $1) }.reduce(0, +) / 24
            let maeWithout = zip(plainPoint, futurePrice).map { abs($0 - $1) }.reduce(0, +) / 24
            #expect(maeWith < 0.3 * maeWithout, "MAE with covariates \(maeWith), without \(maeWithout)")
            #expect(maeWith < 3, "MAE with covariates \(maeWith)")

            // Bad requests: a 4xx naming the problem.
            let twoTargets = try await post("inference", #"{"data_source_url_or_path": "data/uploads/sample_data.csv", "data_definition": {"price": "target", "volume": "target"}}"#)
            #expect(twoTargets.status == .unprocessableContent && detail(twoTargets).contains("exactly one \"target\""), "\(detail(twoTargets))")
            let unknownColumn = try await post("inference", #"{"data_source_url_or_path": "data/uploads/sample_data.csv", "data_definition": {"price": "target", "spend": "dynamic_numerical"}}"#)
            #expect(unknownColumn.status == .unprocessableContent && detail(unknownColumn).contains("\"spend\""))
            let badType = try await post("inference", #"{"data_source_url_or_path": "data/uploads/sample_data.csv", "data_definition": {"price": "goal"}}"#)
            #expect(badType.status == .unprocessableContent && detail(badType).contains("the types are"))
            let outside = try await post("inference", #"{"data_source_url_or_path": "data/../../../etc/hosts.csv", "data_definition": {"price": "target"}}"#)
            #expect(outside.status == .unprocessableContent && detail(outside).contains("not a .csv file under DATA_DIR"))
            let url = try await post("inference", #"{"data_source_url_or_path": "http://169.254.169.254/latest.csv", "data_definition": {"price": "target"}}"#)
            #expect(url.status == .unprocessableContent && detail(url).contains("URLs are not fetched"))
            let tooFar = try await post("inference", """
                {"data_source_url_or_path": "data/uploads/sample_data.csv", "data_definition": {"price": "target", "volume": "dynamic_numerical"},
                 "parameters": {"horizon_len": 30, "use_covariates": true}}
                """)
            #expect(tooFar.status == .unprocessableContent && detail(tooFar).contains("covariate volume has 24 rows after the last target value"), "\(detail(tooFar))")
            let badIndices = try await post("inference", #"{"data_source_url_or_path": "data/uploads/sample_data.csv", "data_definition": {"price": "target"}, "parameters": {"quantile_indices": [12]}}"#)
            #expect(badIndices.status == .unprocessableContent)

            // Inline data (Almanac's addition) gives the same forecast as the file.
            let rows = csv.split(separator: "\n").dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
            let dates = rows.map { "\"\($0[0])\"" }.joined(separator: ","), prices = rows.map { $0[1].isEmpty ? "null" : $0[1] }.joined(separator: ",")
            let inline = try await post("inference", #"{"data": {"date": [\#(dates)], "price": [\#(prices)]}, "data_definition": {"price": "target"}, "parameters": {"context_len": 64, "horizon_len": 24}}"#)
            let inlinePoint = try #require(((inline.object["prediction"] as? [String: Any])?["point_forecast"] as? [[Double]])?.first, "\(detail(inline))")
            #expect(zip(inlinePoint, plainPoint).allSatisfy { abs($0 - $1) < 1e-6 })

            let shutdown = try await post("shutdown", "")
            #expect(shutdown.status == .ok && shutdown.object["model_status"] as? String == "uninitialized")
            let after = try await client.execute(uri: "/api/v1/timesfm20/status", method: .get, headers: Self.headers)
            #expect(after.object["model_status"] as? String == "uninitialized")
            let registry = try await client.execute(uri: "/models", method: .get, headers: Self.headers)
            #expect(((registry.object["models"] as? [String: Any])?["timesfm20"] as? [String: Any])?["served_by"] is String)
        }
    }
}
