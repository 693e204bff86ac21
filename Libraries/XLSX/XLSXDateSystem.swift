import Foundation

/// How a workbook counts days: Excel stores dates as serial day numbers with the time of day as the fraction.
///
/// Dates carry no time zone in Excel; this reader treats them as UTC wall-clock times, so a cell showing
/// `01.03.2025 12:30` becomes `2025-03-01T12:30:00Z`.
public enum XLSXDateSystem: Sendable, Equatable {
    /// The default (Windows) system. Serial 1 is 1900-01-01, and, copying Lotus 1-2-3, Excel counts a
    /// 29 February 1900 that never was as serial 60; from serial 61 (1900-03-01) on, serials are days
    /// since 1899-12-30. Serial 60 is read as 1900-02-28, as openpyxl does.
    case from1900
    /// The old Mac system (`<workbookPr date1904="1"/>`): serial 0 is 1904-01-01, without the leap bug.
    case from1904

    /// Days between 1899-12-30 and 1970-01-01.
    private static let unixEpochIn1900System = 25_569.0
    /// Days between the 1904 system's epoch (1904-01-01) and the 1900 system's (1899-12-30).
    static let offset1904 = 1_462.0

    /// The date and time a serial stands for, rounded to the millisecond (the precision Excel shows).
    public func date(fromSerial serial: Double) -> Date {
        let days: Double
        switch self {
        case .from1900:
            days = serial < 60 ? serial + 1 : serial
        case .from1904:
            days = serial + Self.offset1904
        }
        let milliseconds = ((days - Self.unixEpochIn1900System) * 86_400_000).rounded()
        return Date(timeIntervalSince1970: milliseconds / 1000)
    }

    /// The serial of a date in this system; the inverse of ``date(fromSerial:)`` for dates after 1900-02-28.
    public func serial(from date: Date) -> Double {
        let days = date.timeIntervalSince1970 / 86_400 + Self.unixEpochIn1900System
        switch self {
        case .from1900:
            return days < 61 ? days - 1 : days
        case .from1904:
            return days - Self.offset1904
        }
    }

    /// A serial of this system expressed in the 1900 system, which is how ``XLSXCell/dateNumber(_:)`` stores it.
    func serialIn1900System(_ serial: Double) -> Double {
        switch self {
        case .from1900: return serial
        case .from1904: return serial + Self.offset1904
        }
    }
}
