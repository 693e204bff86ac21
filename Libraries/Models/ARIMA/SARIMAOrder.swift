/// The orders of a seasonal ARIMA model: ARIMA(p,d,q)(P,D,Q)[period].
public struct SARIMAOrder: Sendable, Hashable, Codable, CustomStringConvertible {
    public var p: Int
    public var d: Int
    public var q: Int
    public var P: Int
    public var D: Int
    public var Q: Int
    /// Seasonal period m; 1 means non-seasonal (P, D, Q are then ignored and must be 0).
    public var period: Int

    public init(p: Int, d: Int, q: Int, P: Int = 0, D: Int = 0, Q: Int = 0, period: Int = 1) {
        self.p = p
        self.d = d
        self.q = q
        self.P = P
        self.D = D
        self.Q = Q
        self.period = period
    }

    /// True when the order has a seasonal part.
    public var isSeasonal: Bool { period > 1 && (P > 0 || D > 0 || Q > 0) }

    /// The same non-seasonal order without its seasonal part.
    public var nonSeasonal: SARIMAOrder { SARIMAOrder(p: p, d: d, q: q) }

    /// Number of observations lost to differencing: d + D·m.
    public var differencingLoss: Int { d + (period > 1 ? D * period : 0) }

    /// Total number of differences d + D (decides which constant the model can carry).
    public var totalDifferences: Int { d + (period > 1 ? D : 0) }

    public var description: String {
        isSeasonal ? "ARIMA(\(p),\(d),\(q))(\(P),\(D),\(Q))[\(period)]" : "ARIMA(\(p),\(d),\(q))"
    }
}

/// Polynomial helpers in the lag operator.  Coefficient arrays hold the lag-1… coefficients only.
enum LagPolynomial {
    /// Full AR coefficients φ* of (1 - Σ φ_i L^i)(1 - Σ Φ_j L^{jm}) = 1 - Σ φ*_k L^k.
    static func expandAR(_ ar: [Double], _ sar: [Double], period m: Int) -> [Double] {
        let degree = ar.count + sar.count * m
        var poly = [Double](repeating: 0, count: degree + 1)  // coefficients of 1 - ..., sign included
        poly[0] = 1
        for (i, v) in ar.enumerated() { poly[i + 1] = -v }
        if !sar.isEmpty {
            var out = poly
            for (j, s) in sar.enumerated() {
                let shift = (j + 1) * m
                for k in 0...ar.count { out[k + shift] -= s * poly[k] }
            }
            poly = out
        }
        return (1..<(degree + 1)).map { -poly[$0] }
    }

    /// Full MA coefficients θ* of (1 + Σ θ_i L^i)(1 + Σ Θ_j L^{jm}) = 1 + Σ θ*_k L^k.
    static func expandMA(_ ma: [Double], _ sma: [Double], period m: Int) -> [Double] {
        let degree = ma.count + sma.count * m
        var poly = [Double](repeating: 0, count: degree + 1)
        poly[0] = 1
        for (i, v) in ma.enumerated() { poly[i + 1] = v }
        if !sma.isEmpty {
            var out = poly
            for (j, s) in sma.enumerated() {
                let shift = (j + 1) * m
                for k in 0...ma.count { out[k + shift] += s * poly[k] }
            }
            poly = out
        }
        return Array(poly.dropFirst())
    }

    /// Coefficients c of (1 - L)^d (1 - L^m)^D = 1 - Σ c_j L^j.
    static func differencing(d: Int, D: Int, period m: Int) -> [Double] {
        var poly: [Double] = [1]
        func multiply(lag: Int) {
            var out = [Double](repeating: 0, count: poly.count + lag)
            for (i, v) in poly.enumerated() {
                out[i] += v
                out[i + lag] -= v
            }
            poly = out
        }
        for _ in 0..<d { multiply(lag: 1) }
        if m > 1 { for _ in 0..<D { multiply(lag: m) } }
        return poly.dropFirst().map { -$0 }
    }

    /// Applies (1 - L)^d (1 - L^m)^D to x; the result is shorter by d + D·m.
    static func difference(_ x: [Double], d: Int, D: Int, period m: Int) -> [Double] {
        var out = x
        if m > 1 {
            for _ in 0..<D {
                guard out.count > m else { return [] }
                out = (m..<out.count).map { out[$0] - out[$0 - m] }
            }
        }
        for _ in 0..<d {
            guard out.count > 1 else { return [] }
            out = (1..<out.count).map { out[$0] - out[$0 - 1] }
        }
        return out
    }

    /// Maps unconstrained reals to the coefficients of a stationary AR polynomial 1 - Σ φ_i L^i
    /// (partial autocorrelations r = x / √(1 + x²), then Durbin–Levinson), as statsmodels'
    /// enforce_stationarity does (Jones 1980 / Monahan 1984).
    static func constrainStationary(_ x: ArraySlice<Double>) -> [Double] {
        let n = x.count
        var phi = [Double](repeating: 0, count: n)
        var prev = [Double](repeating: 0, count: n)
        var k = 0
        for value in x {
            let r = value / (1 + value * value).squareRoot()
            for i in 0..<k { prev[i] = phi[i] }
            for i in 0..<k { phi[i] = prev[i] - r * prev[k - 1 - i] }
            phi[k] = r
            k += 1
        }
        return phi
    }

    /// Inverse of `constrainStationary`; nil when the polynomial is not stationary.
    static func unconstrainStationary(_ phi: [Double]) -> [Double]? {
        guard let pacf = partialAutocorrelations(phi) else { return nil }
        return pacf.map { $0 / (1 - $0 * $0).squareRoot() }
    }

    /// Step-down (inverse Durbin–Levinson) recursion: the partial autocorrelations of the AR
    /// polynomial 1 - Σ φ_i L^i, or nil when a root lies on or inside the unit circle.
    static func partialAutocorrelations(_ phi: [Double]) -> [Double]? {
        var a = phi
        var pacf = [Double](repeating: 0, count: phi.count)
        var k = phi.count
        while k > 0 {
            let r = a[k - 1]
            guard abs(r) < 1, r.isFinite else { return nil }
            pacf[k - 1] = r
            let denom = 1 - r * r
            var next = [Double](repeating: 0, count: k - 1)
            for i in 0..<(k - 1) { next[i] = (a[i] + r * a[k - 2 - i]) / denom }
            a = next
            k -= 1
        }
        return pacf
    }

    /// True when every root of 1 - Σ φ_i z^i has modulus greater than `radius`.
    static func rootsOutside(_ phi: [Double], radius: Double) -> Bool {
        var scaled = phi
        var f = 1.0
        for i in scaled.indices {
            f *= radius
            scaled[i] *= f
        }
        // trailing zeros do not change the roots
        while let last = scaled.last, last == 0 { scaled.removeLast() }
        return partialAutocorrelations(scaled) != nil
    }
}
