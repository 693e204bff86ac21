import Foundation
import Testing
import ZIPFoundation

@testable import XLSX

/// The bytes of a file in Fixtures/ (written by Scripts/make_fixtures.py).
func fixture(_ name: String) throws -> Data {
    let url = try #require(Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures"))
    return try Data(contentsOf: url)
}

/// A UTC date.
func utc(_ year: Int, _ month: Int, _ day: Int, _ hour: Int = 0, _ minute: Int = 0, _ second: Int = 0) -> Date {
    let days = CellText.daysFromCivil(year: year, month: month, day: day)
    return Date(timeIntervalSince1970: TimeInterval(days * 86_400 + hour * 3600 + minute * 60 + second))
}

/// An in-memory .xlsx made of the given parts, for shapes no fixture has.
func makeWorkbook(_ parts: [String: String]) throws -> Data {
    let archive = try Archive(data: Data(), accessMode: .create, pathEncoding: nil)
    for (path, text) in parts.sorted(by: { $0.key < $1.key }) {
        let bytes = Data(text.utf8)
        try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(bytes.count),
                             compressionMethod: .deflate) { position, size in
            bytes.subdata(in: Int(position)..<Int(position) + size)
        }
    }
    return try #require(archive.data)
}

/// The smallest workbook around one worksheet's `<sheetData>` content.
func workbook(sheetData: String, sharedStrings: [String] = []) throws -> Data {
    let main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    let rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    var parts = [
        "xl/workbook.xml": """
            <workbook xmlns="\(main)" xmlns:r="\(rel)"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>
            """,
        "xl/_rels/workbook.xml.rels": """
            <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
            <Relationship Id="rId1" Type="\(rel)/worksheet" Target="worksheets/sheet1.xml"/>\
            <Relationship Id="rId2" Type="\(rel)/sharedStrings" Target="sharedStrings.xml"/></Relationships>
            """,
        "xl/worksheets/sheet1.xml": "<worksheet xmlns=\"\(main)\"><sheetData>\(sheetData)</sheetData></worksheet>",
    ]
    let items = sharedStrings.map { "<si><t xml:space=\"preserve\">\($0)</t></si>" }.joined()
    parts["xl/sharedStrings.xml"] = "<sst xmlns=\"\(main)\">\(items)</sst>"
    return try makeWorkbook(parts)
}
