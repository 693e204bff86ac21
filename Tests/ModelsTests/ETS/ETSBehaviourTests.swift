import Foundation
import Testing
@testable import Models

@Suite("ETS behaviour")
struct ETSBehaviourTests {
    /// Simulates an ETS path with the model's own recursion.
    static func simulate(
        spec: ETSSpec, n: Int, m: Int, alpha: Double, beta: Double = 0, gamma: Double = 0, phi: Double = 1,
        level: Double, trend: Double = 0, seasonal: [Double] = [], sigma: Double, rng: inout SeededGenerator
    ) -> [Double] {
        var l = level, b = trend, s = seasonal.isEmpty ? [0.0] : seasonal
        var y: [Double] = []
        for t in 0..<n {
            let k = t % max(m, 1)
            let q = l + (spec.hasTrend ? phi * b : 0)
            let si = spec.hasSeason ? s[k] : (spec.season == .multiplicative ? 1 : 0)
            let mu = spec.season == .multiplicative ? q * si : q + si
            let e = sigma * rng.normal()
            let yt = spec.error == .multiplicative ? mu * (1 + e) : mu + e
            let p = spec.season == .multiplicative ? yt / si : yt - si
            l = q + alpha * (p - q)
            if spec.hasTrend { b = (spec.hasTrend ? phi * b : 0) + beta * (p - q) }
            if spec.hasSeason { s[k] = si + gamma * ((spec.season == .multiplicative ? yt / q : yt - q) - si) }
            y.append(yt)
        }
        return y
    }

    static func coverage(spec: ETSSpec, replications: Int, n: Int, h: Int, m: Int, seed: UInt64,
                         generate: (inout SeededGenerator) -> [Double]) throws -> Double {
        var rng = SeededGenerator(seed: seed)
        var inside = 0, total = 0
        for _ in 0..<replications {
            let y = generate(&rng)
            let fit = try HoltWinters.fit(Array(y[0..<n]), period: m, spec: spec)
            let f = fit.forecast(horizon: h, levels: [95])
            let pi = f.interval(level: 95)!
            for j in 0..<h {
                if y[n + j] >= pi.lower[j] && y[n + j] <= pi.upper[j] { inside += 1 }
                total += 1
            }
        }
        return Double(inside) / Double(total)
    }

    /// 95% intervals on data simulated from the fitted form cover about 95% of the future values
    /// (closed-form variance for ETS(A,A,N); simulated paths for ETS(M,N,M)). 300 replications x 6 steps:
    /// the binomial standard error is about 0.5%, the bound allows for estimation error in the parameters.
    @Test func intervalCoverageAdditive() throws {
        let spec = ETSSpec(error: .additive, trend: .additive, season: .none)
        let cov = try Self.coverage(spec: spec, replications: 300, n: 80, h: 6, m: 1, seed: 7) { rng in
            Self.simulate(spec: spec, n: 86, m: 1, alpha: 0.3, beta: 0.05, level: 100, trend: 1, sigma: 2, rng: &rng)
        }
        #expect(cov > 0.92 && cov < 0.975, "coverage \(cov)")
    }

    @Test func intervalCoverageMultiplicative() throws {
        let spec = ETSSpec(error: .multiplicative, trend: .none, season: .multiplicative)
        let pattern = [0.8, 1.0, 1.3, 0.9]
        let cov = try Self.coverage(spec: spec, replications: 150, n: 60, h: 8, m: 4, seed: 11) { rng in
            Self.simulate(spec: spec, n: 68, m: 4, alpha: 0.2, gamma: 0.1, level: 50, seasonal: pattern, sigma: 0.05, rng: &rng)
        }
        #expect(cov > 0.91 && cov < 0.975, "coverage \(cov)")
    }

    /// Parameters of a long simulated series are recovered.
    @Test func recoversParameters() throws {
        let spec = ETSSpec(error: .additive, trend: .additiveDamped, season: .additive)
        var rng = SeededGenerator(seed: 3)
        let y = Self.simulate(spec: spec, n: 2000, m: 4, alpha: 0.3, beta: 0.1, gamma: 0.2, phi: 0.9, level: 10,
                              trend: 0.5, seasonal: [-2, 1, 3, -2], sigma: 1, rng: &rng)
        let fit = try HoltWinters.fit(y, period: 4, spec: spec)
        #expect(abs(fit.parameters.alpha - 0.3) < 0.06)
        #expect(abs(fit.parameters.beta! - 0.1) < 0.06)
        #expect(abs(fit.parameters.gamma! - 0.2) < 0.06)
        #expect(abs(fit.sigma2 - 1) < 0.1)
    }

    @Test func autoPicksSeasonalFormForSeasonalData() throws {
        var rng = SeededGenerator(seed: 5)
        let spec = ETSSpec(error: .additive, trend: .none, season: .additive)
        let y = Self.simulate(spec: spec, n: 120, m: 12, alpha: 0.2, gamma: 0.05, level: 100,
                              seasonal: (0..<12).map { 20 * sin(Double($0) * .pi / 6) }, sigma: 2, rng: &rng)
        let fit = try HoltWinters.fitAuto(y, period: 12)
        #expect(fit.spec.season != .none, "picked \(fit.spec)")
        let nonSeasonal = try HoltWinters.fitAuto(y, period: 1)
        #expect(nonSeasonal.spec.season == .none)
        #expect(fit.summary.criteria!.aicc < nonSeasonal.summary.criteria!.aicc)
    }

    @Test func rejectsBadInput() {
        #expect(throws: ModelError.self) { try HoltWinters.fitAuto([], period: 1) }
        #expect(throws: ModelError.self) { try HoltWinters.fitAuto([1, 2, .nan, 4], period: 1) }
        #expect(throws: ModelError.self) { try HoltWinters.fit([1, 2, .infinity], period: 1, spec: .simple) }
        #expect(throws: ModelError.self) { try HoltWinters.fitAuto([1, 2, 3], period: 0) }
    }

    @Test func shortSeriesFallsBack() throws {
        let y: [Double] = [10, 12, 14, 11, 13, 15, 12, 14, 16, 13, 15, 17, 14, 16, 18]
        // Fewer than two full seasons of period 12: non-seasonal, with the reason noted.
        let fit = try HoltWinters.fit(y, period: 12, spec: ETSSpec(error: .additive, trend: .additive, season: .additive))
        #expect(fit.spec.season == .none)
        #expect(fit.summary.notes.contains { $0.contains("two full seasons") })
        let auto = try HoltWinters.fitAuto(y, period: 12)
        #expect(auto.spec.season == .none)
        #expect(auto.summary.notes.contains { $0.contains("two full seasons") })
        // Very short: simple exponential smoothing.
        let tiny = try HoltWinters.fitAuto([5, 6, 7], period: 4)
        #expect(tiny.spec == .simple)
        #expect(!tiny.summary.notes.isEmpty)
        #expect(tiny.forecast(horizon: 3, levels: [80, 95]).mean.count == 3)
        let one = try HoltWinters.fitAuto([42], period: 1)
        #expect(abs(one.forecast(horizon: 2, levels: [95]).mean[0] - 42) < 1e-6)
        // Too few points for a damped trend: simplified, noted.
        let damped = try HoltWinters.fit([1, 3, 2, 4, 3, 5, 4], period: 1,
                                         spec: ETSSpec(error: .additive, trend: .additiveDamped, season: .none))
        #expect(damped.spec.trend != .additiveDamped)
        #expect(damped.summary.notes.contains { $0.contains("too few observations") })
    }

    @Test func nonPositiveDataAvoidsMultiplicativeForms() throws {
        var rng = SeededGenerator(seed: 9)
        let y = (0..<60).map { t in 5 * sin(Double(t) * .pi / 2) + rng.normal() }
        let auto = try HoltWinters.fitAuto(y, period: 4)
        #expect(auto.spec.error == .additive && auto.spec.season != .multiplicative)
        let forced = try HoltWinters.fit(y, period: 4, spec: ETSSpec(error: .multiplicative, trend: .none, season: .multiplicative))
        #expect(forced.spec == ETSSpec(error: .additive, trend: .none, season: .additive))
        #expect(forced.summary.notes.contains { $0.contains("not strictly positive") })
    }

    @Test func constantSeries() throws {
        let fit = try HoltWinters.fitAuto([Double](repeating: 7, count: 30), period: 1)
        let f = fit.forecast(horizon: 4, levels: [80, 95])
        for v in f.mean { #expect(abs(v - 7) < 1e-6) }
        #expect(f.intervals.count == 2)
    }

    @Test func specNames() {
        for e in ETSSpec.ErrorType.allCases {
            for t in ETSSpec.TrendType.allCases {
                for s in ETSSpec.SeasonType.allCases {
                    let spec = ETSSpec(error: e, trend: t, season: s)
                    #expect(ETSSpec(name: spec.name) == spec)
                    #expect(ETSSpec(name: "\(e.rawValue)\(t.rawValue)\(s.rawValue)") == spec)
                }
            }
        }
        #expect(ETSSpec(name: "ETS(X,N,N)") == nil)
        #expect(ETSSpec(name: "AAdMM") == nil)
    }

    /// Multiplicative error without multiplicative season (class 2 of Hyndman et al. 2008): the
    /// closed-form forecast variance equals the variance of the form's own simulated sample paths (5,000
    /// paths: a standard error of about 1 % on the standard deviation), and the intervals are Gaussian
    /// around the point forecast. A multiplicative season still gets simulated intervals.
    @Test(arguments: ["M,N,N", "M,A,N", "M,Ad,N", "M,N,A", "M,A,A", "M,Ad,A"])
    func classTwoVarianceMatchesSimulation(_ form: String) throws {
        let s = ETSReference.series["fpp2_ausbeer"]!
        let spec = try #require(ETSSpec(name: form))
        let fit = try HoltWinters.fit(s.train, period: 4, spec: spec)
        #expect(fit.spec == spec)
        let h = 12
        let mean = fit.pointForecast(horizon: h)
        let sd = try #require(fit.closedFormStandardDeviations(mean: mean))
        let columns = fit.simulatedColumns(horizon: h)
        for step in 0..<h {
            let simulated = Statistics.standardDeviation(columns[step])
            #expect(abs(sd[step] / simulated - 1) < 0.04, "\(form) step \(step + 1): \(sd[step]) vs simulated \(simulated)")
            #expect(abs(Statistics.mean(columns[step]) / mean[step] - 1) < 0.01)
        }
        // One step ahead the variance is sigma^2 mu^2.
        #expect(abs(sd[0] - fit.sigma2.squareRoot() * abs(mean[0])) <= 1e-12 * abs(mean[0]))
        let f = fit.forecast(horizon: h, levels: [95])
        let pi = try #require(f.interval(level: 95))
        for step in 0..<h {
            #expect(abs((pi.upper[step] - mean[step]) / sd[step] - 1.959963984540054) < 1e-6)
            #expect(abs((mean[step] - pi.lower[step]) / sd[step] - 1.959963984540054) < 1e-6)
        }
        let seasonal = try HoltWinters.fit(s.train, period: 4, spec: ETSSpec(error: .multiplicative, trend: spec.trend, season: .multiplicative))
        #expect(seasonal.closedFormStandardDeviations(mean: seasonal.pointForecast(horizon: h)) == nil)
    }

    @Test func forecastEdgeCases() throws {
        let s = ETSReference.series["fpp2_ausbeer"]!
        let fit = try HoltWinters.fit(s.train, period: 4, spec: ETSSpec(error: .multiplicative, trend: .additiveDamped, season: .multiplicative))
        #expect(fit.forecast(horizon: 0, levels: [95]).mean.isEmpty)
        let f = fit.forecast(horizon: 8, levels: [50, 80, 95])
        // Simulated intervals are nested and reproducible (fixed seed).
        for h in 0..<8 {
            #expect(f.interval(level: 95)!.lower[h] <= f.interval(level: 80)!.lower[h])
            #expect(f.interval(level: 80)!.upper[h] <= f.interval(level: 95)!.upper[h])
        }
        #expect(f == fit.forecast(horizon: 8, levels: [50, 80, 95]))
        let data = try JSONEncoder().encode(fit)
        #expect(try JSONDecoder().decode(ETSFit.self, from: data) == fit)
    }

    /// Speed: fit + forecast of a ~300-point monthly series. Timings are printed; the bound is loose
    /// because debug builds and a shared machine are much slower than a release build.
    @Test func timing() throws {
        let s = ETSReference.series["usemp_CEU0500000001"]!
        let clock = ContinuousClock()
        var fixed = Duration.zero, auto = Duration.zero
        let reps = 5
        for _ in 0..<reps {
            fixed += try clock.measure {
                let fit = try HoltWinters.fit(s.train, period: 12, spec: ETSSpec(error: .additive, trend: .additiveDamped, season: .additive))
                _ = fit.forecast(horizon: 18, levels: [80, 95])
            }
            auto += try clock.measure {
                let fit = try HoltWinters.fitAuto(s.train, period: 12)
                _ = fit.forecast(horizon: 18, levels: [80, 95])
            }
        }
        print("ETS timing (n=\(s.train.count), m=12): ETS(A,Ad,A) fit+forecast \(fixed / reps), auto fit+forecast \(auto / reps)")
        #expect(fixed / reps < .seconds(1))
    }
}
