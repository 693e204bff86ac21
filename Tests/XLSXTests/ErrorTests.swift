import Foundation
import Testing

@testable import XLSX

@Suite struct ErrorTests {
    @Test func csvRenamedToXLSX() throws {
        #expect(throws: XLSXError.notAZipFile) { try XLSXWorkbook(data: fixture("renamed_csv.xlsx")) }
        #expect(XLSXError.notAZipFile.description.contains("not a ZIP archive"))
    }

    @Test func emptyAndTruncatedFiles() throws {
        #expect(throws: XLSXError.notAZipFile) { try XLSXWorkbook(data: Data()) }
        let basic = try fixture("basic.xlsx")
        #expect(throws: XLSXError.notAZipFile) { try XLSXWorkbook(data: basic.prefix(basic.count / 2)) }
    }

    @Test func legacyXLS() {
        let header = Data([0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1] + Array(repeating: 0, count: 504))
        #expect(throws: XLSXError.legacyExcelFormat) { try XLSXWorkbook(data: header) }
    }

    @Test func zipWithoutWorkbook() throws {
        #expect(throws: XLSXError.missingWorkbook) { try XLSXWorkbook(data: fixture("no_workbook.xlsx")) }
        #expect(XLSXError.missingWorkbook.description == "The file is a ZIP archive but not an Excel workbook: it has no xl/workbook.xml.")
    }

    @Test func missingSheet() throws {
        let workbook = try XLSXWorkbook(data: fixture("basic.xlsx"))
        let expected = XLSXError.noSuchSheet("Sheet1", available: ["Данные", "Second", "Пустой"])
        #expect(throws: expected) { try workbook.rows(sheet: "Sheet1") }
        #expect(expected.description == #"The workbook has no sheet named "Sheet1"; its sheets are "Данные", "Second", "Пустой"."#)
    }

    @Test func malformedSheetXML() throws {
        let workbook = try XLSXWorkbook(data: fixture("malformed_sheet.xlsx"))
        let error = try #require(throws: XLSXError.self) { try workbook.rows() }
        guard case .malformedXML(let part, let reason) = error else {
            Issue.record("unexpected \(error)")
            return
        }
        #expect(part == "xl/worksheets/sheet1.xml")
        #expect(reason.hasPrefix("invalid XML"), "\(reason)")
        #expect(error.description.hasPrefix("The workbook is damaged: xl/worksheets/sheet1.xml could not be read"))
        #expect(try workbook.rows(sheet: "Second").count == 3, "the other sheets still read")
    }

    @Test func sharedStringIndexOutOfRange() throws {
        let data = try workbook(sheetData: #"<row r="1"><c r="C1" t="s"><v>5</v></c></row>"#, sharedStrings: ["a"])
        #expect(throws: XLSXError.malformedXML(part: "xl/worksheets/sheet1.xml",
                                               reason: "cell C1 refers to shared string 5 of 1")) {
            try XLSXWorkbook(data: data).rows()
        }
    }

    @Test func badReferencesAndValues() throws {
        for (sheetData, reason) in [
            (#"<row r="1"><c r="1A"><v>1</v></c></row>"#, #""1A" is not a cell reference"#),
            (#"<row r="1"><c r="XFE1"><v>1</v></c></row>"#, #""XFE1" is not a cell reference"#),
            (#"<row r="0"><c r="A1"><v>1</v></c></row>"#, "row number 0 is outside 1…1048576"),
            (#"<row r="2"><c r="B2"><v>one</v></c></row>"#, #"cell B2 holds "one", which is not a number"#),
            (#"<row r="1"><c r="A1" t="x"><v>1</v></c></row>"#, #"cell A1 has the unknown type "x""#),
        ] {
            #expect(throws: XLSXError.malformedXML(part: "xl/worksheets/sheet1.xml", reason: reason)) {
                try XLSXWorkbook(data: workbook(sheetData: sheetData)).rows()
            }
        }
    }

    @Test func sheetPartMissingFromArchive() throws {
        let rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
        let data = try makeWorkbook([
            "xl/workbook.xml": #"<workbook xmlns:r="\#(rel)"><sheets><sheet name="A" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
            "xl/_rels/workbook.xml.rels": #"<Relationships><Relationship Id="rId1" Type="\#(rel)/worksheet" Target="worksheets/gone.xml"/></Relationships>"#,
        ])
        #expect(throws: XLSXError.missingPart("xl/worksheets/gone.xml")) { try XLSXWorkbook(data: data) }
    }

    @Test func workbookWithoutSheets() throws {
        let data = try makeWorkbook(["xl/workbook.xml": "<workbook><sheets/></workbook>"])
        #expect(throws: XLSXError.noSheets) { try XLSXWorkbook(data: data) }
    }

    @Test func partLargerThanTheLimit() throws {
        let data = try fixture("basic.xlsx")
        let error = try #require(throws: XLSXError.self) { try XLSXWorkbook(data: data, maxPartSize: 1_000) }
        guard case .partTooLarge(_, let limit) = error else {
            Issue.record("unexpected \(error)")
            return
        }
        #expect(limit == 1_000)
    }
}
