/// Chooses, from rolling-origin backtests, the forecast to serve: one member model, or the equal-weight mean of
/// several (M4's "Comb" benchmark, the mean of ETS, ARIMA and Theta, is hard to beat with any single one).
///
/// Each member is backtested on the same windows; a candidate is a set of members, its forecast the mean of
/// theirs (bounds averaged alike, then calibrated by ``IntervalCalibration`` on the candidate's own backtest
/// errors). The candidate with the lowest mean scaled error over the windows wins; with no window every
/// member forecast, the `fallback` set is used.
public enum ForecastCombination {
    /// One backtest window: the series up to the origin (for the error scale) and what followed it.
    public struct Window: Sendable {
        public var insample: [Double]
        public var actual: [Double]
        /// Each member's forecast from this origin; a member that failed here is absent.
        public var forecasts: [String: Forecast]
        public init(insample: [Double], actual: [Double], forecasts: [String: Forecast]) {
            self.insample = insample
            self.actual = actual
            self.forecasts = forecasts
        }
    }

    public struct Choice: Sendable, Equatable {
        /// The members averaged (one for a single model), sorted.
        public var members: [String]
        /// Mean MASE of the choice over the windows; nil for the fallback chosen without windows.
        public var score: Double?
        public var label: String { members.count == 1 ? members[0] : "mean(" + members.joined(separator: ",") + ")" }
    }

    /// The candidates: every member alone, and each listed set of two or more.
    public static func candidates(members: [String], combinations: [[String]]) -> [[String]] {
        members.map { [$0] } + combinations.map { $0.sorted() }.filter { $0.count > 1 && $0.allSatisfy(members.contains) }
    }

    /// The mean of `forecasts`: means averaged, each level's bounds averaged (levels all of them have).
    public static func mean(_ forecasts: [Forecast]) -> Forecast? {
        guard let first = forecasts.first else { return nil }
        let h = first.mean.count
        guard forecasts.allSatisfy({ $0.mean.count == h }) else { return nil }
        let k = Double(forecasts.count)
        let mean = (0..<h).map { i in forecasts.reduce(0) { $0 + $1.mean[i] } / k }
        let intervals = first.intervals.compactMap { interval -> PredictionInterval? in
            let all = forecasts.compactMap { $0.interval(level: interval.level) }
            guard all.count == forecasts.count else { return nil }
            return PredictionInterval(
                level: interval.level,
                lower: (0..<h).map { i in all.reduce(0) { $0 + $1.lower[i] } / k },
                upper: (0..<h).map { i in all.reduce(0) { $0 + $1.upper[i] } / k })
        }
        return Forecast(mean: mean, intervals: intervals)
    }

    /// The candidate with the lowest mean MASE over the windows where all its members forecast, counting only
    /// candidates scored on every window that any candidate was scored on; `fallback` without windows.
    public static func choose(_ candidates: [[String]], windows: [Window], period: Int, fallback: [String]) -> Choice {
        var best: Choice?
        let usable = windows.filter { w in candidates.contains { c in c.allSatisfy { w.forecasts[$0] != nil } } }
        for candidate in candidates {
            var total = 0.0, count = 0
            for w in usable {
                guard let f = mean(candidate.compactMap({ w.forecasts[$0] })), candidate.allSatisfy({ w.forecasts[$0] != nil }) else {
                    count = -1
                    break
                }
                let e = AccuracyMetrics.mase(actual: w.actual, forecast: f.mean, insample: w.insample, period: period)
                guard e.isFinite else { count = -1; break }
                total += e
                count += 1
            }
            guard count > 0 else { continue }
            let score = total / Double(count)
            // Ties go to the earlier candidate; a combination must beat a single model strictly.
            if best == nil || score < best!.score! { best = Choice(members: candidate, score: score) }
        }
        return best ?? Choice(members: fallback.sorted(), score: nil)
    }

    /// The chosen combination's forecast from `forecasts` (the members' final ones, or a window's), with the
    /// members' own intervals averaged; nil when a member has none. Calibrate it with ``calibration(_:windows:)``.
    public static func combined(_ choice: Choice, _ forecasts: [String: Forecast]) -> Forecast? {
        guard choice.members.allSatisfy({ forecasts[$0] != nil }) else { return nil }
        return mean(choice.members.compactMap { forecasts[$0] })
    }

    /// The combination's errors on `windows` (those where every member forecast), each window at its origin:
    /// the calibration of its served intervals (``IntervalCalibration/apply(to:pool:)``).
    public static func calibration(_ choice: Choice, windows: [Window]) -> IntervalCalibration {
        var calibration = IntervalCalibration()
        for w in windows {
            if let f = combined(choice, w.forecasts) { calibration.record(forecast: f, actual: w.actual, origin: w.insample.count) }
        }
        return calibration
    }
}
