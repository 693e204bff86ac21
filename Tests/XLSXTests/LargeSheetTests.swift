import Foundation
import Testing

@testable import XLSX

@Suite struct LargeSheetTests {
    /// 20,000 data rows under a header, six columns of shared strings, numbers, inline strings and booleans;
    /// the notes make the sheet part pass 10 MB, where `XMLParser(data:)` gives up on Linux.
    @Test func twentyThousandRows() throws {
        let count = 20_000
        let note = String(repeating: "примечание ", count: 20)
        var sheet = #"<row r="1"><c r="A1" t="inlineStr"><is><t>Исполнитель</t></is></c></row>"#
        sheet.reserveCapacity(count * 650)
        for i in 0..<count {
            let r = i + 2
            sheet += #"<row r="\#(r)"><c r="A\#(r)" t="s"><v>\#(i % 500)</v></c><c r="B\#(r)"><v>\#(i)</v></c>"#
            sheet += #"<c r="C\#(r)"><v>\#(Double(i) * 0.5)</v></c><c r="D\#(r)" t="inlineStr"><is><t>Альбом \#(i)</t></is></c>"#
            sheet += #"<c r="E\#(r)" t="inlineStr"><is><t>\#(note)</t></is></c>"#
            sheet += #"<c r="F\#(r)" t="b"><v>\#(i % 2)</v></c></row>"#
        }
        #expect(sheet.utf8.count > 10_000_000)
        let data = try workbook(sheetData: sheet, sharedStrings: (0..<500).map { "Исполнитель \($0)" })

        let clock = ContinuousClock()
        let start = clock.now
        let rows = try XLSXWorkbook(data: data).rows()
        let elapsed = clock.now - start
        print("20k rows: \(sheet.utf8.count) bytes of sheet XML, \(data.count) zipped, read in \(elapsed)")

        #expect(rows.count == count + 1)
        #expect(rows[0] == [.string("Исполнитель")])
        #expect(rows[12_346] == [.string("Исполнитель 345"), .number(12_345), .number(6_172.5), .string("Альбом 12345"),
                                 .string(note), .bool(true)])
        #expect(rows.last == [.string("Исполнитель 499"), .number(19_999), .number(9_999.5), .string("Альбом 19999"),
                              .string(note), .bool(true)])
        #expect(rows.dropFirst().allSatisfy { $0.count == 6 && $0[4] == .string(note) },
                "text split across the parser's input chunks arrives whole")
    }
}
