import Foundation
import Workflows
import Store
import Testing

/// A worker's shutdown grace period ends by cancelling the job's task. The fits run on Dispatch threads, out of
/// the task's reach, so `ForecastEngine.run` must look at the cancellation itself: otherwise a SIGTERM during a
/// long backtest holds the process until the last window is fitted, and the fit's results are written after
/// the job was handed back.
@Suite struct ForecastCancellationTests {
    /// Two years of a weekly pattern with noise: 60 backtest windows of three models take seconds.
    static let values: [Double] = {
        var g = SystemRandomNumberGenerator()
        return (0..<730).map { (day: Int) -> Double in
            let season = 20 * sin(2 * Double.pi * Double(day) / 7)
            return 100 + season + Double(day) * 0.05 + Double.random(in: -5...5, using: &g)
        }
    }()

    @Test func cancelledRunThrowsInsteadOfFinishing() async throws {
        let options = ForecastEngine.Options(horizon: 7, backtestWindows: 60)
        let task = Task { try await ForecastEngine.run(values: Self.values, startDay: 19_723, options: options) }
        try await Task.sleep(for: .milliseconds(200))
        task.cancel()
        await #expect(throws: CancellationError.self) { _ = try await task.value }
    }

    @Test func uncancelledRunReturnsEveryModel() async throws {
        let runs = try await ForecastEngine.run(values: Array(Self.values.prefix(180)), startDay: 19_723, options: .init(horizon: 7, backtestWindows: 2))
        #expect(runs.map(\.model) == ModelType.allCases)
        #expect(runs.allSatisfy { $0.backtest?.windows == 2 })
    }
}
