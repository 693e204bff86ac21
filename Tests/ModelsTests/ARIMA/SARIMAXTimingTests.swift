import Testing
@testable import Models

/// Timings (printed); the bounds are generous so that debug builds on a shared machine pass,
/// and fail only on a pathological slowdown.  Run `swift test -c release --filter SARIMAXTiming` for real numbers.
#if DEBUG
private let isReleaseBuild = false
#else
private let isReleaseBuild = true
#endif

@Suite(.enabled(if: isReleaseBuild, "timings only mean something in release builds"))
struct SARIMAXTimingTests {
    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }

    @Test func airlineFitAndDailyAutoSearch() throws {
        let clock = ContinuousClock()
        let airline = try #require(ARIMAReference.cases.first { $0.name == "airline_usemp" })
        var fit: SARIMAXFit?
        let t1 = clock.measure {
            for _ in 0..<5 {
                fit = try? SARIMAX.fit(airline.y, order: SARIMAOrder(p: 0, d: 1, q: 1, P: 0, D: 1, Q: 1, period: 12))
            }
        }
        #expect(fit != nil)
        let daily = try #require(ARIMAReference.cases.first { $0.name == "daily_wiki" })
        let y = Array(daily.y.prefix(500))
        var auto: SARIMAXFit?
        let t2 = clock.measure { auto = try? SARIMAX.fitAuto(y, period: 7) }
        let bike = try #require(ARIMAReference.cases.first { $0.name == "daily_bike" })
        let t3 = clock.measure { _ = try? SARIMAX.fitAuto(Array(bike.y.prefix(500)), period: 7) }
        print("timing: airline fit (n=\(airline.y.count)) \(Self.seconds(t1) / 5 * 1000) ms; auto daily wiki (n=500, m=7) \(Self.seconds(t2) * 1000) ms -> \(auto?.summary.form ?? "-"); auto daily bike (n=500) \(Self.seconds(t3) * 1000) ms")
        #expect(Self.seconds(t1) / 5 < 0.1)
        #expect(Self.seconds(t2) < 1)
        #expect(Self.seconds(t3) < 2)
    }
}
