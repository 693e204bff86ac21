/// One exponential smoothing form in the taxonomy of Hyndman et al. (2008): error, trend and season.
///
/// `ETS(A,Ad,M)` is `ETSSpec(error: .additive, trend: .additiveDamped, season: .multiplicative)`.
public struct ETSSpec: Sendable, Hashable, Codable, CustomStringConvertible {
    public enum ErrorType: String, Sendable, Hashable, Codable, CaseIterable {
        case additive = "A"
        case multiplicative = "M"
    }

    public enum TrendType: String, Sendable, Hashable, Codable, CaseIterable {
        case none = "N"
        case additive = "A"
        case additiveDamped = "Ad"
    }

    public enum SeasonType: String, Sendable, Hashable, Codable, CaseIterable {
        case none = "N"
        case additive = "A"
        case multiplicative = "M"
    }

    public var error: ErrorType
    public var trend: TrendType
    public var season: SeasonType

    public init(error: ErrorType, trend: TrendType, season: SeasonType) {
        self.error = error
        self.trend = trend
        self.season = season
    }

    /// Parses "ETS(A,Ad,M)", "A,Ad,M" or "AAdM" (case-insensitive, the "d" of damping may be "d" or "D").
    public init?(name: String) {
        var s = name.uppercased().filter { !$0.isWhitespace && $0 != "," }
        if s.hasPrefix("ETS(") && s.hasSuffix(")") { s = String(s.dropFirst(4).dropLast()) }
        guard let e = s.first.flatMap({ ErrorType(rawValue: String($0)) }) else { return nil }
        s.removeFirst()
        let trend: TrendType
        if s.hasPrefix("AD") { trend = .additiveDamped; s.removeFirst(2) }
        else if let t = s.first.flatMap({ TrendType(rawValue: String($0)) }) { trend = t; s.removeFirst() }
        else { return nil }
        guard s.count == 1, let season = SeasonType(rawValue: s) else { return nil }
        self.init(error: e, trend: trend, season: season)
    }

    /// "ETS(A,Ad,M)".
    public var name: String { "ETS(\(error.rawValue),\(trend.rawValue),\(season.rawValue))" }
    public var description: String { name }

    public static let simple = ETSSpec(error: .additive, trend: .none, season: .none)

    var hasTrend: Bool { trend != .none }
    var isDamped: Bool { trend == .additiveDamped }
    var hasSeason: Bool { season != .none }
    var usesMultiplication: Bool { error == .multiplicative || season == .multiplicative }

    /// Number of estimated parameters as R's ets() counts them: smoothing parameters, damping, initial
    /// level, trend and m - 1 free seasonal states, plus the innovation variance.
    func parameterCount(period m: Int) -> Int {
        var k = 2 // alpha, l0
        if hasTrend { k += 2 }
        if isDamped { k += 1 }
        if hasSeason { k += m } // gamma + (m - 1) initial seasonal states
        return k + 1 // sigma^2
    }

    /// The same count when the initial states are not estimated but backcast (``ETSInitialStates/backcast``,
    /// non-seasonal forms): the initial level and trend are functions of the smoothing parameters and the data.
    func parameterCount(period m: Int, initialStates: ETSInitialStates) -> Int {
        let k = parameterCount(period: m)
        guard initialStates == .backcast, !hasSeason else { return k }
        return k - 1 - (hasTrend ? 1 : 0)
    }
}
