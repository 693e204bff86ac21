import Foundation
import Testing

@testable import CSV

@Suite("Sales header")
struct SalesHeaderTests {
    @Test func canonicalOrder() throws {
        let h = try SalesHeader.resolve(["Date", "product_id", "category", "sales"])
        #expect(h == SalesHeader(date: 0, productID: 1, category: 2, sales: 3, columnCount: 4))
        #expect(h.minimumFieldCount == 4)
    }

    @Test func anyOrderAnyCaseSpacesAndExtraColumns() throws {
        let h = try SalesHeader.resolve([" SALES", "notes", "Category ", "\tPRODUCT_ID", "date", "notes"])
        #expect(h == SalesHeader(date: 4, productID: 3, category: 2, sales: 0, columnCount: 6))
        #expect(h.minimumFieldCount == 5)
    }

    @Test func missingColumnsAreNamed() {
        #expect(throws: CSVError(line: 1, message: "missing columns: sales")) {
            try SalesHeader.resolve(["Date", "product_id", "category"])
        }
        #expect(throws: CSVError(line: 1, message: "missing columns: Date, category")) {
            try SalesHeader.resolve(["sales", "product_id", "dates"])
        }
        #expect(throws: CSVError(line: 1, message: "missing columns: Date, product_id, category, sales")) {
            try SalesHeader.resolve([])
        }
        #expect(throws: CSVError(line: 1, message: "missing columns: product_id")) {
            try SalesHeader.resolve(["Date", "product id", "category", "sales"])
        }
    }

    @Test func duplicatedRequiredColumnIsNamed() {
        #expect(throws: CSVError(line: 1, message: "duplicate column: sales")) {
            try SalesHeader.resolve(["Date", "sales", "product_id", "category", " Sales "])
        }
    }

    @Test func resolveFromRecordUsesItsLine() throws {
        var reader = CSVReader(bytes: Array("\n\nDate,sales\n".utf8))
        #expect(throws: CSVError(line: 3, message: "missing columns: product_id, category")) {
            try reader.forEachRecord { _ = try SalesHeader.resolve($0) }
        }
        var ok = CSVReader(bytes: Array("\u{FEFF}date,PRODUCT_ID,category,sales\n".utf8))
        var header: SalesHeader?
        try ok.forEachRecord { header = try SalesHeader.resolve($0) }
        #expect(header == SalesHeader(date: 0, productID: 1, category: 2, sales: 3, columnCount: 4))
    }
}

@Suite("Date parser")
struct DateParserTests {
    @Test func isoAndDayFirstFormats() {
        #expect(parseDate("1970-01-01") == 0)
        #expect(parseDate("01/01/1970") == 0)
        #expect(parseDate("1970-01-02") == 1)
        #expect(parseDate("1969-12-31") == -1)
        #expect(parseDate("2026-01-01") == 20454)
        #expect(parseDate("01/01/2026") == 20454)
        #expect(parseDate("23/12/2025") == parseDate("2025-12-23"))
        #expect(parseDate(" 2024-03-05\t") == parseDate("05/03/2024"))
        #expect(parseDate("1900-01-01") == -25567)
        #expect(parseDate("2200-12-31") == 84370)
    }

    @Test func leapYears() {
        #expect(parseDate("2024-02-29") != nil)
        #expect(parseDate("2000-02-29") != nil)
        #expect(parseDate("29/02/2000") != nil)
        #expect(parseDate("2025-02-29") == nil)
        #expect(parseDate("29/02/2025") == nil)
        #expect(parseDate("1900-02-29") == nil)
        #expect(parseDate("2100-02-29") == nil)
        #expect(parseDate("2025-02-28") != nil)
    }

    @Test func impossibleDates() {
        for text in [
            "2024-00-10", "2024-13-01", "2024-01-00", "2024-01-32", "2024-04-31", "2024-06-31", "2024-09-31",
            "2024-11-31", "31/04/2024", "00/01/2024", "01/13/2024", "1899-12-31", "2201-01-01", "0000-01-01",
            "9999-12-31", "31/12/1899",
        ] {
            #expect(parseDate(text) == nil, "\(text)")
        }
    }

    @Test func garbage() {
        for text in [
            "", " ", "2024-1-01", "2024-01-1", "20240101", "2024/01/01", "01-01-2024", "1/1/2024", "2024-01-01T00:00",
            "2024-01-01 00:00:00", "abcd-ef-gh", "2024-0a-01", "300x-01-01", "202x-01-01", "+024-01-01", "-024-01-01",
            "2024-01-01x", "x2024-01-01", "2024--01-01", "01/01/20 24", "2024-01-01-", "２０２４-01-01", "NA",
        ] {
            #expect(parseDate(text) == nil, "\(text)")
        }
    }

    @Test func formatterRoundTripsEveryDay() {
        var day = Int32(parseDate("1900-01-01")!)
        var (y, m, d) = (1900, 1, 1)
        while y <= 2200 {
            let text = formatDate(day)
            let expected = String(format: "%04d-%02d-%02d", y, m, d)
            if text != expected || parseDate(text) != day || parseDate(String(format: "%02d/%02d/%04d", d, m, y)) != day {
                Issue.record("day \(day): \(text) vs \(expected)")
                return
            }
            day += 1
            d += 1
            if d > CSVDate.daysInMonth(year: y, month: m) {
                d = 1
                m += 1
                if m > 12 {
                    m = 1
                    y += 1
                }
            }
        }
        #expect(formatDate(0) == "1970-01-01")
        #expect(formatDate(-719528) == "0000-01-01")
        #expect(formatDate(-719529) == "-1-12-31")
        #expect(formatDate(Int32(CSVDate.dayNumber(year: 12345, month: 6, day: 7))) == "12345-06-07")
    }
}

@Suite("Sales parser")
struct SalesParserTests {
    @Test func values() {
        let cases: [(String, Double)] = [
            ("1500.50", 1500.5), ("0", 0), ("-3", -3), ("+2.5", 2.5), ("1e3", 1000), ("1E-2", 0.01), ("2.5e+2", 250),
            (".5", 0.5), ("5.", 5), ("  12.25  ", 12.25), ("\t7\t", 7), ("-0.001", -0.001), ("00012", 12),
            ("0.1", 0.1), ("123456789.123", 123456789.123), ("-1.5E1", -15), ("1e-400", 0), ("9999999999.99", 9999999999.99),
            ("9007199254740993", 9007199254740992), ("123456789012345678901234567890", 1.2345678901234568e29),
            ("0.30000000000000004", 0.30000000000000004), ("1.7976931348623157e308", .greatestFiniteMagnitude),
            ("4.9e-324", .leastNonzeroMagnitude),
        ]
        for (text, value) in cases {
            #expect(parseSales(text) == .value(value), "\(text)")
        }
        #expect(parseSales("-0") == .value(0))
        #expect(parseSales("-0").double?.sign == .minus)
    }

    @Test func missingSpellings() {
        for text in ["", "   ", "\t", "NA", "na", "Na", " NA ", "NaN", "nan", "NAN", "-NaN", "null", "NULL", "Null", "N/A", "n/a", "#N/A", "None", "<NA>"] {
            #expect(parseSales(text) == .missing, "\(text)")
        }
    }

    @Test func invalidForms() {
        for text in [
            "inf", "-inf", "+inf", "Infinity", "-Infinity", "INF", "1,5", "1.5.2", "1e", "1e+", "e3", "--1", "+-1", "1e400", "-1e400",
            "abc", "12a", "0x10", "$5", "5$", "1 000", ".", "+", "-", "1e5e5", "NaN5", "nana", "NA NA", "1_000", "١٢", "1.5e3.2",
            "\"5\"", "nil", "NaNa", "- 5", "1d5", "1.7976931348623159e308",
        ] {
            #expect(parseSales(text) == .invalid, "\(text)")
        }
    }

    @Test func decimal12_2Range() {
        #expect(parseSales("9999999999.99").fitsDecimal12_2)
        #expect(parseSales("-9999999999.99").fitsDecimal12_2)
        #expect(parseSales("9999999999.994").fitsDecimal12_2)
        #expect(!parseSales("9999999999.995").fitsDecimal12_2)
        #expect(!parseSales("1e10").fitsDecimal12_2)
        #expect(!parseSales("-12345678901").fitsDecimal12_2)
        #expect(parseSales("1500.50").fitsDecimal12_2)
        #expect(!SalesValue.missing.fitsDecimal12_2)
        #expect(!SalesValue.invalid.fitsDecimal12_2)
    }

    /// Random decimals in every shape: the result must equal the stdlib's correctly rounded parse.
    @Test func correctlyRoundedAgainstStdlib() {
        var rng = CSVTestRNG(seed: 42)
        for _ in 0..<50_000 {
            var s = ""
            if rng.next() % 4 == 0 { s += rng.next() % 2 == 0 ? "-" : "+" }
            let intDigits = Int(rng.next() % 25)
            for _ in 0..<intDigits { s.append(Character(UnicodeScalar(UInt8(48 + rng.next() % 10)))) }
            if rng.next() % 2 == 0 || intDigits == 0 {
                s += "."
                let frac = Int(rng.next() % 25) + (intDigits == 0 ? 1 : 0)
                for _ in 0..<frac { s.append(Character(UnicodeScalar(UInt8(48 + rng.next() % 10)))) }
            }
            if rng.next() % 3 == 0 {
                s += rng.next() % 2 == 0 ? "e" : "E"
                if rng.next() % 2 == 0 { s += rng.next() % 2 == 0 ? "-" : "+" }
                s += String(rng.next() % 330)
            }
            guard let expected = Double(s) else {
                Issue.record("stdlib rejected \(s)")
                continue
            }
            let got = parseSales(s)
            if expected.isFinite {
                if got != .value(expected) || got.double?.sign != expected.sign {
                    Issue.record("\(s): \(got) != \(expected)")
                }
            } else if got != .invalid {
                Issue.record("\(s): \(got) should be invalid")
            }
        }
    }

    @Test func veryLongNumber() {
        let long = "1." + String(repeating: "0", count: 90_000) + "1"
        #expect(parseSales(long) == .value(1))
        let big = String(repeating: "9", count: 400)
        #expect(parseSales(big) == .invalid)
    }
}

/// A tiny deterministic generator for tests.
struct CSVTestRNG: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
