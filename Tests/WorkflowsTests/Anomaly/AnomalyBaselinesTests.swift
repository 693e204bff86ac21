import Foundation
import Jobs
import Models
import Store
import Testing
@testable import Workflows

/// Seed 004's baselines without HTTP: parameters checked before any job is made, a real fit through train-worker's
/// handler, versions read back through the cache, a spike judged anomalous and a usual value not.
@Suite struct AnomalyBaselinesTests {
    static func points(_ n: Int) -> (timestamps: [Double], values: [Double]) {
        let values = (0..<n).map { 10 + sin(Double($0)) }
        return ((0..<n).map { 1_700_000_000 + Double($0) * 60 }, values)
    }

    @Test func parametersOutsideTheirRangesAreRefusedBeforeAnyJob() async throws {
        let f = try await WorkflowFixture.make()
        let baselines = AnomalyBaselines(fits: ModelFits(runtime: f.runtime), cache: ModelCache(capacity: 4))
        let (ts, vs) = Self.points(40)
        let refused: [(String, Double, String, Int?, String)] = [
            ("fancy", 3, "both", nil, "variant must be one of standard, robust, seasonal (got \"fancy\")"),
            ("standard", 0, "both", nil, "k must be a number above 0 and at most 100 (got 0.0)"),
            ("standard", 101, "both", nil, "k must be a number above 0 and at most 100 (got 101.0)"),
            ("robust", 3, "sideways", nil, "tail must be one of both, upper, lower (got \"sideways\")"),
            ("seasonal", 3, "both", 21, "period must be between 2 and half the number of points (20), got 21"),
            ("seasonal", 3, "both", 1, "period must be between 2 and half the number of points (20), got 1"),
        ]
        for (variant, k, tail, period, message) in refused {
            let payload = AnomalyFitPayload(seriesID: "s", timestamps: ts, values: vs, variant: variant, k: k, tail: tail, period: period)
            await #expect(throws: WorkflowError.invalid(message)) { try await baselines.fit(payload, requestID: "r") }
        }
        #expect(try await f.runtime.store.jobs(type: AnomalyFitPayload.type, status: nil, limit: 10, offset: 0).isEmpty)
        #expect(try await f.queue.pop(from: .train, consumer: "c", timeout: .milliseconds(10)) == nil)
    }

    @Test func aFittedBaselineJudgesPointsByVersion() async throws {
        let f = try await WorkflowFixture.make(env: ["TRAIN_TIMEOUT_SECONDS": "30"])
        let baselines = AnomalyBaselines(fits: ModelFits(runtime: f.runtime), cache: ModelCache(capacity: 4))
        await #expect(throws: WorkflowError.notFound("no model for series \"s\": fit it first with POST /fit/s")) {
            try await baselines.baseline(seriesID: "s", version: nil)
        }
        let handler = AnomalyFitHandler(runtime: f.runtime)
        let worker = f.trainWorker { try await handler.handle($0) }
        defer { worker.cancel() }
        let (ts, vs) = Self.points(60)
        let first = try await baselines.fit(
            AnomalyFitPayload(seriesID: "s", timestamps: ts, values: vs, variant: "standard", k: 3, tail: "both", period: nil), requestID: "r")
        let second = try await baselines.fit(
            AnomalyFitPayload(seriesID: "s", timestamps: ts, values: vs.map { $0 + 100 }, variant: "standard", k: 3, tail: "both", period: nil),
            requestID: "r")
        #expect(first.version == 1 && second.version == 2)

        // The latest version is the shifted one: 110 is usual there, 10 far below it.
        let usual = try await baselines.evaluate(seriesID: "s", version: nil, timestamp: ts.last! + 60, value: 110)
        #expect(usual.version == 2 && !usual.verdict.isAnomaly)
        #expect(try await baselines.evaluate(seriesID: "s", version: nil, timestamp: ts.last! + 60, value: 10).verdict.isAnomaly)
        // Version 1 still answers as it was fitted.
        let old = try await baselines.evaluate(seriesID: "s", version: 1, timestamp: ts.last! + 60, value: 10)
        #expect(old.version == 1 && !old.verdict.isAnomaly)
        #expect(try await baselines.evaluate(seriesID: "s", version: 1, timestamp: ts.last! + 60, value: 25).verdict.isAnomaly)
        await #expect(throws: WorkflowError.notFound("series \"s\" has no version v3")) {
            try await baselines.baseline(seriesID: "s", version: 3)
        }
        #expect(baselines.cache.info.size == 2)
    }
}
