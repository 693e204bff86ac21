/// One observed event of a recurring schedule: an entity (employee, shop, flight unit…) active on a date from
/// `start` to `end`, both in minutes since midnight.
///
/// Shifts past midnight: when `end < start` the event ends on the next day; models train on `end + 1440`.
public struct ScheduleRecord: Sendable, Codable, Equatable {
    public var entity: String
    public var date: CivilDate
    /// Start, minutes since midnight (0…1439).
    public var start: Int
    /// End, minutes since midnight (0…1439); smaller than `start` for a shift that ends the next day.
    public var end: Int

    public init(entity: String, date: CivilDate, start: Int, end: Int) {
        self.entity = entity
        self.date = date
        self.start = start
        self.end = end
    }

    /// The end on the start's clock: `end`, or `end + 1440` when the shift ends after midnight.
    public var continuousEnd: Int { end < start ? end + 1440 : end }
}

/// What the training data says about one entity's habits, computed once at fit time.
///
/// All of it is measured over the entity's *span*, the days from its first to its last event inclusive.
public struct EntityProfile: Sendable, Codable, Equatable {
    /// Integer code of the entity: its rank among the training entities sorted by name (as scikit-learn's
    /// `LabelEncoder`).
    public var code: Int
    public var firstDate: CivilDate
    public var lastDate: CivilDate
    /// Number of distinct event dates.
    public var eventDays: Int
    /// Distinct event dates falling on each weekday (index = `Weekday.rawValue`).
    public var weekdayCounts: [Int]
    /// Weekday occurrence rate: `weekdayCounts[w]` divided by the number of days of weekday `w` in the span
    /// (0 when the span holds no such day). 1 means the entity was active on every such day.
    public var weekdayRates: [Double]
    /// Population standard deviation of the gaps, in days, between consecutive distinct event dates
    /// (0 with fewer than two gaps).
    public var gapStandardDeviation: Double
    /// Periodicity score: the lag-7 sample autocorrelation of the daily presence indicator over the span,
    /// `Σₜ (xₜ − x̄)(xₜ₊₇ − x̄) / Σₜ (xₜ − x̄)²` with xₜ = 1 on event days and 0 otherwise. Near 1 for a weekly
    /// pattern (same weekdays every week), near 0 for no weekly pattern. It is 1 for an entity present every
    /// day of its span (constant presence repeats trivially) and 0 for a span of 7 days or less.
    public var periodicity: Double

    init(code: Int, dates unsortedDates: [CivilDate]) {
        let days = Array(Set(unsortedDates.map(\.daysSince1970))).sorted()
        let first = days.first!, last = days.last!
        self.code = code
        firstDate = CivilDate(daysSince1970: first)
        lastDate = CivilDate(daysSince1970: last)
        eventDays = days.count

        var counts = [Int](repeating: 0, count: 7)
        for d in days { counts[CivilDate(daysSince1970: d).weekday.rawValue] += 1 }
        var available = [Int](repeating: 0, count: 7)
        let span = last - first + 1
        let firstWeekday = firstDate.weekday.rawValue
        for w in 0..<7 {
            let offset = (w - firstWeekday + 7) % 7
            available[w] = offset < span ? (span - offset + 6) / 7 : 0
        }
        weekdayCounts = counts
        weekdayRates = (0..<7).map { available[$0] > 0 ? Double(counts[$0]) / Double(available[$0]) : 0 }

        if days.count >= 3 {
            let gaps = zip(days.dropFirst(), days).map { Double($0 - $1) }
            let mean = gaps.reduce(0, +) / Double(gaps.count)
            gapStandardDeviation = (gaps.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(gaps.count)).squareRoot()
        } else {
            gapStandardDeviation = 0
        }

        if span <= 7 {
            periodicity = 0
        } else {
            var presence = [Double](repeating: 0, count: span)
            for d in days { presence[d - first] = 1 }
            let mean = Double(days.count) / Double(span)
            var denominator = 0.0
            for x in presence { denominator += (x - mean) * (x - mean) }
            if denominator == 0 {
                periodicity = 1
            } else {
                var numerator = 0.0
                for t in 0..<(span - 7) { numerator += (presence[t] - mean) * (presence[t + 7] - mean) }
                periodicity = numerator / denominator
            }
        }
    }

    /// The weekday occurrence rate of `weekday`.
    public func rate(on weekday: Weekday) -> Double { weekdayRates[weekday.rawValue] }
}

/// The features a schedule forest sees, one row per (entity, date), in this column order.
public enum ScheduleFeatures {
    /// Column names, in order.
    public static let names = [
        "entity", "weekday", "day_of_year", "week_of_month", "iso_week", "month",
        "weekday_rate", "weekday_count", "gap_std", "periodicity",
    ]

    /// The calendar part of a row: weekday (Monday 0), day of year, week of month (from 0), ISO week, month.
    public static func calendar(_ date: CivilDate) -> [Double] {
        [
            Double(date.weekday.rawValue), Double(date.dayOfYear), Double(date.weekOfMonth),
            Double(date.isoWeekOfYear), Double(date.month),
        ]
    }

    /// The full row for an entity's profile on a date.
    public static func row(profile: EntityProfile, date: CivilDate) -> [Double] {
        let w = date.weekday.rawValue
        return [Double(profile.code)] + calendar(date) + [
            profile.weekdayRates[w], Double(profile.weekdayCounts[w]), profile.gapStandardDeviation,
            profile.periodicity,
        ]
    }

    /// Profiles of every entity in `records`, codes assigned by sorted entity name.
    public static func profiles(of records: [ScheduleRecord]) -> [String: EntityProfile] {
        var datesByEntity: [String: [CivilDate]] = [:]
        for r in records { datesByEntity[r.entity, default: []].append(r.date) }
        var result: [String: EntityProfile] = [:]
        for (code, entity) in datesByEntity.keys.sorted(by: { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) })
            .enumerated()
        {
            result[entity] = EntityProfile(code: code, dates: datesByEntity[entity]!)
        }
        return result
    }
}
