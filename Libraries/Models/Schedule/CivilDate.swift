/// A calendar date in the proleptic Gregorian calendar, with no time and no time zone.
///
/// Only valid dates exist: `init?(year:month:day:)` and the parsers return nil for impossible dates such as
/// 2025-02-30. Dates are ordered, hashable and encode as `{"year":2025,"month":12,"day":23}`.
public struct CivilDate: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int

    /// A date, or nil when there is no such day (month outside 1…12, day outside the month, year outside 1…9999).
    public init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month),
            day >= 1, day <= CivilDate.daysInMonth(year: year, month: month)
        else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    /// The date `days` days after 1970-01-01 (negative before it).
    public init(daysSince1970 days: Int) {
        // Howard Hinnant's civil_from_days.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        year = yoe + era * 400 + (m <= 2 ? 1 : 0)
        month = m
        day = d
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let y = try c.decode(Int.self, forKey: .year)
        let m = try c.decode(Int.self, forKey: .month)
        let d = try c.decode(Int.self, forKey: .day)
        guard let date = CivilDate(year: y, month: m, day: d) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "no such date \(y)-\(m)-\(d)"))
        }
        self = date
    }

    private enum CodingKeys: String, CodingKey { case year, month, day }

    // MARK: Parsing and formatting

    /// Parses `YYYY-MM-DD` (ISO) or `DD/MM/YYYY` (European), exactly those digit counts, surrounding
    /// whitespace not allowed. Returns nil for any other shape or for an impossible date.
    public init?(parsing text: some StringProtocol) {
        let bytes = Array(text.utf8)
        guard bytes.count == 10 else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for i in range {
                let b = bytes[i]
                guard b >= 0x30, b <= 0x39 else { return nil }
                value = value * 10 + Int(b - 0x30)
            }
            return value
        }
        if bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
            let y = number(0..<4), let m = number(5..<7), let d = number(8..<10)
        {
            self.init(year: y, month: m, day: d)
        } else if bytes[2] == UInt8(ascii: "/"), bytes[5] == UInt8(ascii: "/"),
            let d = number(0..<2), let m = number(3..<5), let y = number(6..<10)
        {
            self.init(year: y, month: m, day: d)
        } else {
            return nil
        }
    }

    /// `YYYY-MM-DD`.
    public var isoString: String { "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))" }

    /// `DD/MM/YYYY`, the seed API's format.
    public var europeanString: String { "\(pad(day, 2))/\(pad(month, 2))/\(pad(year, 4))" }

    public var description: String { isoString }

    // MARK: Arithmetic

    /// Days since 1970-01-01 (0 for that day, negative before it).
    public var daysSince1970: Int {
        // Howard Hinnant's days_from_civil.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = month > 2 ? month - 3 : month + 9
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The date `days` later (earlier when negative).
    public func adding(days: Int) -> CivilDate { CivilDate(daysSince1970: daysSince1970 + days) }

    /// Whole days from `self` to `other` (positive when `other` is later).
    public func days(to other: CivilDate) -> Int { other.daysSince1970 - daysSince1970 }

    public static func < (a: CivilDate, b: CivilDate) -> Bool {
        (a.year, a.month, a.day) < (b.year, b.month, b.day)
    }

    // MARK: Calendar facts

    public var weekday: Weekday {
        // 1970-01-01 was a Thursday (index 3 with Monday = 0).
        Weekday(rawValue: ((daysSince1970 + 3) % 7 + 7) % 7)!
    }

    /// Day of the year, 1…366.
    public var dayOfYear: Int { daysSince1970 - CivilDate(year: year, month: 1, day: 1)!.daysSince1970 + 1 }

    /// Week of the month counted from 0, weeks starting on Monday: the days up to the first Sunday are week 0,
    /// the next Monday starts week 1 (the seed's `ceil((day + weekday(first of month)) / 7) - 1`). 0…5.
    public var weekOfMonth: Int {
        let firstWeekday = CivilDate(year: year, month: month, day: 1)!.weekday.rawValue
        return (day + firstWeekday + 6) / 7 - 1
    }

    /// ISO 8601 week-numbering year and week (1…53): weeks start on Monday and week 1 is the week holding the
    /// year's first Thursday, so 2024-12-30 is in week 1 of 2025 and 2021-01-03 in week 53 of 2020.
    public var isoWeek: (year: Int, week: Int) {
        let isoWeekday = weekday.rawValue + 1
        let week = (dayOfYear - isoWeekday + 10) / 7
        if week < 1 { return (year - 1, CivilDate.isoWeeksIn(year: year - 1)) }
        if week > CivilDate.isoWeeksIn(year: year) { return (year + 1, 1) }
        return (year, week)
    }

    /// ISO week of the year, 1…53.
    public var isoWeekOfYear: Int { isoWeek.week }

    public static func isLeapYear(_ year: Int) -> Bool { (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 }

    public static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: return isLeapYear(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// 53 when the year starts on a Thursday, or is a leap year starting on a Wednesday; else 52.
    public static func isoWeeksIn(year: Int) -> Int {
        let jan1 = CivilDate(year: year, month: 1, day: 1)?.weekday ?? CivilDate(daysSince1970: 0).weekday
        return jan1 == .thursday || (isLeapYear(year) && jan1 == .wednesday) ? 53 : 52
    }
}

/// Day of the week, Monday = 0 … Sunday = 6 (Python's `date.weekday()`).
public enum Weekday: Int, Sendable, Codable, CaseIterable, Comparable {
    case monday = 0, tuesday, wednesday, thursday, friday, saturday, sunday

    /// `mon`, `tue`, … as the seed API writes them.
    public var shortName: String {
        ["mon", "tue", "wed", "thu", "fri", "sat", "sun"][rawValue]
    }

    public static func < (a: Weekday, b: Weekday) -> Bool { a.rawValue < b.rawValue }
}

/// Clock times of day as minutes since midnight.
public enum ClockTime {
    /// Minutes since midnight for `HH:MM` — exactly two digits, a colon, two digits, 00:00…23:59. Nil otherwise.
    public static func minutes(parsing text: some StringProtocol) -> Int? {
        let b = Array(text.utf8)
        guard b.count == 5, b[2] == UInt8(ascii: ":") else { return nil }
        let digits = [b[0], b[1], b[3], b[4]]
        guard digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        let d = digits.map { Int($0 - 0x30) }
        let h = d[0] * 10 + d[1], m = d[2] * 10 + d[3]
        guard h <= 23, m <= 59 else { return nil }
        return h * 60 + m
    }

    /// `HH:MM` for minutes since midnight, taken modulo 1440 (so 1500 → `01:00`, -30 → `23:30`).
    public static func format(minutes: Int) -> String {
        let m = ((minutes % 1440) + 1440) % 1440
        return "\(pad(m / 60, 2)):\(pad(m % 60, 2))"
    }
}

private func pad(_ value: Int, _ width: Int) -> String {
    let s = String(value)
    return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
}
