/// Unit-root and seasonality heuristics for choosing d and D.
enum DifferencingTests {
    /// KPSS statistic for level stationarity with Bartlett-weighted long-run variance.
    static func kpss(_ x: [Double], lags: Int? = nil) -> Double {
        let n = x.count
        let mean = x.reduce(0, +) / Double(n)
        let e = x.map { $0 - mean }
        var s = 0.0, eta = 0.0
        for v in e {
            s += v
            eta += s * s
        }
        let l = lags ?? Int((3 * Double(n).squareRoot() / 13).rounded(.down))
        var lrv = e.reduce(0) { $0 + $1 * $1 } / Double(n)
        if l > 0 {
            for k in 1...l {
                var acc = 0.0
                for t in k..<n { acc += e[t] * e[t - k] }
                lrv += 2 * (1 - Double(k) / Double(l + 1)) * acc / Double(n)
            }
        }
        guard lrv > 0 else { return 0 }
        return eta / (Double(n) * Double(n) * lrv)
    }

    /// Number of first differences (0…maxD) by repeated KPSS tests at 5 % (critical value 0.463).
    static func ndiffs(_ x: [Double], maxD: Int = 2) -> Int {
        var x = x
        var d = 0
        while d < maxD {
            guard x.count > 3, !isConstant(x) else { return d }
            if kpss(x) <= 0.463 { return d }
            x = LagPolynomial.difference(x, d: 1, D: 0, period: 1)
            d += 1
        }
        return d
    }

    static func isConstant(_ x: [Double]) -> Bool {
        guard let f = x.first else { return true }
        return x.allSatisfy { abs($0 - f) <= 1e-12 * max(1, abs(f)) }
    }

    /// Seasonal differences (0 or 1): 1 when the seasonal strength of an STL decomposition (seasonal
    /// window 11, as forecast::mstl) exceeds 0.64 — the "seas" test of forecast::nsdiffs and statsforecast.
    static func nsdiffs(_ x: [Double], period m: Int) -> Int {
        guard m > 1, x.count > 2 * m else { return 0 }
        return STL(x, period: m).seasonalStrength > 0.64 ? 1 : 0
    }
}

/// Hyndman–Khandakar stepwise search (forecast::auto.arima / statsforecast AutoARIMA).
enum AutoSARIMA {
    struct Candidate: Hashable {
        var p: Int, q: Int, P: Int, Q: Int
        var constant: Bool
    }

    /// With a `budget`, no candidate is fitted once it is exhausted (except while none has been fitted), a
    /// candidate whose optimisation is overtaken by it is dropped, and the chosen order keeps its screening fit
    /// when the final refit cannot finish within it: the best model so far is returned with a note.
    static func search(_ y: [Double], period: Int, exog: [[Double]]?, budget: TimeBudget? = nil) throws -> SARIMAXFit {
        let xUser = try SARIMAX.validate(y, order: nil, exog: exog)
        guard period >= 1 else { throw ModelError("SARIMAX: the period must be at least 1") }
        var notes: [String] = []
        var m = period
        let n = y.count
        if m > 1 && n <= 2 * m + 3 {
            notes.append("series of \(n) values is too short for seasonal period \(m); searched non-seasonal models")
            m = 1
        }
        // regression residuals decide the differencing, as auto.arima does with xreg
        var series = y
        if !xUser.isEmpty {
            var xm = Matrix(rows: n, columns: xUser.count + 1)
            for t in 0..<n {
                xm[t, 0] = 1
                for j in 0..<xUser.count { xm[t, j + 1] = xUser[j][t] }
            }
            if let b = Matrix.leastSquares(xm, y, ridge: 1e-10) {
                series = (0..<n).map { t in
                    var v = y[t] - b[0]
                    for j in 0..<xUser.count { v -= b[j + 1] * xUser[j][t] }
                    return v
                }
            }
        }
        let D = m > 1 ? DifferencingTests.nsdiffs(series, period: m) : 0
        let seasonallyDifferenced = LagPolynomial.difference(series, d: 0, D: D, period: m)
        let d = DifferencingTests.ndiffs(seasonallyDifferenced)
        let nStar = n - d - D * m
        // cap orders so the models stay estimable on short series
        let maxP = min(5, max(0, nStar / 3 - 1)), maxQ = maxP
        let maxSP = m > 1 ? min(2, max(0, nStar / (3 * m))) : 0, maxSQ = maxSP
        let allowConstant = d + D <= 1

        var cache: [Candidate: SARIMAXFit?] = [:]
        var best: (Candidate, SARIMAXFit)?
        // Set when the budget ran out before a candidate: the search stops there.
        var outOfTime = false
        func score(_ c: Candidate) -> Double {
            if let cached = cache[c] { return cached.map(validAICc) ?? .infinity }
            guard cache.count < 94, !outOfTime else { return .infinity }
            guard c.p >= 0, c.q >= 0, c.P >= 0, c.Q >= 0, c.p <= maxP, c.q <= maxQ, c.P <= maxSP, c.Q <= maxSQ,
                  !(c.constant && !allowConstant)
            else { return .infinity }
            let order = SARIMAOrder(p: c.p, d: d, q: c.q, P: c.P, D: D, Q: c.Q, period: m)
            var fitNotes = notes
            let admissible = try? SARIMAX.admissible(order, n: n, exogColumns: xUser.count, notes: &fitNotes)
            guard admissible == order else { cache[c] = .some(nil); return .infinity }
            if best != nil, let budget, budget.isExhausted {
                outOfTime = true
                return .infinity
            }
            // The first model is fitted to the end; later ones are abandoned when the budget runs out mid-fit.
            let fit = SARIMAX.fitOrder(y, order: order, userExog: xUser, includeConstant: c.constant,
                                       notes: notes, thorough: false, budget: best == nil ? nil : budget)
            if fit == nil, best != nil, let budget, budget.isExhausted {
                outOfTime = true
                return .infinity
            }
            cache[c] = .some(fit)
            guard let fit else { return .infinity }
            let value = validAICc(fit)
            if value < (best.map { validAICc($0.1) } ?? .infinity) { best = (c, fit) }
            return value
        }
        let seasonal = m > 1
        let starts: [Candidate] = [
            Candidate(p: 2, q: 2, P: seasonal ? 1 : 0, Q: seasonal ? 1 : 0, constant: allowConstant),
            Candidate(p: 0, q: 0, P: 0, Q: 0, constant: allowConstant),
            Candidate(p: 1, q: 0, P: seasonal ? 1 : 0, Q: 0, constant: allowConstant),
            Candidate(p: 0, q: 1, P: 0, Q: seasonal ? 1 : 0, constant: allowConstant),
        ] + (allowConstant ? [Candidate(p: 0, q: 0, P: 0, Q: 0, constant: false)] : [])
        for c in starts where !outOfTime { _ = score(c) }
        guard var current = best else {
            // nothing estimable: fall back to the simplest model of this differencing
            notes.append("no candidate model could be estimated; fitted ARIMA(0,\(d),0)")
            return try SARIMAX.fit(y, order: SARIMAOrder(p: 0, d: min(d, 1), q: 0), exog: exog, includeConstant: allowConstant)
        }
        var improved = true
        while improved && cache.count < 94 && !outOfTime {
            improved = false
            let c = current.0
            var moves: [Candidate] = []
            func add(_ dp: Int, _ dq: Int, _ dP: Int, _ dQ: Int) {
                moves.append(Candidate(p: c.p + dp, q: c.q + dq, P: c.P + dP, Q: c.Q + dQ, constant: c.constant))
            }
            if seasonal {
                add(0, 0, -1, 0); add(0, 0, 1, 0); add(0, 0, 0, -1); add(0, 0, 0, 1)
                add(0, 0, -1, -1); add(0, 0, -1, 1); add(0, 0, 1, -1); add(0, 0, 1, 1)
            }
            add(-1, 0, 0, 0); add(1, 0, 0, 0); add(0, -1, 0, 0); add(0, 1, 0, 0)
            add(-1, -1, 0, 0); add(-1, 1, 0, 0); add(1, -1, 0, 0); add(1, 1, 0, 0)
            if allowConstant { moves.append(Candidate(p: c.p, q: c.q, P: c.P, Q: c.Q, constant: !c.constant)) }
            let currentScore = validAICc(current.1)
            for move in moves where !outOfTime {
                if score(move) < currentScore - 1e-9, let b = best {
                    current = b
                    improved = true
                    break
                }
            }
        }
        var chosen = current.1
        var refitSkipped = outOfTime || budget?.isExhausted == true
        if !refitSkipped {
            let refit = SARIMAX.fitOrder(y, order: chosen.order, userExog: xUser, includeConstant: current.0.constant,
                                         notes: notes, thorough: true, budget: budget)
            if let refit, validAICc(refit) <= validAICc(chosen) + 1e-9 {
                chosen = refit
            } else if refit == nil, budget?.isExhausted == true {
                refitSkipped = true
            }
        }
        var summary = chosen.summary
        summary.notes = notes + summary.notes.filter { !notes.contains($0) }
        summary.notes.append("auto: d=\(d) (KPSS), D=\(D) (seasonal strength), \(cache.count) models fitted by AICc")
        if let budget, outOfTime {
            summary.notes.append(
                "order search stopped after \(cache.count) candidate\(cache.count == 1 ? "" : "s"): \(budget) reached (the best so far keeps its screening fit)")
        } else if let budget, refitSkipped {
            summary.notes.append("\(budget) reached before the final refit finished: the chosen order keeps its screening fit")
        }
        return chosen.withSummary(summary)
    }

    /// AICc, or +∞ when AR roots lie within 1.01 of the unit circle (as auto.arima).  Unlike
    /// auto.arima, MA roots near the unit circle are accepted: invertibility is enforced by the
    /// parametrisation, and exact ML on short seasonal series often puts Θ₁ at ≈ -1 (a deterministic
    /// seasonal pattern), whose forecasts are well defined.
    static func validAICc(_ fit: SARIMAXFit) -> Double {
        guard LagPolynomial.rootsOutside(fit.phi, radius: 1.01) else { return .infinity }
        let v = fit.aicc
        return v.isFinite ? v : .infinity
    }
}

extension SARIMAXFit {
    func withSummary(_ summary: ModelSummary) -> SARIMAXFit {
        var copy = self
        copy.summary = summary
        return copy
    }
}
