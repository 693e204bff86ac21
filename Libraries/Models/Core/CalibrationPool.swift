#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Calibrates a series' intervals with what the backtests of many series (a benchmark frequency's series, a
/// tenant's categories) say about how well a few windows predict the next one.
///
/// One series' backtest says little about its own scale: on the benchmark's yearly series the root mean
/// square of the held-out scores over that of the series' own backtest scores has a log standard deviation of
/// 1.0–1.3 (Holt-Winters, theta, Prophet-like), so a quantile taken from a handful of windows is too narrow as
/// often as it is too wide, and the misses cost more than the spare width saves (95 % bands covered 0.80–0.86).
///
/// The pool measures that noise instead of assuming it. For each window of each member it divides the
/// window's scores by the root mean square of the member's other windows whose tests do not overlap it (a
/// window the others did not see, as the next one will be), and keeps the ratios. A series is then calibrated
/// at level `L` with the pool's `L` quantile of those ratios times the series' own scale; the scale is shrunk
/// halfway (geometrically) to the pool's typical scale, since one series' scale is itself an estimate. Measured
/// on the benchmark (BENCHMARKS.md), the half shrink gave the lowest interval score of 0, ¼, ½ and ¾.
public struct CalibrationPool: Sendable, Equatable, Codable {
    /// Each ratio's numerator (a window's score) and its denominator (the scale of the member's other
    /// windows), kept apart so the shrink toward the pool's scale can be applied when asked.
    public private(set) var scores: [Double] = []
    public private(set) var divisors: [Double] = []
    /// The log root mean square of each member's scores.
    public private(set) var logScales: [Double] = []
    /// Each score over its divisor's share of the scale (`score / divisor^ownWeight`), sorted: the quantiles a
    /// multiplier reads, kept in order as members join so that a multiplier is a look-up rather than a sort of the
    /// whole pool (a forecast asks for one per level, per backtest window, per model). Derived, so not encoded.
    private var ordered: [Double] = []

    /// The weight of a series' own scale against the pool's typical one (a geometric mean).
    public static let ownWeight = 0.5
    /// Fewer ratios or members than these and the pool does not calibrate.
    public static let minimumRatios = 50
    public static let minimumMembers = 5
    /// Fewer scores than this and a series' own scale is not estimated.
    public static let minimumOwnScores = 3

    public init() {}

    enum CodingKeys: String, CodingKey { case scores, divisors, logScales }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        scores = try c.decode([Double].self, forKey: .scores)
        divisors = try c.decode([Double].self, forKey: .divisors)
        logScales = try c.decode([Double].self, forKey: .logScales)
        guard scores.count == divisors.count else {
            throw DecodingError.dataCorruptedError(forKey: .divisors, in: c, debugDescription: "\(divisors.count) divisors for \(scores.count) scores")
        }
        ordered = Self.normalised(scores, divisors).sorted()
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(scores, forKey: .scores)
        try c.encode(divisors, forKey: .divisors)
        try c.encode(logScales, forKey: .logScales)
    }

    static func normalised(_ scores: some Sequence<Double>, _ divisors: some Sequence<Double>) -> [Double] {
        zip(scores, divisors).map { s, d in s / pow(d, ownWeight) }
    }

    /// Two sorted arrays as one, in order.
    static func merged(_ a: [Double], _ b: [Double]) -> [Double] {
        var out: [Double] = []
        out.reserveCapacity(a.count + b.count)
        var i = 0, j = 0
        while i < a.count && j < b.count {
            if a[i] <= b[j] { out.append(a[i]); i += 1 } else { out.append(b[j]); j += 1 }
        }
        out += a[i...]
        out += b[j...]
        return out
    }

    public var members: Int { logScales.count }
    public var count: Int { scores.count }

    /// Adds a member's backtest. Two windows overlap when their origins are fewer steps apart than the
    /// longest window has scores (the horizon).
    public mutating func add(_ calibration: IntervalCalibration) {
        let horizon = calibration.windows.map(\.count).max() ?? 0
        guard let rms = calibration.rootMeanSquare, rms > 0, rms.isFinite else { return }
        logScales.append(log(rms))
        let first = scores.count
        let windows = calibration.windows
        for (j, window) in windows.enumerated() {
            var sum = 0.0, n = 0
            for (k, other) in windows.enumerated() where k != j && !Self.overlap(window, other, horizon: horizon) {
                for s in calibration.scores[other.start..<(other.start + other.count)] { sum += s * s }
                n += other.count
            }
            guard n >= Self.minimumOwnScores, sum > 0 else { continue }
            let divisor = (sum / Double(n)).squareRoot()
            for s in calibration.scores[window.start..<(window.start + window.count)] {
                scores.append(s)
                divisors.append(divisor)
            }
        }
        let added = Self.normalised(scores[first...], divisors[first...]).sorted()
        ordered = Self.merged(ordered, added)
    }

    /// Adds every member of `other`.
    public mutating func merge(_ other: CalibrationPool) {
        scores += other.scores
        divisors += other.divisors
        logScales += other.logScales
        ordered = Self.merged(ordered, other.ordered)
    }

    static func overlap(_ a: IntervalCalibration.Window, _ b: IntervalCalibration.Window, horizon: Int) -> Bool {
        guard let x = a.origin, let y = b.origin else { return false }
        return abs(x - y) < horizon
    }

    /// The multiplier of the model's scale at `level` (percent) for a series with `calibration`'s scores, nil
    /// when the pool is too small or the series has too few scores of its own.
    public func multiplier(for calibration: IntervalCalibration, level: Double) -> Double? {
        guard count >= Self.minimumRatios, members >= Self.minimumMembers, level > 0, level < 100,
              calibration.count >= Self.minimumOwnScores, let own = calibration.rootMeanSquare, own > 0, own.isFinite
        else { return nil }
        // The ratios are s / (d^w · G^(1−w)) for the pool's typical scale G, and the multiplier their quantile
        // times own^w · G^(1−w): G divides every ratio alike, so it leaves their order alone and cancels.
        return Statistics.quantile(sorted: ordered, level / 100) * pow(own, Self.ownWeight)
    }
}

