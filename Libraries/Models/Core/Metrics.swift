/// Forecast accuracy measures.
public enum AccuracyMetrics {
    /// Symmetric MAPE in percent (M4's definition: 200 |y - f| / (|y| + |f|)); terms with both zero count as 0.
    public static func smape(actual: [Double], forecast: [Double]) -> Double {
        precondition(actual.count == forecast.count && !actual.isEmpty)
        var total = 0.0
        for (y, f) in zip(actual, forecast) {
            let denom = abs(y) + abs(f)
            total += denom == 0 ? 0 : 200 * abs(y - f) / denom
        }
        return total / Double(actual.count)
    }

    /// Mean absolute scaled error against the in-sample seasonal naive forecast with period `m`.
    public static func mase(actual: [Double], forecast: [Double], insample: [Double], period m: Int) -> Double {
        precondition(actual.count == forecast.count && !actual.isEmpty)
        let lag = insample.count > m ? max(m, 1) : 1
        var scale = 0.0
        var count = 0
        if insample.count > lag {
            for t in lag..<insample.count {
                scale += abs(insample[t] - insample[t - lag])
                count += 1
            }
        }
        scale = count > 0 ? scale / Double(count) : .nan
        let mae = zip(actual, forecast).reduce(0.0) { $0 + abs($1.0 - $1.1) } / Double(actual.count)
        return scale > 0 ? mae / scale : .nan
    }

    /// Fraction of actual values inside [lower, upper].
    public static func coverage(actual: [Double], lower: [Double], upper: [Double]) -> Double {
        precondition(actual.count == lower.count && actual.count == upper.count && !actual.isEmpty)
        var inside = 0
        for i in actual.indices where actual[i] >= lower[i] && actual[i] <= upper[i] { inside += 1 }
        return Double(inside) / Double(actual.count)
    }

    /// Mean width of the interval.
    public static func meanWidth(lower: [Double], upper: [Double]) -> Double {
        precondition(lower.count == upper.count && !lower.isEmpty)
        return zip(lower, upper).reduce(0.0) { $0 + ($1.1 - $1.0) } / Double(lower.count)
    }
}
