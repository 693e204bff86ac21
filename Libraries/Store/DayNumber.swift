/// Civil dates as day numbers (days since 1970-01-01), the store's date currency.
/// Algorithms from Howard Hinnant's `days_from_civil` / `civil_from_days`.
public enum DayNumber {
    public static func from(year: Int, month: Int, day: Int) -> Int32 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return Int32(era * 146097 + doe - 719468)
    }

    public static func civil(_ n: Int32) -> (year: Int, month: Int, day: Int) {
        let z = Int(n) + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    /// "YYYY-MM-DD"
    public static func format(_ n: Int32) -> String {
        let (y, m, d) = civil(n)
        var out = [UInt8]()
        out.reserveCapacity(10)
        func put(_ v: Int, _ width: Int) {
            var digits = [UInt8](repeating: UInt8(ascii: "0"), count: width)
            var x = v
            for i in stride(from: width - 1, through: 0, by: -1) {
                digits[i] = UInt8(ascii: "0") + UInt8(x % 10)
                x /= 10
            }
            out.append(contentsOf: digits)
        }
        put(y, 4)
        out.append(UInt8(ascii: "-"))
        put(m, 2)
        out.append(UInt8(ascii: "-"))
        put(d, 2)
        return String(decoding: out, as: UTF8.self)
    }

    /// Parses a strict "YYYY-MM-DD" with calendar validation.
    public static func parse(_ s: String) -> Int32? {
        let b = Array(s.utf8)
        guard b.count == 10, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-") else { return nil }
        func num(_ r: Range<Int>) -> Int? {
            var v = 0
            for i in r {
                guard b[i] >= 48 && b[i] <= 57 else { return nil }
                v = v * 10 + Int(b[i] - 48)
            }
            return v
        }
        guard let y = num(0..<4), let m = num(5..<7), let d = num(8..<10) else { return nil }
        guard (1...12).contains(m), d >= 1, d <= daysInMonth(year: y, month: m), y >= 1 else { return nil }
        return from(year: y, month: m, day: d)
    }

    public static func isLeap(_ y: Int) -> Bool { (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 }

    public static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: return isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}

/// Formats money to two decimals without Foundation ("-12.30"); values are rounded half away from zero.
public enum Money {
    public static func format(_ v: Double) -> String {
        let cents = (v * 100).rounded(.toNearestOrAwayFromZero)
        let negative = cents < 0
        let c = Int64(abs(cents))
        let whole = c / 100, frac = c % 100
        return (negative ? "-" : "") + String(whole) + "." + (frac < 10 ? "0" : "") + String(frac)
    }

    public static func round(_ v: Double) -> Double { (v * 100).rounded(.toNearestOrAwayFromZero) / 100 }
}
