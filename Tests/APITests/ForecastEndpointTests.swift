import Config
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// `POST /forecast`: synchronous forecasts for scripts (seed 001's inference endpoint).
@Suite("POST /forecast")
struct ForecastEndpointTests {
    static func series(_ n: Int, start: Int = 0, step: Int = 1) -> [[String: Any]] {
        (0..<n).map { i in
            let day = Calendar(identifier: .gregorian).date(byAdding: .day, value: (start + i) * step, to: Date(timeIntervalSince1970: 1_704_067_200))!
            let f = DateFormatter()
            f.locale = Locale(identifier: "en_US_POSIX"); f.timeZone = TimeZone(identifier: "UTC"); f.dateFormat = "yyyy-MM-dd"
            let weekly = [1.0, 1.2, 1.1, 0.9, 1.3, 0.6, 0.5][i % 7]
            return ["date": f.string(from: day), "value": 50 + 0.2 * Double(i) + 10 * weekly + Double((i * 7919) % 5)]
        }
    }

    static func post(_ client: any TestClientProtocol, _ body: [String: Any], contentType: String = "application/json") async throws -> TestResponse {
        let data = try JSONSerialization.data(withJSONObject: body)
        return try await client.execute(uri: "/forecast", method: .post, headers: [.contentType: contentType], body: ByteBuffer(bytes: data))
    }

    @Test func forecastsEveryModelWithIntervals() async throws {
        let fx = try await APIFixture.make(.embedded)
        defer { Task { await fx.close() } }
        try await fx.test { client in
            let r = try await Self.post(client, ["series": Self.series(84), "horizon": 10, "levels": [80, 95]])
            #expect(r.status == .ok, "\(r.error)")
            let models = try #require(r.object["models"] as? [[String: Any]])
            #expect(models.compactMap { $0["model"] as? String } == ["holt_winters", "sarimax", "prophet"])
            for m in models {
                #expect(m["error"] == nil || m["error"] is NSNull, "\(m)")
                let dates = try #require(m["dates"] as? [String])
                #expect(dates.first == "2024-03-25" && dates.count == 10)
                let mean = try #require(m["mean"] as? [Double])
                let lower = try #require((m["lower"] as? [String: [Double]])?["95"])
                let upper = try #require((m["upper"] as? [String: [Double]])?["95"])
                let lower80 = try #require((m["lower"] as? [String: [Double]])?["80"])
                for k in 0..<10 {
                    #expect(lower[k] <= lower80[k] && lower80[k] <= mean[k] && mean[k] <= upper[k], "\(m["model"]!) step \(k)")
                    // The series sits between about 55 and 85: a sane model stays near it.
                    #expect(mean[k] > 40 && mean[k] < 110, "\(m["model"]!) mean \(mean[k])")
                }
            }
        }
    }

    @Test func exogenousRegressorsShiftTheForecast() async throws {
        let fx = try await APIFixture.make(.embedded)
        defer { Task { await fx.close() } }
        try await fx.test { client in
            // y = 20 + 15·promo + noise: the promotion flag in the future must move SARIMAX and Prophet.
            let n = 90, h = 6
            var promo = (0..<(n + h)).map { Double(($0 * 37) % 5 == 0 ? 1 : 0) }
            promo[n] = 1; promo[n + 1] = 0
            var points: [[String: Any]] = []
            for (i, p) in Self.series(n).enumerated() {
                var q = p
                q["value"] = 20 + 15 * promo[i] + Double((i * 7919) % 7) * 0.3
                points.append(q)
            }
            let r = try await Self.post(client, ["series": points, "horizon": h, "models": ["sarimax", "prophet", "holt_winters"], "exog": ["promo": promo]])
            #expect(r.status == .ok, "\(r.error)")
            let models = try #require(r.object["models"] as? [[String: Any]])
            for m in models where m["model"] as? String != "holt_winters" {
                let mean = try #require(m["mean"] as? [Double], "\(m)")
                #expect(mean[0] - mean[1] > 10, "\(m["model"]!): promo day \(mean[0]) vs plain day \(mean[1])")
            }
            let hw = try #require(models.first { $0["model"] as? String == "holt_winters" })
            #expect((hw["notes"] as? [String])?.contains { $0.contains("exog ignored") } == true)
        }
    }

    /// FORECAST_REQUEST_SECONDS bounds the request: with a budget of a millisecond SARIMAX's order search stops
    /// after its first candidate and says so in its notes, and every model still answers with a forecast.
    @Test func aTinyTimeBudgetCutsTheSearchShortWithANote() async throws {
        let fx = try await APIFixture.make(.embedded, env: ["FORECAST_REQUEST_SECONDS": "0.001"])
        defer { Task { await fx.close() } }
        try await fx.test { client in
            let r = try await Self.post(client, ["series": Self.series(84), "horizon": 10])
            #expect(r.status == .ok, "\(r.error)")
            let models = try #require(r.object["models"] as? [[String: Any]])
            #expect(models.count == 3)
            for m in models {
                #expect(m["error"] == nil || m["error"] is NSNull, "\(m)")
                #expect((m["mean"] as? [Double])?.count == 10, "\(m)")
            }
            let sarimax = try #require(models.first { $0["model"] as? String == "sarimax" })
            let notes = sarimax["notes"] as? [String] ?? []
            #expect(notes.contains("order search stopped after 1 candidate: time budget of 0.001 s reached (the best so far keeps its screening fit)"), "\(notes)")
        }
        // 0 = no budget: the whole search, no note.
        let unbounded = try await APIFixture.make(.embedded, env: ["FORECAST_REQUEST_SECONDS": "0"])
        defer { Task { await unbounded.close() } }
        try await unbounded.test { client in
            let r = try await Self.post(client, ["series": Self.series(84), "horizon": 10, "models": ["sarimax", "holt_winters"]])
            #expect(r.status == .ok, "\(r.error)")
            for m in try #require(r.object["models"] as? [[String: Any]]) {
                #expect((m["notes"] as? [String])?.contains { $0.contains("time budget") } == false, "\(m)")
            }
        }
        for bad in ["-1", "3601", "soon"] {
            #expect(throws: ConfigurationError.self) { try AlmanacConfiguration.load(from: ["FORECAST_REQUEST_SECONDS": bad]) }
        }
    }

    /// 20 daily points ending 9999-12-20.
    static var lateSeries: [[String: Any]] {
        (0..<20).map { i -> [String: Any] in
            let value: Double = 10 + Double(i % 3)
            return ["date": String(format: "9999-12-%02d", i + 1), "value": value]
        }
    }

    /// Values near the top of Double's range overflow some models' arithmetic: those models report an error,
    /// the response is still a 200 (it was a 500 from encoding a NaN).
    @Test func hugeValuesGiveModelErrorsNotA500() async throws {
        let fx = try await APIFixture.make(.embedded)
        defer { Task { await fx.close() } }
        try await fx.test { client in
            var series: [[String: Any]] = []
            for i in 0..<10 {
                let value: Double = 1e170 * (1 + 0.1 * Double(i % 3))
                series.append(["date": String(format: "2024-01-%02d", i + 1), "value": value])
            }
            let r = try await Self.post(client, ["series": series, "horizon": 2])
            #expect(r.status == .ok, "\(r.status) \(r.error)")
            let models = try #require(r.object["models"] as? [[String: Any]])
            #expect(models.count == 3)
            for model in models {
                if let error = model["error"] as? String {
                    #expect(error.contains("non-finite") || !error.isEmpty)
                } else {
                    let mean = try #require(model["mean"] as? [Double])
                    #expect(mean.count == 2 && mean.allSatisfy(\.isFinite))
                }
            }
        }
    }

    @Test func badRequestsNameTheProblem() async throws {
        let fx = try await APIFixture.make(.embedded)
        defer { Task { await fx.close() } }
        try await fx.test { client in
            var unordered = Self.series(20)
            unordered.swapAt(3, 4)
            var nan = Self.series(20)
            nan[5]["value"] = NSNull()
            var badDate = Self.series(20)
            badDate[2]["date"] = "2024-02-30"
            let cases: [([String: Any], String)] = [
                (["series": Self.series(5)], "too short"),
                (["series": unordered], "increasing"),
                (["series": nan], "series[5].value"),
                (["series": badDate], "series[2].date"),
                (["series": Self.series(20), "models": ["lstm"]], "unknown model"),
                (["series": Self.series(20), "horizon": 0], "horizon"),
                (["series": Self.series(20), "horizon": 100_000], "horizon"),
                (["series": Self.series(20), "horizon": 2.5], "horizon must be a whole number"),
                (["series": Self.series(20), "levels": [120]], "levels"),
                // 0.5 + level / 200 rounds to 1: this level used to stop the process at a failed precondition.
                (["series": Self.series(20), "levels": [99.99999999999999]], "levels"),
                (["series": Self.lateSeries, "horizon": 30], "past 9999-12-31"),
                (["series": Self.series(20), "exog": ["x": [1.0, 2.0]]], "exog"),
                (["horizon": 3], "series"),
            ]
            for (body, expected) in cases {
                let r = try await Self.post(client, body)
                #expect(r.status == .badRequest, "\(expected): \(r.status) \(r.error)")
                #expect(r.error.contains(expected), "\(expected): \(r.error)")
            }
            let notJSON = try await client.execute(uri: "/forecast", method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(string: "{nope"))
            #expect(notJSON.status == .badRequest)
            let form = try await Self.post(client, ["series": Self.series(20)], contentType: "text/plain")
            #expect(form.status == .unsupportedMediaType)
        }
    }
}
