import Foundation

/// An Excel workbook (`.xlsx`, Office Open XML) read from memory.
///
/// Opening a workbook reads its sheet list, shared strings, cell styles and date system; a sheet's cells
/// are read when ``rows(sheet:)`` asks for them.
///
/// ```swift
/// let workbook = try XLSXWorkbook(data: upload)
/// let rows = try workbook.rows()            // the first sheet
/// let header = rows.first?.map(\.text) ?? []
/// ```
public struct XLSXWorkbook: Sendable {
    /// The largest part a workbook may decompress to unless the caller says otherwise: 256 MiB.
    public static let defaultMaxPartSize = 256 << 20

    /// The sheet names in the order the workbook shows its tabs.
    public let sheetNames: [String]
    /// How the workbook counts dates (`date1904` in `xl/workbook.xml`).
    public let dateSystem: XLSXDateSystem

    private let data: Data
    private let maxPartSize: Int
    /// The part path of each sheet, in the order of `sheetNames`.
    private let sheetPaths: [String]
    private let sharedStrings: [String]
    private let dateStyles: DateStyles

    /// Reads the workbook structure from the bytes of an `.xlsx` file.
    ///
    /// - Parameter maxPartSize: the most bytes any one part may decompress to.
    /// - Throws: ``XLSXError``.
    public init(data: Data, maxPartSize: Int = XLSXWorkbook.defaultMaxPartSize) throws {
        let archive = try PartArchive(data: data, maxPartSize: maxPartSize)

        let packageRelationships = try archive.relationships(of: "")
        let workbookPath = packageRelationships.values.first { $0.type.hasSuffix("/officeDocument") }?.path
            ?? "xl/workbook.xml"
        guard let workbook = try archive.decode(WorkbookPart.self, at: workbookPath) else {
            throw XLSXError.missingWorkbook
        }
        let relationships = try archive.relationships(of: workbookPath)

        var names: [String] = []
        var paths: [String] = []
        for sheet in workbook.sheets?.sheet ?? [] {
            guard let id = sheet.relationshipID, let target = relationships[id] else {
                throw XLSXError.malformedXML(part: workbookPath, reason: "sheet \"\(sheet.name)\" names no part")
            }
            guard archive.contains(target.path) else { throw XLSXError.missingPart(target.path) }
            names.append(sheet.name)
            paths.append(target.path)
        }
        guard !names.isEmpty else { throw XLSXError.noSheets }

        func part(ofType suffix: String) -> String? {
            relationships.values.first { $0.type.hasSuffix(suffix) }?.path
        }
        var strings: [String] = []
        if let path = part(ofType: "/sharedStrings") {
            guard let table = try archive.data(of: path) else { throw XLSXError.missingPart(path) }
            let handler = SharedStringsHandler()
            try StreamingXML.parse(table, part: path, handler: handler)
            strings = handler.strings
        }
        var styles = DateStyles.none
        if let path = part(ofType: "/styles"), let part = try archive.decode(StylesPart.self, at: path) {
            styles = DateStyles(part)
        }
        let date1904 = workbook.workbookPr?.date1904

        self.data = data
        self.maxPartSize = maxPartSize
        self.sheetNames = names
        self.sheetPaths = paths
        self.sharedStrings = strings
        self.dateStyles = styles
        self.dateSystem = date1904 == "1" || date1904 == "true" ? .from1904 : .from1900
    }

    /// The cells of a sheet, row by row: `rows[0][2]` is `C1`.
    ///
    /// Rows and columns the file skips are filled in, so positions are Excel's, zero-based: a sheet whose
    /// only value is in `C5` gives four empty rows and then `[.empty, .empty, value]`. Each row ends at its
    /// last cell with a value, so rows can be shorter than the header; rows after the last one with a value
    /// are left out.
    ///
    /// - Parameter sheet: the sheet's name, or `nil` for the first sheet.
    /// - Throws: ``XLSXError``; `.noSuchSheet` when no sheet has that name.
    public func rows(sheet: String? = nil) throws -> [[XLSXCell]] {
        let index: Int
        if let sheet {
            guard let found = sheetNames.firstIndex(of: sheet) else {
                throw XLSXError.noSuchSheet(sheet, available: sheetNames)
            }
            index = found
        } else {
            index = 0
        }
        let path = sheetPaths[index]
        let archive = try PartArchive(data: data, maxPartSize: maxPartSize)
        guard let worksheet = try archive.data(of: path) else { throw XLSXError.missingPart(path) }
        let handler = WorksheetHandler(part: path, sharedStrings: sharedStrings, dateStyles: dateStyles,
                                       dateSystem: dateSystem)
        try StreamingXML.parse(worksheet, part: path, handler: handler)
        return handler.rows
    }
}
