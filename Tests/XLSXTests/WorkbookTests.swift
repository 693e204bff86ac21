import Foundation
import Testing

@testable import XLSX

/// basic.xlsx, written by openpyxl: inline strings, numbers, booleans, dates, gaps, number formats.
@Suite struct OpenpyxlWorkbookTests {
    let workbook: XLSXWorkbook

    init() throws {
        workbook = try XLSXWorkbook(data: fixture("basic.xlsx"))
    }

    @Test func sheetNamesInTabOrder() {
        #expect(workbook.sheetNames == ["Данные", "Second", "Пустой"])
        #expect(workbook.dateSystem == .from1900)
    }

    @Test func firstSheetByDefaultAndByName() throws {
        #expect(try workbook.rows() == workbook.rows(sheet: "Данные"))
    }

    @Test func everyCellReadsBack() throws {
        let rows = try workbook.rows()
        #expect(rows.count == 7)
        #expect(rows[0] == ["Name", "Count", "Price", "Flag", "When", "Day", "Note"].map(XLSXCell.string))
        #expect(rows[1] == [
            .string("Пластинка «Кино»"), .number(3), .number(2.5), .bool(true),
            .dateNumber(45717.52100694444), .dateNumber(45718), .string("  padded  "),
        ])
        #expect(rows[2] == [.string("emoji 🎵"), .number(-7), .number(0.1), .bool(false), .dateNumber(1), .dateNumber(61)])
        #expect(rows[3] == [], "row 4 is not in the file")
        #expect(rows[4] == [.empty, .empty, .number(1e20), .empty, .empty, .empty, .string("gap")])
        #expect(rows[5] == [.empty, .error("#DIV/0!"), .number(1_234_567_890_123), .number(3)],
                "A6 is a formula without a cached value")
    }

    @Test func datesReadBack() throws {
        let rows = try workbook.rows()
        #expect(rows[1][4].date == utc(2025, 3, 1, 12, 30, 15))
        #expect(rows[1][5].date == utc(2025, 3, 2))
        #expect(rows[2][4].date == utc(1900, 1, 1))
        #expect(rows[2][5].date == utc(1900, 3, 1))
        #expect(rows[1][1].date == nil)
    }

    @Test func numberFormatsDecideWhatIsADate() throws {
        let formats = try workbook.rows()[6]
        #expect(formats == [
            .number(1500),  // #,##0 "руб."
            .dateNumber(45657),  // dd.mm.yyyy
            .dateNumber(45296),  // [$-419]d mmmm yyyy;@
            .dateNumber(45351),  // built-in 14
            .dateNumber(0.5729166666666666),  // built-in 20, h:mm
            .number(0.25),  // 0.00%
            .number(42),  // [Red]0
            .string("text"),  // @
        ])
        #expect(formats.map(\.text) == ["1500", "2024-12-31", "2024-01-05", "2024-02-29", "13:45:00", "0.25", "42", "text"])
    }

    @Test func textForms() throws {
        let rows = try workbook.rows()
        #expect(rows[1].map(\.text) == ["Пластинка «Кино»", "3", "2.5", "TRUE", "2025-03-01 12:30:15", "2025-03-02", "  padded  "])
        #expect(rows[4].map(\.text) == ["", "", "1e+20", "", "", "", "gap"])
        #expect(rows[5].map(\.text) == ["", "#DIV/0!", "1234567890123", "3"])
    }

    @Test func sparseSecondSheetAndEmptyThird() throws {
        #expect(try workbook.rows(sheet: "Second") == [[.string("only")], [], [.empty, .empty, .number(3)]])
        #expect(try workbook.rows(sheet: "Пустой") == [])
    }
}

/// shared_strings.xlsx, laid out as Excel does: a shared string table, parts not named after their order.
@Suite struct ExcelLayoutTests {
    let workbook: XLSXWorkbook

    init() throws {
        workbook = try XLSXWorkbook(data: fixture("shared_strings.xlsx"))
    }

    @Test func sheetsFollowRelationshipsNotFileNames() throws {
        #expect(workbook.sheetNames == ["Sales", "Notes"])
        #expect(try workbook.rows(sheet: "Notes") == [[], [.empty, .string("Исполнитель")]])
    }

    @Test func sharedStringsWithRichTextEscapesAndWhitespace() throws {
        #expect(try workbook.rows()[0] == [
            .string("Исполнитель"), .string("Bold and plain"), .string("漢字"), .string("line\rbreak"),
            .string("_x0041_ stays"), .string("  spaced  "),
        ])
    }

    @Test func stylesAndCellTypes() throws {
        let rows = try workbook.rows()
        #expect(rows.count == 4, "the styled but empty row 20 is left out")
        #expect(rows[1] == [.dateNumber(45717), .empty, .dateNumber(45717.75), .number(-12.5), .string(""), .string("a & b <c>")])
        #expect(rows[2] == [.string("xy"), .error("#DIV/0!"), .bool(false), .bool(true), .dateNumber(45717.5), .number(3)],
                "cells without references follow one another")
        #expect(rows[2][4].date == utc(2025, 3, 1, 12))
        #expect(rows[3] == [.empty, .empty, .empty, .empty, .string("inline")])
    }
}

/// date1904.xlsx, laid out as the Open XML SDK does: prefixed elements, the 1904 date system.
@Suite struct OpenXMLSDKLayoutTests {
    @Test func prefixedPartsAnd1904Dates() throws {
        let workbook = try XLSXWorkbook(data: fixture("date1904.xlsx"))
        #expect(workbook.sheetNames == ["Mac dates"])
        #expect(workbook.dateSystem == .from1904)
        let rows = try workbook.rows()
        #expect(rows == [[.string("Дата"), .dateNumber(1462), .dateNumber(45352.5), .number(43890.5)]])
        #expect(rows[0][1].date == utc(1904, 1, 1))
        #expect(rows[0][2].date == utc(2024, 3, 1, 12))
        #expect(workbook.dateSystem.date(fromSerial: 43890.5) == utc(2024, 3, 1, 12))
    }
}
