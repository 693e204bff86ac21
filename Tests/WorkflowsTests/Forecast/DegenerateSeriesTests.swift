import Foundation
import Models
import Store
import Workflows
import Testing

/// A forecast worker meets whatever the users upload. Every model must return a forecast or an error on
/// awkward series — never trap, never produce non-finite numbers — since a trap takes the worker down
/// (and, in the embedded default, the whole server).
@Suite struct DegenerateSeriesTests {
    static let series: [(String, [Double])] = {
        var out: [(String, [Double])] = []
        for n in [8, 15, 30, 120] {
            out.append(("zeros-\(n)", [Double](repeating: 0, count: n)))
            out.append(("constant-\(n)", [Double](repeating: 5, count: n)))
            out.append(("spike-\(n)", (0..<n).map { $0 == n / 2 ? 1000 : 0 }))
            out.append(("alternating-\(n)", (0..<n).map { $0 % 2 == 0 ? 1 : -1 }))
            out.append(("linear-\(n)", (0..<n).map { Double($0) }))
            out.append(("huge-\(n)", (0..<n).map { 1e9 + Double($0 % 7) * 1e7 }))
            out.append(("tiny-\(n)", (0..<n).map { 1e-9 * Double(1 + $0 % 7) }))
            out.append(("negative-\(n)", (0..<n).map { -50 - Double($0 % 7) }))
            out.append(("intermittent-\(n)", (0..<n).map { $0 % 9 == 0 ? 3 : 0 }))
            out.append(("weekly-step-\(n)", (0..<n).map { $0 % 7 == 0 ? 15 : 2 }))
            out.append(("exponential-\(n)", (0..<n).map { pow(1.2, Double($0 % 60)) }))
        }
        return out
    }()

    @Test(arguments: series.map(\.0))
    func everyModelAnswersWithoutTrapping(_ name: String) async throws {
        let values = Self.series.first { $0.0 == name }!.1
        let runs = try await ForecastEngine.run(values: values, startDay: 19_723, options: .init(horizon: 14, backtestWindows: 2))
        #expect(runs.map(\.model) == ModelType.allCases)
        for run in runs {
            if let f = run.forecast {
                #expect(f.mean.count == 14, "\(name) \(run.model)")
                #expect(f.mean.allSatisfy { $0.isFinite }, "\(name) \(run.model): non-finite mean")
                for i in f.intervals {
                    #expect(zip(i.lower, i.upper).allSatisfy { $0.0.isFinite && $0.1.isFinite && $0.0 <= $0.1 }, "\(name) \(run.model): bad interval")
                }
            } else {
                #expect(run.error != nil, "\(name) \(run.model): neither a forecast nor an error")
            }
        }
    }
}
