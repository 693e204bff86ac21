#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Testing
@testable import Models

/// Bagged ETS (Bergmeir, Hyndman & Benítez 2016): the Box–Cox λ, the moving block bootstrap and the
/// pooled combination of HoltWinters.fitCombination(bootstrapSeries:).
@Suite("ETS bagging")
struct ETSBaggingTests {
    /// Guerrero's λ against coreforecast (scripts/reference/boxcox_reference.py) on real series. Both
    /// minimise the same coefficient of variation over [0, 1]; coreforecast's Brent search stops within
    /// 1e-4 of a bound, and the interior minima agree to 1e-3.
    @Test(arguments: BoxCoxReferenceData.cases.map(\.seriesID))
    func guerreroLambdaMatchesCoreforecast(_ id: String) throws {
        let c = try #require(BoxCoxReferenceData.cases.first { $0.seriesID == id })
        let lambda = ETSBagging.guerreroLambda(c.y, period: c.period)
        #expect(abs(lambda - c.lambda) < 1e-3, "\(id): \(lambda) vs coreforecast \(c.lambda)")
    }

    @Test func boxCoxInvertsAndIsTheLogAtZero() {
        for lambda in [0, 1e-13, 0.3, 1] {
            for x in [0.5, 3, 1234.5] {
                #expect(abs(ETSBagging.inverseBoxCox(ETSBagging.boxCox(x, lambda), lambda) - x) <= 1e-12 * x)
            }
        }
        #expect(ETSBagging.boxCox(5, 0) == log(5))
        #expect(abs(ETSBagging.boxCox(5, 1) - 4) < 1e-14)
        #expect(abs(ETSBagging.boxCox(5, 1e-13) - log(5)) < 1e-12)
        // Data that are not strictly positive are not transformed.
        #expect(ETSBagging.guerreroLambda([3, -1, 4, 1, 5, 9, 2, 6], period: 1) == 1)
    }

    /// Each bootstrapped series is the decomposition's fit plus blocks of its remainder: on the Box–Cox
    /// scale, series minus fit is a run of contiguous stretches of the remainder, at most `block` long
    /// (the first may be shorter), the first series is the data, and the draw is reproducible.
    @Test(arguments: [("m4_Y1", 1), ("fpp2_euretail", 4), ("datasets_USAccDeaths", 12)])
    func bootstrapResamplesBlocksOfTheRemainder(_ id: String, _ m: Int) throws {
        let y = try #require(BoxCoxReferenceData.cases.first { $0.seriesID == id }).y
        let n = y.count
        let (series, lambda) = ETSBagging.bootstrap(y, period: m, count: 8, seed: 7)
        #expect(series.count == 8)
        #expect(series[0] == y)
        #expect(lambda == ETSBagging.guerreroLambda(y, period: m))
        let (again, _) = ETSBagging.bootstrap(y, period: m, count: 8, seed: 7)
        #expect(again == series)
        let (other, _) = ETSBagging.bootstrap(y, period: m, count: 8, seed: 8)
        #expect(other[1] != series[1])
        let z = y.map { ETSBagging.boxCox($0, lambda) }
        let (fit, remainder) = ETSBagging.decompose(z, period: m)
        let block = ETSBagging.blockLength(n: n, period: m)
        #expect(block == (m > 1 ? min(2 * m, n / 2) : min(8, n / 2)))
        let scale = z.map(abs).max()!
        for b in series.dropFirst() {
            #expect(b.count == n && b.allSatisfy { $0.isFinite && $0 > 0 })
            let r = b.indices.map { ETSBagging.boxCox(b[$0], lambda) - fit[$0] }
            // Match each value to a position of the remainder, continuing the previous stretch when it can.
            var previous = -2, run = 0, stretches = 0
            for t in 0..<n {
                let close = { (j: Int) in abs(r[t] - remainder[j]) <= 1e-9 * scale }
                if previous >= 0 && previous + 1 < n && run < block && close(previous + 1) {
                    previous += 1
                    run += 1
                } else {
                    let j = try #require(remainder.indices.first(where: close), "\(id) t=\(t): not a remainder value")
                    previous = j
                    run = 1
                    stretches += 1
                }
            }
            #expect(stretches <= n / block + 2, "\(id): \(stretches) stretches of at most \(block)")
            #expect(b != y)
        }
    }

    /// A series with no remainder (a straight line) has bootstraps equal to itself.
    @Test func seriesWithoutRemainderIsItsOwnBootstrap() {
        let y = (0..<20).map { 10 + 2 * Double($0) }
        let (series, _) = ETSBagging.bootstrap(y, period: 1, count: 4, seed: 1)
        for b in series { for t in y.indices { #expect(abs(b[t] - y[t]) < 1e-9 * y[t]) } }
    }

    /// The bagged combination pools the combinations of the series and its bootstraps with equal
    /// weight: its point forecast is the mean of theirs, its weights sum to one, and its intervals are
    /// the quantiles of the pooled mixture (they contain the mean and nest by level).
    @Test func baggedForecastIsTheMeanOfTheBootstrapCombinations() throws {
        let y = try #require(BoxCoxReferenceData.cases.first { $0.seriesID == "fpp2_euretail" }).y
        let k = 5, h = 8
        let bagged = try HoltWinters.fitCombination(y, period: 4, bootstrapSeries: k)
        let (series, _) = ETSBagging.bootstrap(y, period: 4, count: k, seed: HoltWinters.bootstrapSeed)
        let parts = try series.map { try HoltWinters.fitCombination($0, period: 4) }
        #expect(bagged.members.count == parts.reduce(0) { $0 + $1.members.count })
        #expect(abs(bagged.weights.reduce(0, +) - 1) < 1e-12)
        let f = bagged.forecast(horizon: h, levels: [80, 95])
        let means = parts.map { $0.forecast(horizon: h, levels: []).mean }
        for step in 0..<h {
            let expected = means.reduce(0) { $0 + $1[step] } / Double(k)
            #expect(abs(f.mean[step] - expected) <= 1e-9 * abs(expected))
        }
        let i80 = try #require(f.interval(level: 80)), i95 = try #require(f.interval(level: 95))
        for step in 0..<h {
            #expect(i95.lower[step] < i80.lower[step] && i80.lower[step] < f.mean[step])
            #expect(f.mean[step] < i80.upper[step] && i80.upper[step] < i95.upper[step])
        }
        #expect(bagged.summary.form.hasPrefix("ETS bagged over 5 series"))
        #expect(bagged.summary.notes.contains { $0.hasPrefix("bagged (Bergmeir et al. 2016)") })
        // One series asks for no bagging: the plain combination.
        let plain = try HoltWinters.fitCombination(y, period: 4, bootstrapSeries: 1)
        #expect(plain == parts[0])
    }
}
