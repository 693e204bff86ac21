import Testing
@testable import Models

@Suite("CivilDate and clock times")
struct CivilDateTests {
    static func date(_ s: String) -> CivilDate { CivilDate(parsing: s)! }

    @Test("both formats parse to the same day; the seed's example date is a Tuesday")
    func parsing() {
        let iso = CivilDate(parsing: "2025-12-23")
        let european = CivilDate(parsing: "23/12/2025")
        #expect(iso != nil && iso == european)
        #expect(iso?.weekday == .tuesday && iso?.weekday.shortName == "tue")
        #expect(iso?.isoString == "2025-12-23" && iso?.europeanString == "23/12/2025")
        #expect(CivilDate(parsing: "2000-02-29") != nil)
    }

    @Test("impossible or malformed dates are rejected",
          arguments: ["2025-02-30", "2025-02-29", "1900-02-29", "31/04/2025", "2025-13-01", "2025-00-10", "00/01/2025",
                      "2025-1-5", "5/1/2025", " 2025-01-01", "2025-01-01 ", "2025/01/01", "01-01-2025", "2025-01-0a", "",
                      "0000-01-01"])
    func rejected(text: String) {
        #expect(CivilDate(parsing: text) == nil)
    }

    @Test("day numbers since 1970, weekdays and day arithmetic")
    func arithmetic() {
        #expect(Self.date("1970-01-01").daysSince1970 == 0)
        #expect(Self.date("1970-01-01").weekday == .thursday)
        #expect(Self.date("1969-12-31").daysSince1970 == -1)
        #expect(Self.date("2000-03-01").daysSince1970 == 11017)
        #expect(Self.date("2024-02-28").adding(days: 1) == Self.date("2024-02-29"))
        #expect(Self.date("2024-02-28").adding(days: 2) == Self.date("2024-03-01"))
        #expect(Self.date("2025-12-31").adding(days: 1) == Self.date("2026-01-01"))
        #expect(Self.date("2026-01-01").adding(days: -366) == Self.date("2024-12-31"))
        #expect(Self.date("2025-01-01").days(to: Self.date("2025-12-25")) == 358)
        // Every day from 1899 to 2101: the day number round-trips, is consecutive, and weekdays cycle.
        var previous = Self.date("1899-12-31")
        for n in (previous.daysSince1970 + 1)...CivilDate(year: 2101, month: 1, day: 1)!.daysSince1970 {
            let d = CivilDate(daysSince1970: n)
            #expect(d.daysSince1970 == n)
            #expect(CivilDate(year: d.year, month: d.month, day: d.day) == d)
            #expect(previous < d)
            #expect(d.weekday.rawValue == (previous.weekday.rawValue + 1) % 7)
            previous = d
        }
    }

    @Test("day of year, week of month (Monday weeks from 0)")
    func dayAndWeekOfMonth() {
        #expect(Self.date("2024-12-31").dayOfYear == 366)
        #expect(Self.date("2025-12-31").dayOfYear == 365)
        #expect(Self.date("2025-03-01").dayOfYear == 60)
        // December 2025 starts on a Monday.
        #expect(Self.date("2025-12-01").weekOfMonth == 0)
        #expect(Self.date("2025-12-07").weekOfMonth == 0)
        #expect(Self.date("2025-12-08").weekOfMonth == 1)
        #expect(Self.date("2025-12-23").weekOfMonth == 3)
        // November 2025 starts on a Saturday: the 1st and 2nd are week 0, Monday the 3rd starts week 1.
        #expect(Self.date("2025-11-02").weekOfMonth == 0)
        #expect(Self.date("2025-11-03").weekOfMonth == 1)
        #expect(Self.date("2025-11-30").weekOfMonth == 4)
        // March 2026 starts on a Sunday: the 30th and 31st fall in week 5.
        #expect(Self.date("2026-03-31").weekOfMonth == 5)
    }

    @Test("ISO weeks around new year",
          arguments: [
            ("2024-12-29", 2024, 52), ("2024-12-30", 2025, 1), ("2025-01-01", 2025, 1), ("2025-12-28", 2025, 52),
            ("2025-12-29", 2026, 1), ("2026-01-01", 2026, 1), ("2026-12-31", 2026, 53), ("2027-01-01", 2026, 53),
            ("2027-01-03", 2026, 53), ("2027-01-04", 2027, 1), ("2020-12-31", 2020, 53), ("2021-01-03", 2020, 53),
            ("2021-01-04", 2021, 1), ("2015-12-31", 2015, 53), ("2016-01-03", 2015, 53), ("2008-12-29", 2009, 1),
            ("2025-12-23", 2025, 52),
          ])
    func isoWeeks(text: String, year: Int, week: Int) {
        let w = Self.date(text).isoWeek
        #expect(w.year == year && w.week == week, "\(text): \(w)")
    }

    @Test("HH:MM is strict; formatting wraps modulo a day")
    func clockTimes() {
        #expect(ClockTime.minutes(parsing: "00:00") == 0)
        #expect(ClockTime.minutes(parsing: "08:30") == 510)
        #expect(ClockTime.minutes(parsing: "23:59") == 1439)
        for bad in ["24:00", "12:60", "8:30", "08:3", "08-30", "0830", "08:3a", " 08:30", "-1:00", ""] {
            #expect(ClockTime.minutes(parsing: bad) == nil, "\(bad)")
        }
        #expect(ClockTime.format(minutes: 510) == "08:30")
        #expect(ClockTime.format(minutes: 1500) == "01:00")
        #expect(ClockTime.format(minutes: -30) == "23:30")
        #expect(ClockTime.format(minutes: 0) == "00:00")
    }
}
