/// A prediction interval at one coverage level (e.g. 95 for a 95% interval).
public struct PredictionInterval: Sendable, Equatable, Codable {
    public var level: Double
    public var lower: [Double]
    public var upper: [Double]

    public init(level: Double, lower: [Double], upper: [Double]) {
        self.level = level
        self.lower = lower
        self.upper = upper
    }
}

/// Point forecasts with prediction intervals, the common output of every model.
public struct Forecast: Sendable, Equatable, Codable {
    public var mean: [Double]
    public var intervals: [PredictionInterval]

    public init(mean: [Double], intervals: [PredictionInterval]) {
        self.mean = mean
        self.intervals = intervals
    }

    public func interval(level: Double) -> PredictionInterval? {
        intervals.first { abs($0.level - level) < 1e-9 }
    }

    /// Builds symmetric Gaussian intervals from forecast standard deviations.
    public static func gaussian(mean: [Double], sd: [Double], levels: [Double]) -> Forecast {
        precondition(mean.count == sd.count)
        let intervals = levels.map { level -> PredictionInterval in
            let z = Normal.quantile(0.5 + level / 200)
            return PredictionInterval(
                level: level,
                lower: zip(mean, sd).map { $0 - z * $1 },
                upper: zip(mean, sd).map { $0 + z * $1 })
        }
        return Forecast(mean: mean, intervals: intervals)
    }

    /// Builds intervals from simulated sample paths: `paths[s][h]`.
    public static func empirical(mean: [Double], paths: [[Double]], levels: [Double]) -> Forecast {
        let horizon = mean.count
        var columns = [[Double]](repeating: [], count: horizon)
        for path in paths {
            for h in 0..<horizon { columns[h].append(path[h]) }
        }
        for h in 0..<horizon { columns[h].sort() }
        let intervals = levels.map { level -> PredictionInterval in
            let alpha = (100 - level) / 200
            return PredictionInterval(
                level: level,
                lower: columns.map { Statistics.quantile(sorted: $0, alpha) },
                upper: columns.map { Statistics.quantile(sorted: $0, 1 - alpha) })
        }
        return Forecast(mean: mean, intervals: intervals)
    }
}

/// Information criteria of a fit by maximum likelihood.
public struct InformationCriteria: Sendable, Equatable, Codable {
    public var logLikelihood: Double
    public var aic: Double
    public var aicc: Double
    public var bic: Double

    /// - Parameters: `k` is the number of estimated parameters (including the variance), `n` the number of observations.
    public init(logLikelihood: Double, parameterCount k: Int, observations n: Int) {
        self.logLikelihood = logLikelihood
        let kd = Double(k), nd = Double(n)
        aic = -2 * logLikelihood + 2 * kd
        aicc = n - k - 1 > 0 ? aic + 2 * kd * (kd + 1) / (nd - kd - 1) : .infinity
        bic = -2 * logLikelihood + kd * log(nd)
    }
}

/// Errors every model can report.
public struct ModelError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
