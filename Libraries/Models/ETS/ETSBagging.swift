#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Bootstrap aggregation of exponential smoothing (Bergmeir, Hyndman & Benítez 2016, "Bagging
/// exponential smoothing methods using STL decomposition and Box–Cox transformation", IJF 32(2)):
/// the series is Box–Cox transformed (λ by Guerrero's method in [0, 1]), split into trend, season and
/// remainder (STL with a periodic season, or a local linear loess over 6 points without season), the
/// remainder is resampled by a moving block bootstrap, and each rebuilt series is transformed back.
enum ETSBagging {
    /// Guerrero's (1993) λ: the one in [0, 1] that makes sd / mean^(1 − λ) most nearly constant over
    /// subseries of length max(2, m) (the most recent whole subseries), as forecast::BoxCox.lambda.
    /// 1 (no transformation) when the data are not strictly positive.
    static func guerreroLambda(_ y: [Double], period m: Int) -> Double {
        guard y.allSatisfy({ $0 > 0 }) else { return 1 }
        let p = max(2, m)
        let groups = y.count / p
        guard groups >= 2 else { return 1 }
        let tail = Array(y.suffix(groups * p))
        var means = [Double](), sds = [Double]()
        for g in 0..<groups {
            let chunk = Array(tail[(g * p)..<((g + 1) * p)])
            means.append(Statistics.mean(chunk))
            sds.append(Statistics.standardDeviation(chunk))
        }
        func cv(_ lambda: Double) -> Double {
            let ratios = zip(sds, means).map { $0 / pow($1, 1 - lambda) }
            let mean = Statistics.mean(ratios)
            return mean != 0 ? Statistics.standardDeviation(ratios) / mean : .infinity
        }
        // Golden-section search over [0, 1] (R's optimize adds parabolic steps; the minimum is the same).
        var a = 0.0, b = 1.0
        let g = (sqrt(5.0) - 1) / 2
        var c = b - g * (b - a), d = a + g * (b - a)
        var fc = cv(c), fd = cv(d)
        for _ in 0..<60 {
            if fc < fd { b = d; d = c; fd = fc; c = b - g * (b - a); fc = cv(c) }
            else { a = c; c = d; fc = fd; d = a + g * (b - a); fd = cv(d) }
        }
        return (a + b) / 2
    }

    /// (x^λ − 1) / λ, log x at λ = 0; as expm1(λ log x) / λ, which stays accurate for λ near 0.
    static func boxCox(_ x: Double, _ lambda: Double) -> Double {
        lambda == 0 ? log(x) : expm1(lambda * log(x)) / lambda
    }

    /// (λ z + 1)^(1/λ), exp z at λ = 0, and 0 where λ z + 1 ≤ 0.
    static func inverseBoxCox(_ z: Double, _ lambda: Double) -> Double {
        if lambda == 0 { return exp(z) }
        let u = lambda * z
        return u <= -1 ? 0 : exp(log1p(u) / lambda)
    }

    /// Trend plus season, and the remainder: STL with a periodic season (R's `stl(x, "periodic")`: a
    /// seasonal window longer than the series, degree 0, two inner passes) when there are two full
    /// periods, else a local linear loess over 6 points.
    static func decompose(_ z: [Double], period m: Int) -> (fitted: [Double], remainder: [Double]) {
        let n = z.count
        let fitted: [Double]
        if m > 1 && n >= 2 * m {
            let stl = STL(z, period: m, seasonalWindow: 10 * n + 1, seasonalDegree: 0, innerPasses: 2)
            fitted = (0..<n).map { stl.seasonal[$0] + stl.trend[$0] }
        } else {
            fitted = STL.smooth(z, span: min(6, n), degree: 1)
        }
        return (fitted, (0..<n).map { z[$0] - fitted[$0] })
    }

    /// Block length of the moving block bootstrap: two periods for seasonal data, else 8; at most n / 2.
    static func blockLength(n: Int, period m: Int) -> Int {
        max(1, m > 1 && n >= 2 * m ? min(2 * m, n / 2) : min(8, n / 2))
    }

    /// `count` series: `y` itself, then `count - 1` bootstrapped versions of it, and the λ used.
    /// A seasonal decomposition needs `period` ≥ 2 and two full periods; otherwise the trend is a local
    /// linear loess over 6 points (the paper's loess with span 6 / n). The remainder is resampled in blocks
    /// of 2 × period (seasonal) or min(8, n / 2) (not seasonal), the length of the series plus up to one
    /// block is drawn and a random offset into the first block starts the series (Bergmeir et al., §2.3).
    static func bootstrap(_ y: [Double], period m: Int, count: Int, seed: UInt64) -> (series: [[Double]], lambda: Double) {
        let n = y.count
        guard count > 1, n >= 4 else { return ([y], 1) }
        let lambda = guerreroLambda(y, period: m)
        let z = y.map { boxCox($0, lambda) }
        let (fitted, remainder) = decompose(z, period: m)
        let block = blockLength(n: n, period: m)
        var rng = SeededGenerator(seed: seed)
        var out = [y]
        for _ in 1..<count {
            var pool: [Double] = []
            pool.reserveCapacity((n / block + 2) * block)
            for _ in 0..<(n / block + 2) {
                let start = Int.random(in: 0...(n - block), using: &rng)
                pool.append(contentsOf: remainder[start..<(start + block)])
            }
            let offset = Int.random(in: 0..<block, using: &rng)
            out.append((0..<n).map { inverseBoxCox(fitted[$0] + pool[offset + $0], lambda) })
        }
        return (out, lambda)
    }
}
