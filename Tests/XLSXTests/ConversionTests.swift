import Foundation
import Testing

@testable import XLSX

@Suite struct DateSystemTests {
    @Test(arguments: [
        (1, utc(1900, 1, 1)), (59, utc(1900, 2, 28)), (60, utc(1900, 2, 28)), (61, utc(1900, 3, 1)),
        (45717.5, utc(2025, 3, 1, 12)), (2_958_465, utc(9999, 12, 31)),
    ] as [(Double, Date)])
    func serials1900(serial: Double, date: Date) {
        #expect(XLSXDateSystem.from1900.date(fromSerial: serial) == date)
    }

    @Test func serials1904() {
        #expect(XLSXDateSystem.from1904.date(fromSerial: 0) == utc(1904, 1, 1))
        #expect(XLSXDateSystem.from1904.date(fromSerial: 366) == utc(1905, 1, 1))
        #expect(XLSXDateSystem.from1904.serial(from: utc(1904, 1, 2)) == 1)
    }

    @Test func roundsToTheMillisecond() {
        // 12:30:15 as openpyxl writes it: 45717.52100694444.
        #expect(XLSXDateSystem.from1900.date(fromSerial: 45717.52100694444) == utc(2025, 3, 1, 12, 30, 15))
    }

    @Test func serialIsTheInverse() {
        for date in [utc(1900, 3, 1), utc(2025, 3, 1, 12, 30), utc(1999, 12, 31, 23, 59, 59)] {
            #expect(XLSXDateSystem.from1900.date(fromSerial: XLSXDateSystem.from1900.serial(from: date)) == date)
        }
        #expect(XLSXDateSystem.from1900.serial(from: utc(1900, 1, 1)) == 1)
    }

    @Test func isoDateCells() {
        #expect(CellText.serial(fromISODate: "2025-03-01") == 45717)
        #expect(CellText.serial(fromISODate: "2025-03-01T12:00:00Z") == 45717.5)
        #expect(CellText.serial(fromISODate: "2025-03-01T06:00") == 45717.25)
        #expect(CellText.serial(fromISODate: "2025-13-01") == nil)
        #expect(CellText.serial(fromISODate: "soon") == nil)
    }
}

@Suite struct NumberFormatTests {
    @Test(arguments: ["yyyy-mm-dd", "dd.mm.yyyy", "[$-419]d mmmm yyyy;@", "h:mm AM/PM", "mm:ss.0", "[h]:mm:ss",
                      "yyyy\\-mm\\-dd", "DD/MM/YY"])
    func dateFormats(code: String) {
        #expect(DateStyles.isDateFormat(code))
    }

    @Test(arguments: ["General", "0.00", "#,##0 \"руб.\"", "[Red]0", "0.00_);[Red]\\(0.00\\)", "@", "0.00E+00",
                      "\"days\" 0", "#,##0;[Red]-#,##0", "_-* #,##0_-"])
    func numberFormats(code: String) {
        #expect(!DateStyles.isDateFormat(code))
    }

    @Test func builtInAndCustomStyles() {
        let styles = DateStyles(StylesPart(
            numFmts: .init(numFmt: [.init(numFmtId: 164, formatCode: "dd.mm.yyyy"), .init(numFmtId: 14, formatCode: "0.0")]),
            cellXfs: .init(xf: [.init(numFmtId: 0), .init(numFmtId: 22), .init(numFmtId: 164), .init(numFmtId: 14),
                                .init(numFmtId: 45), .init(numFmtId: nil)])))
        #expect((0..<7).map { styles.isDate(style: $0) } == [false, true, true, false, true, false, false])
        #expect(!styles.isDate(style: nil))
    }
}

@Suite struct CellTextTests {
    @Test func columns() {
        #expect(CellText.columnIndex(ofReference: "A1") == 0)
        #expect(CellText.columnIndex(ofReference: "Z9") == 25)
        #expect(CellText.columnIndex(ofReference: "AA10") == 26)
        #expect(CellText.columnIndex(ofReference: "xfd1048576") == 16_383)
        #expect(CellText.columnIndex(ofReference: "XFE1") == nil)
        #expect(CellText.columnIndex(ofReference: "12") == nil)
    }

    @Test func escapes() {
        #expect(CellText.unescape("a_x000D__x000A_b") == "a\r\nb")
        #expect(CellText.unescape("_x005F_x0041_") == "_x0041_")
        #expect(CellText.unescape("_xD83C__xDFB5_") == "🎵")
        #expect(CellText.unescape("_xZZZZ_ and _x12") == "_xZZZZ_ and _x12")
    }

    @Test func cellText() {
        #expect(XLSXCell.number(-0.0).text == "0")
        #expect(XLSXCell.number(1e15).text == "1000000000000000")
        #expect(XLSXCell.number(1e16).text == "1e+16")
        #expect(XLSXCell.number(-12.5).text == "-12.5")
        #expect(XLSXCell.dateNumber(45717).text == "2025-03-01")
        #expect(XLSXCell.dateNumber(45717.75).text == "2025-03-01 18:00:00")
        #expect(XLSXCell.dateNumber(0.5).text == "12:00:00")
        #expect(XLSXCell.bool(false).text == "FALSE")
        #expect(XLSXCell.error("#N/A").text == "#N/A")
        #expect(XLSXCell.empty.text == "" && XLSXCell.empty.isEmpty)
        #expect(XLSXCell.dateNumber(1).isDate && !XLSXCell.number(1).isDate)
        #expect(XLSXCell.dateNumber(2).number == 2 && XLSXCell.string("2").number == nil)
    }
}
