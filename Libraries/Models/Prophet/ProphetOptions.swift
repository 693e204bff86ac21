/// A named holiday (or any special event): the days it falls on and a window of days around each.
/// Every (name, offset) pair in the window is its own effect, as in Prophet (`christmas_-1`, `christmas_+0`, ...);
/// all dates of one name share those effects.
public struct ProphetHoliday: Sendable, Codable, Equatable {
    public var name: String
    /// Day numbers (days since 1970-01-01); matched to observations by calendar day (the floor).
    public var days: [Double]
    /// Days before each date that also get an effect (0 or negative, Prophet's `lower_window`).
    public var lowerWindow: Int
    /// Days after each date that also get an effect (0 or positive, Prophet's `upper_window`).
    public var upperWindow: Int
    /// Normal prior scale of this holiday's effects; `nil` uses `ProphetOptions.holidaysPriorScale`.
    public var priorScale: Double?

    public init(name: String, days: [Double], lowerWindow: Int = 0, upperWindow: Int = 0, priorScale: Double? = nil) {
        self.name = name
        self.days = days
        self.lowerWindow = lowerWindow
        self.upperWindow = upperWindow
        self.priorScale = priorScale
    }

    private enum CodingKeys: String, CodingKey { case name, days, lowerWindow, upperWindow, priorScale }

    /// Decodes with the windows optional (default 0).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        days = try c.decode([Double].self, forKey: .days)
        lowerWindow = try c.decodeIfPresent(Int.self, forKey: .lowerWindow) ?? 0
        upperWindow = try c.decodeIfPresent(Int.self, forKey: .upperWindow) ?? 0
        priorScale = try c.decodeIfPresent(Double.self, forKey: .priorScale)
    }
}

/// Settings of the Prophet-like model; the defaults are Prophet's.
public struct ProphetOptions: Sendable, Codable, Equatable {
    /// Potential changepoints (Prophet's `n_changepoints`), placed uniformly over the first `changepointRange` of history.
    public var changepointCount: Int
    public var changepointRange: Double
    /// Scale of the Laplace prior on the rate changes.
    public var changepointPriorScale: Double
    public var seasonalityPriorScale: Double
    public var holidaysPriorScale: Double
    /// Normal prior scale of the extra regressors; `nil` uses `holidaysPriorScale` as Prophet does.
    public var regressorPriorScale: Double?
    /// `nil` = automatic: on when the spacing is below 7 days and the history spans at least 2 weeks.
    public var weekly: Bool?
    /// `nil` = automatic: on when the history spans at least 2 years (730 days).
    public var yearly: Bool?
    /// `nil` = automatic: on when the spacing is below 1 day and the history spans at least 2 days.
    public var daily: Bool?
    public var weeklyOrder: Int
    public var yearlyOrder: Int
    public var dailyOrder: Int
    public var holidays: [ProphetHoliday]
    /// Simulated paths for the prediction intervals (0 = intervals from observation noise only, Gaussian).
    public var uncertaintySamples: Int
    public var seed: UInt64

    public init(
        changepointCount: Int = 25, changepointRange: Double = 0.8, changepointPriorScale: Double = 0.05,
        seasonalityPriorScale: Double = 10, holidaysPriorScale: Double = 10, regressorPriorScale: Double? = nil,
        weekly: Bool? = nil, yearly: Bool? = nil, daily: Bool? = nil,
        weeklyOrder: Int = 3, yearlyOrder: Int = 10, dailyOrder: Int = 4,
        holidays: [ProphetHoliday] = [], uncertaintySamples: Int = 1000, seed: UInt64 = 42
    ) {
        self.changepointCount = changepointCount
        self.changepointRange = changepointRange
        self.changepointPriorScale = changepointPriorScale
        self.seasonalityPriorScale = seasonalityPriorScale
        self.holidaysPriorScale = holidaysPriorScale
        self.regressorPriorScale = regressorPriorScale
        self.weekly = weekly
        self.yearly = yearly
        self.daily = daily
        self.weeklyOrder = weeklyOrder
        self.yearlyOrder = yearlyOrder
        self.dailyOrder = dailyOrder
        self.holidays = holidays
        self.uncertaintySamples = uncertaintySamples
        self.seed = seed
    }

    public static let `default` = ProphetOptions()

    /// The prior scales (changepoint, seasonality, holidays, regressors) that parameter sets may use: the fit
    /// stays finite over this range (tested at both ends), and outside it a scale only switches a component off
    /// or frees it entirely, which the ends already do.
    public static let priorScaleRange: ClosedRange<Double> = 1e-6...1e6

    private enum CodingKeys: String, CodingKey {
        case changepointCount, changepointRange, changepointPriorScale, seasonalityPriorScale, holidaysPriorScale
        case regressorPriorScale, weekly, yearly, daily, weeklyOrder, yearlyOrder, dailyOrder, holidays
        case uncertaintySamples, seed
    }

    /// Decodes a partial object: every missing key keeps its default (so `{}` is `.default`).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = ProphetOptions()
        changepointCount = try c.decodeIfPresent(Int.self, forKey: .changepointCount) ?? d.changepointCount
        changepointRange = try c.decodeIfPresent(Double.self, forKey: .changepointRange) ?? d.changepointRange
        changepointPriorScale = try c.decodeIfPresent(Double.self, forKey: .changepointPriorScale) ?? d.changepointPriorScale
        seasonalityPriorScale = try c.decodeIfPresent(Double.self, forKey: .seasonalityPriorScale) ?? d.seasonalityPriorScale
        holidaysPriorScale = try c.decodeIfPresent(Double.self, forKey: .holidaysPriorScale) ?? d.holidaysPriorScale
        regressorPriorScale = try c.decodeIfPresent(Double.self, forKey: .regressorPriorScale)
        weekly = try c.decodeIfPresent(Bool.self, forKey: .weekly)
        yearly = try c.decodeIfPresent(Bool.self, forKey: .yearly)
        daily = try c.decodeIfPresent(Bool.self, forKey: .daily)
        weeklyOrder = try c.decodeIfPresent(Int.self, forKey: .weeklyOrder) ?? d.weeklyOrder
        yearlyOrder = try c.decodeIfPresent(Int.self, forKey: .yearlyOrder) ?? d.yearlyOrder
        dailyOrder = try c.decodeIfPresent(Int.self, forKey: .dailyOrder) ?? d.dailyOrder
        holidays = try c.decodeIfPresent([ProphetHoliday].self, forKey: .holidays) ?? d.holidays
        uncertaintySamples = try c.decodeIfPresent(Int.self, forKey: .uncertaintySamples) ?? d.uncertaintySamples
        seed = try c.decodeIfPresent(UInt64.self, forKey: .seed) ?? d.seed
    }
}
