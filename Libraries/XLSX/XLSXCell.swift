import Foundation

/// The value of one worksheet cell, as the file stores it (cached results for formulas).
public enum XLSXCell: Equatable, Sendable {
    /// No value: the cell is absent, holds only formatting, or is a formula without a cached result.
    case empty
    /// Text, from the shared string table, an inline string, or a formula's text result.
    case string(String)
    /// A number whose style is not a date format.
    case number(Double)
    /// A number whose style is a date or time format: an Excel serial, always in the 1900 date system
    /// (a 1904-system workbook's serials are shifted by 1,462 days when read), so ``date`` needs no workbook.
    case dateNumber(Double)
    /// `TRUE` or `FALSE`.
    case bool(Bool)
    /// An error value such as `#DIV/0!` or `#N/A`.
    case error(String)
}

extension XLSXCell {
    /// Whether the cell holds no value.
    public var isEmpty: Bool { self == .empty }

    /// Whether the cell's style formats it as a date or time.
    public var isDate: Bool {
        if case .dateNumber = self { return true }
        return false
    }

    /// The cell as text: strings as they are, integral numbers without a trailing `.0`, other numbers
    /// in their shortest round-tripping form, dates as `yyyy-MM-dd` (with ` HH:mm:ss` when they have a
    /// time of day; times alone, serials below 1, as `HH:mm:ss`), booleans as `TRUE`/`FALSE`, errors as their code, and empty cells as `""`.
    public var text: String {
        switch self {
        case .empty: return ""
        case .string(let value): return value
        case .number(let value): return Self.format(value)
        case .dateNumber(let serial): return Self.formatDate(serial)
        case .bool(let value): return value ? "TRUE" : "FALSE"
        case .error(let code): return code
        }
    }

    /// The date a date-formatted cell holds (see ``XLSXDateSystem`` for the conversion), or `nil` for any
    /// other cell. A plain number can be converted with ``XLSXWorkbook/dateSystem`` if it is known to be a date.
    public var date: Date? {
        guard case .dateNumber(let serial) = self else { return nil }
        return XLSXDateSystem.from1900.date(fromSerial: serial)
    }

    /// The numeric value of a number or date cell (the serial for dates), or `nil`.
    public var number: Double? {
        switch self {
        case .number(let value), .dateNumber(let value): return value
        default: return nil
        }
    }

    /// `1234` for 1234.0, `0.1` for 0.1, `1e+16` for 1e16 (integers are written out below 10^16, where
    /// doubles still hold every integer near enough).
    static func format(_ value: Double) -> String {
        if value.isFinite, value == value.rounded(), abs(value) < 1e16 {
            return String(Int64(value))
        }
        return String(value)
    }

    private static func formatDate(_ serial: Double) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let date = XLSXDateSystem.from1900.date(fromSerial: serial)
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        func pad(_ value: Int?, _ width: Int = 2) -> String {
            let digits = String(value ?? 0)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        let day = "\(pad(parts.year, 4))-\(pad(parts.month))-\(pad(parts.day))"
        let time = "\(pad(parts.hour)):\(pad(parts.minute)):\(pad(parts.second))"
        if (0..<1).contains(serial) { return time }
        return parts.hour == 0 && parts.minute == 0 && parts.second == 0 ? day : "\(day) \(time)"
    }
}
