// Strict, allocation-free parsers for the fields of the sales CSV (`Date,product_id,category,sales`).
// They take the byte slices handed out by `CSVRecord`; String overloads exist for convenience.

// MARK: - Dates


/// Parses `YYYY-MM-DD` or `DD/MM/YYYY` (exactly two-digit day and month, four-digit year,
/// surrounding spaces and tabs ignored) into a day number: days since 1970-01-01.
/// Full calendar validation (month lengths, Gregorian leap years), years 1900...2200.
/// Returns nil for anything else, e.g. `2025-02-29`, `2024-13-01`, `1/2/2024`, `2024-01-01T00:00`.
public func parseDate(_ field: UnsafeBufferPointer<UInt8>) -> Int32? {
    guard var p = field.baseAddress else { return nil }
    var n = field.count
    while n > 0 && (p[0] == 0x20 || p[0] == 0x09) {
        p += 1
        n -= 1
    }
    while n > 0 && (p[n - 1] == 0x20 || p[n - 1] == 0x09) { n -= 1 }
    guard n == 10 else { return nil }

    @inline(__always) func digit(_ k: Int) -> UInt8 { p[k] &- 0x30 }  // > 9 for a non-digit
    @inline(__always) func number(_ a: Int, _ count: Int) -> Int? {
        var v = 0
        for k in a..<(a + count) {
            let d = digit(k)
            guard d <= 9 else { return nil }
            v = v * 10 + Int(d)
        }
        return v
    }
    let year: Int?
    let month: Int?
    let dayOfMonth: Int?
    if p[4] == 0x2D && p[7] == 0x2D {  // YYYY-MM-DD
        year = number(0, 4)
        month = number(5, 2)
        dayOfMonth = number(8, 2)
    } else if p[2] == 0x2F && p[5] == 0x2F {  // DD/MM/YYYY
        dayOfMonth = number(0, 2)
        month = number(3, 2)
        year = number(6, 4)
    } else {
        return nil
    }
    guard let y = year, let m = month, let d = dayOfMonth else { return nil }
    guard y >= 1900 && y <= 2200, m >= 1 && m <= 12, d >= 1,
        d <= CSVDate.daysInMonth(year: y, month: m)
    else { return nil }
    return Int32(CSVDate.dayNumber(year: y, month: m, day: d))
}

public func parseDate(_ text: String) -> Int32? {
    var text = text
    return text.withUTF8 { parseDate($0) }
}

/// Calendar arithmetic on day numbers (days since 1970-01-01), proleptic Gregorian.
public enum CSVDate {
    /// The smallest and largest years `parseDate` accepts (keep in step with the check in `parseDate`).
    public static let years: ClosedRange<Int> = 1900...2200

    /// The number of days in `month` (1...12) of `year` in the proleptic Gregorian calendar.
    public static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 of a valid Gregorian date (negative before 1970).
    public static func dayNumber(year: Int, month: Int, day: Int) -> Int {
        // H. Hinnant's days_from_civil.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    /// The Gregorian (year, month, day) of a day number (days since 1970-01-01).
    public static func civil(dayNumber: Int) -> (year: Int, month: Int, day: Int) {
        // H. Hinnant's civil_from_days.
        let z = dayNumber + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }
}

/// Formats a day number (days since 1970-01-01) as `YYYY-MM-DD`.
/// Years outside 0...9999 are written with as many digits as they need (and a `-` sign).
public func formatDate(_ day: Int32) -> String {
    let (y, m, d) = CSVDate.civil(dayNumber: Int(day))
    guard y >= 0 && y <= 9999 else {
        let mm = m < 10 ? "0\(m)" : "\(m)"
        let dd = d < 10 ? "0\(d)" : "\(d)"
        return "\(y)-\(mm)-\(dd)"
    }
    return String(unsafeUninitializedCapacity: 10) { out in
        out[0] = UInt8(0x30 + y / 1000)
        out[1] = UInt8(0x30 + y / 100 % 10)
        out[2] = UInt8(0x30 + y / 10 % 10)
        out[3] = UInt8(0x30 + y % 10)
        out[4] = 0x2D
        out[5] = UInt8(0x30 + m / 10)
        out[6] = UInt8(0x30 + m % 10)
        out[7] = 0x2D
        out[8] = UInt8(0x30 + d / 10)
        out[9] = UInt8(0x30 + d % 10)
        return 10
    }
}

// MARK: - Sales

/// The result of parsing a sales field.
public enum SalesValue: Sendable, Equatable {
    case value(Double)
    /// Empty, or a spelling of "no value": `NA`, `N/A`, `#N/A`, `NaN`, `-NaN`, `null`, `None`, `<NA>`
    /// (case-insensitive, surrounding blanks ignored) — what pandas would have read as missing.
    case missing
    /// Anything else that is not a finite decimal number.
    case invalid

    /// The largest magnitude that DECIMAL(12,2) can hold, 9,999,999,999.99.
    public static let decimal12_2Max = 9_999_999_999.99

    /// Whether `v` can be stored as DECIMAL(12,2): |v| < 1e10 once rounded to cents
    /// (so 9999999999.994 fits, 9999999999.995 rounds to 1e10 and does not).
    public static func fitsDecimal12_2(_ v: Double) -> Bool {
        v.isFinite && (v.magnitude * 100).rounded() < 1e12
    }

    /// `.value` that fits DECIMAL(12,2); false for `.missing` and `.invalid`.
    public var fitsDecimal12_2: Bool {
        if case .value(let v) = self { return SalesValue.fitsDecimal12_2(v) }
        return false
    }

    /// The number for `.value`, nil otherwise.
    public var double: Double? {
        if case .value(let v) = self { return v }
        return nil
    }
}

/// Parses a sales figure: surrounding spaces and tabs ignored, then
/// `[+-]? (digits [. digits?] | . digits) ([eE] [+-]? digits)?` → `.value` (correctly rounded);
/// empty or a missing-value spelling → `.missing`; everything else → `.invalid`
/// (`inf`, `infinity`, `nan` with digits, `1,5`, `1 000`, `0x10`, `$5`, a result that overflows to ±infinity).
public func parseSales(_ field: UnsafeBufferPointer<UInt8>) -> SalesValue {
    guard var p = field.baseAddress else { return .missing }
    var n = field.count
    while n > 0 && (p[0] == 0x20 || p[0] == 0x09) {
        p += 1
        n -= 1
    }
    while n > 0 && (p[n - 1] == 0x20 || p[n - 1] == 0x09) { n -= 1 }
    if n == 0 { return .missing }

    var i = 0
    var negative = false
    if p[0] == 0x2B || p[0] == 0x2D {
        negative = p[0] == 0x2D
        i = 1
    }
    var mantissa: UInt64 = 0
    var significant = 0  // significant digits taken into mantissa
    var dropped = false  // a non-zero digit did not fit in the mantissa
    var exponent = 0  // decimal exponent to apply to mantissa
    var intDigits = 0
    var fracDigits = 0
    while i < n {
        let d = p[i] &- 0x30
        if d > 9 { break }
        intDigits += 1
        if significant < 19 {
            if mantissa != 0 || d != 0 {
                mantissa = mantissa * 10 + UInt64(d)
                significant += 1
            }
        } else {
            exponent += 1
            if d != 0 { dropped = true }
        }
        i += 1
    }
    if i < n && p[i] == 0x2E {
        i += 1
        while i < n {
            let d = p[i] &- 0x30
            if d > 9 { break }
            fracDigits += 1
            if significant < 19 {
                if mantissa != 0 || d != 0 {
                    mantissa = mantissa * 10 + UInt64(d)
                    significant += 1
                }
                exponent -= 1
            } else if d != 0 {
                dropped = true
            }
            i += 1
        }
    }
    guard intDigits + fracDigits > 0 else { return missingOrInvalid(p, n) }
    if i < n && (p[i] == 0x65 || p[i] == 0x45) {
        i += 1
        var expNegative = false
        if i < n && (p[i] == 0x2B || p[i] == 0x2D) {
            expNegative = p[i] == 0x2D
            i += 1
        }
        var e = 0
        var expDigits = 0
        while i < n {
            let d = p[i] &- 0x30
            if d > 9 { break }
            if e < 100_000 { e = e * 10 + Int(d) }
            expDigits += 1
            i += 1
        }
        guard expDigits > 0 else { return .invalid }
        exponent += expNegative ? -e : e
    }
    guard i == n else { return .invalid }

    let magnitude: Double
    if mantissa == 0 {
        magnitude = 0
    } else if !dropped && mantissa <= 1 << 53 && exponent >= -22 && exponent <= 22 {
        // Clinger's fast path: both operands exact, one correctly rounded operation.
        var scale = 1.0
        for _ in 0..<(exponent < 0 ? -exponent : exponent) { scale *= 10 }
        magnitude = exponent < 0 ? Double(mantissa) / scale : Double(mantissa) * scale
    } else {
        // Rare: many digits or a large exponent. The grammar is validated, so the stdlib's
        // correctly rounded, locale-independent conversion sees only a plain decimal.
        let text = String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self)
        guard let v = Double(text) else { return .invalid }
        guard v.isFinite else { return .invalid }
        return .value(v)
    }
    return .value(negative ? -magnitude : magnitude)
}

public func parseSales(_ text: String) -> SalesValue {
    var text = text
    return text.withUTF8 { parseSales($0) }
}

/// The spellings of a missing value, lowercased.
private let missingSpellings: [[UInt8]] = ["na", "n/a", "#n/a", "nan", "-nan", "null", "none", "<na>"].map {
    Array($0.utf8)
}

private func missingOrInvalid(_ p: UnsafePointer<UInt8>, _ n: Int) -> SalesValue {
    guard n <= 5 else { return .invalid }
    outer: for spelling in missingSpellings where spelling.count == n {
        for k in 0..<n {
            var c = p[k]
            if c >= 0x41 && c <= 0x5A { c += 0x20 }
            if c != spelling[k] { continue outer }
        }
        return .missing
    }
    return .invalid
}
