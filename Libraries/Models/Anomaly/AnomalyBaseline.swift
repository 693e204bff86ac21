#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A per-series anomaly baseline (seed 004): a centre and a scale learnt from training values; a new value is
/// anomalous when it lies more than `k` scales from the centre.
///
/// Seed 004's own model is the `.standard` variant with `k = 3` and `tail: .upper`: mean and population
/// standard deviation (NumPy's `np.std`, ddof 0) and `value > mean + 3·std`. Almanac defaults to both tails.
///
/// The rule is strict: a value exactly on a bound is normal. With a zero scale (all training values equal, or
/// more than half equal for `.robust`), every value different from the centre on a watched tail is anomalous
/// and the score is ±infinity; the centre itself scores 0.
public struct AnomalyBaseline: Sendable, Codable, Equatable {
    /// How centre and scale are estimated.
    public enum Variant: String, Sendable, Codable, Equatable, CaseIterable {
        /// Mean and population standard deviation of all training values (seed 004).
        case standard
        /// Median and MAD·1.4826 (the MAD scaled to estimate a normal standard deviation), insensitive to the
        /// very outliers one is looking for in the training data.
        case robust
        /// One mean and population standard deviation per position in a period (see `period`).
        case seasonal
    }

    /// Which deviations count.
    public enum Tail: String, Sendable, Codable, Equatable {
        /// Too high or too low.
        case both
        /// Only too high (seed 004's rule).
        case upper
        /// Only too low.
        case lower
    }

    /// Fewest training points accepted (seed 004's `MIN_TRAINING_DATA_POINTS`).
    public static let minimumPoints = 3

    public private(set) var variant: Variant
    public private(set) var k: Double
    public private(set) var tail: Tail
    /// Centre per phase (one entry unless seasonal).
    public private(set) var centers: [Double]
    /// Scale per phase (one entry unless seasonal).
    public private(set) var scales: [Double]
    /// Seasonal period in sampling steps (1 unless seasonal).
    public private(set) var period: Int
    /// Seasonal sampling step in seconds: the median gap between consecutive training timestamps.
    public private(set) var step: Double
    /// Seasonal origin: the earliest training timestamp, the start of phase 0.
    public private(set) var origin: Double
    /// Number of training points.
    public private(set) var trainingCount: Int

    /// Learns a baseline from a series.
    ///
    /// - Parameters:
    ///   - timestamps: seconds (Unix time or any other origin), one per value, no duplicates, any order.
    ///   - values: the training values, finite.
    ///   - variant: `.standard`, `.robust` or `.seasonal`.
    ///   - k: how many scales from the centre a value may lie before it is anomalous (> 0, default 3).
    ///   - tail: which side counts (default both).
    ///   - period: for `.seasonal`, the period in sampling steps (≥ 2); nil detects it (see below). Ignored by
    ///     the other variants.
    ///
    /// **Seasonal positions.** Points are taken in time order. The step Δ is the median gap between consecutive
    /// timestamps and the origin t₀ the first timestamp. A timestamp t has index `round((t − t₀)/Δ)` and phase
    /// `index mod period` (non-negative, so timestamps before t₀ also have a phase). Each phase gets the mean and
    /// population standard deviation of its training values; every phase needs at least two values.
    ///
    /// **Period detection.** With `period: nil`, the period is the lag L in 2…n/2 with the largest sample
    /// autocorrelation of the time-ordered values, among lags that are local maxima of the autocorrelation
    /// and exceed 0.3. If none qualifies, fitting fails: pass a period or use another variant.
    public static func fit(
        timestamps: [Double], values: [Double], variant: Variant = .standard, k: Double = 3, tail: Tail = .both,
        period: Int? = nil
    ) throws -> AnomalyBaseline {
        guard timestamps.count == values.count else {
            throw ModelError("anomaly baseline: \(timestamps.count) timestamps but \(values.count) values")
        }
        let n = values.count
        guard n >= minimumPoints else {
            throw ModelError("anomaly baseline: at least \(minimumPoints) points are needed to fit, got \(n)")
        }
        if let i = values.firstIndex(where: { !$0.isFinite }) {
            throw ModelError("anomaly baseline: value \(i) is not a finite number (\(values[i]))")
        }
        if let i = timestamps.firstIndex(where: { !$0.isFinite }) {
            throw ModelError("anomaly baseline: timestamp \(i) is not a finite number (\(timestamps[i]))")
        }
        guard k.isFinite, k > 0 else { throw ModelError("anomaly baseline: k must be a positive number, got \(k)") }
        let order = timestamps.indices.sorted { timestamps[$0] < timestamps[$1] }
        for (a, b) in zip(order, order.dropFirst()) where timestamps[a] == timestamps[b] {
            throw ModelError("anomaly baseline: duplicate timestamp \(timestamps[a]) (points \(min(a, b)) and \(max(a, b)))")
        }

        switch variant {
        case .standard:
            let (mean, sd) = meanAndPopulationSD(values)
            return AnomalyBaseline(
                variant: variant, k: k, tail: tail, centers: [mean], scales: [sd], period: 1, step: 0, origin: 0,
                trainingCount: n)
        case .robust:
            let median = Statistics.median(values)
            let mad = Statistics.median(values.map { abs($0 - median) })
            return AnomalyBaseline(
                variant: variant, k: k, tail: tail, centers: [median], scales: [1.4826 * mad], period: 1, step: 0,
                origin: 0, trainingCount: n)
        case .seasonal:
            let sortedTimes = order.map { timestamps[$0] }
            let sortedValues = order.map { values[$0] }
            let step = Statistics.median(zip(sortedTimes.dropFirst(), sortedTimes).map { $0 - $1 })
            let m: Int
            if let period {
                guard period >= 2 else { throw ModelError("anomaly baseline: a seasonal period must be at least 2, got \(period)") }
                m = period
            } else {
                guard let detected = detectPeriod(sortedValues) else {
                    throw ModelError(
                        "anomaly baseline: no seasonal period detected in \(n) points (no autocorrelation peak above 0.3); pass a period or use the standard variant")
                }
                m = detected
            }
            guard n >= 2 * m else {
                throw ModelError("anomaly baseline: a seasonal period of \(m) needs at least \(2 * m) points, got \(n)")
            }
            var byPhase = [[Double]](repeating: [], count: m)
            let origin = sortedTimes[0]
            for (t, v) in zip(sortedTimes, sortedValues) {
                byPhase[phase(of: t, origin: origin, step: step, period: m)].append(v)
            }
            if let empty = byPhase.firstIndex(where: { $0.count < 2 }) {
                throw ModelError(
                    "anomaly baseline: seasonal phase \(empty) of \(m) has \(byPhase[empty].count) training point(s), at least 2 are needed")
            }
            let stats = byPhase.map(meanAndPopulationSD)
            return AnomalyBaseline(
                variant: variant, k: k, tail: tail, centers: stats.map(\.0), scales: stats.map(\.1), period: m,
                step: step, origin: origin, trainingCount: n)
        }
    }

    /// Judges one point. `timestamp` matters only for the seasonal variant.
    public func evaluate(timestamp: Double, value: Double) -> AnomalyVerdict {
        let p = variant == .seasonal ? AnomalyBaseline.phase(of: timestamp, origin: origin, step: step, period: period) : 0
        let center = centers[p], scale = scales[p]
        let deviation = value - center
        let score: Double
        if scale > 0 {
            score = deviation / scale
        } else if value.isNaN {
            score = .nan
        } else {
            score = deviation == 0 ? 0 : (deviation > 0 ? .infinity : -.infinity)
        }
        let isAnomaly: Bool
        switch tail {
        case .both: isAnomaly = abs(score) > k
        case .upper: isAnomaly = score > k
        case .lower: isAnomaly = score < -k
        }
        return AnomalyVerdict(
            isAnomaly: isAnomaly || value.isNaN, score: score, lower: center - k * scale, upper: center + k * scale,
            center: center, scale: scale, phase: p)
    }

    /// Phase of a timestamp: `round((t − origin)/step) mod period`, non-negative.
    static func phase(of t: Double, origin: Double, step: Double, period: Int) -> Int {
        guard period > 1, step > 0 else { return 0 }
        let index = ((t - origin) / step).rounded()
        let r = fmod(index, Double(period))
        let p = Int(r < 0 ? r + Double(period) : r)
        return min(max(p, 0), period - 1)
    }

    /// The lag with the highest autocorrelation among local peaks above 0.3, lags 2…n/2; nil when none.
    static func detectPeriod(_ x: [Double]) -> Int? {
        let n = x.count
        let maxLag = n / 2
        guard maxLag >= 2 else { return nil }
        let mean = x.reduce(0, +) / Double(n)
        let denominator = x.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
        guard denominator > 0 else { return nil }
        func acf(_ lag: Int) -> Double {
            var s = 0.0
            for t in 0..<(n - lag) { s += (x[t] - mean) * (x[t + lag] - mean) }
            return s / denominator
        }
        let r = (0...(maxLag + 1)).map { $0 <= n - 1 ? acf($0) : -.infinity }
        var best: Int?
        for lag in 2...maxLag where r[lag] > 0.3 && r[lag] >= r[lag - 1] && r[lag] >= r[lag + 1] {
            if best == nil || r[lag] > r[best!] { best = lag }
        }
        return best
    }

    private static func meanAndPopulationSD(_ x: [Double]) -> (Double, Double) {
        let mean = x.reduce(0, +) / Double(x.count)
        let variance = x.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(x.count)
        return (mean, variance.squareRoot())
    }
}

/// The baseline's judgement of one point.
public struct AnomalyVerdict: Sendable, Codable, Equatable {
    /// True when the point is outside the watched bound(s) (or the value is NaN).
    public var isAnomaly: Bool
    /// (value − centre) / scale: how many scales from the centre; ±infinity when the scale is 0 and the value
    /// differs from the centre.
    public var score: Double
    /// centre − k·scale. A value below it is anomalous when the lower tail is watched.
    public var lower: Double
    /// centre + k·scale. A value above it is anomalous when the upper tail is watched.
    public var upper: Double
    public var center: Double
    public var scale: Double
    /// The seasonal phase used (0 for non-seasonal variants).
    public var phase: Int
}

extension AnomalyBaseline {
    /// Decodes a stored baseline and checks it is usable (one centre and scale per phase, finite numbers).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        variant = try c.decode(Variant.self, forKey: .variant)
        k = try c.decode(Double.self, forKey: .k)
        tail = try c.decode(Tail.self, forKey: .tail)
        centers = try c.decode([Double].self, forKey: .centers)
        scales = try c.decode([Double].self, forKey: .scales)
        period = try c.decode(Int.self, forKey: .period)
        step = try c.decode(Double.self, forKey: .step)
        origin = try c.decode(Double.self, forKey: .origin)
        trainingCount = try c.decode(Int.self, forKey: .trainingCount)
        guard period >= 1, centers.count == period, scales.count == period, k.isFinite, k > 0,
            centers.allSatisfy(\.isFinite), scales.allSatisfy({ $0.isFinite && $0 >= 0 }), step.isFinite,
            origin.isFinite
        else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "anomaly baseline: inconsistent stored state"))
        }
    }
}
