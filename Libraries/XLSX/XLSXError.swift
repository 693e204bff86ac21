/// Why a workbook could not be read.
///
/// Every case renders a sentence that can be shown to the person who uploaded the file
/// (`description`); none of them carries file contents beyond part and sheet names.
public enum XLSXError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The bytes are not a ZIP archive, so not an `.xlsx` file (a CSV renamed `.xlsx`, say).
    case notAZipFile
    /// The bytes are a legacy binary Excel file (`.xls`, BIFF in an OLE2 container), which this reader does not read.
    case legacyExcelFormat
    /// The archive is a ZIP file but has no workbook part (`xl/workbook.xml`, or what `_rels/.rels` names).
    case missingWorkbook
    /// The workbook names a part (a sheet, the shared strings) that the archive does not contain.
    case missingPart(String)
    /// A part of the archive could not be decompressed (a damaged or truncated file).
    case corruptPart(String)
    /// The workbook lists no sheets at all.
    case noSheets
    /// No sheet has the requested name; `available` lists the names the workbook has.
    case noSuchSheet(String, available: [String])
    /// A part's XML could not be parsed, or holds a value that makes no sense (a shared string index out of range).
    case malformedXML(part: String, reason: String)
    /// A part decompresses to more bytes than the reader accepts (a guard against ZIP bombs).
    case partTooLarge(part: String, limit: Int)

    public var description: String {
        switch self {
        case .notAZipFile:
            return "The file is not an Excel workbook (.xlsx): it is not a ZIP archive. Is it a CSV or another format renamed to .xlsx?"
        case .legacyExcelFormat:
            return "The file is a legacy Excel 97–2003 workbook (.xls); save it as .xlsx and upload it again."
        case .missingWorkbook:
            return "The file is a ZIP archive but not an Excel workbook: it has no xl/workbook.xml."
        case .missingPart(let part):
            return "The workbook is incomplete: it refers to \(part), which the file does not contain."
        case .corruptPart(let part):
            return "The workbook is damaged: \(part) could not be decompressed."
        case .noSheets:
            return "The workbook has no sheets."
        case .noSuchSheet(let name, let available):
            let names = available.map { "\"\($0)\"" }.joined(separator: ", ")
            return "The workbook has no sheet named \"\(name)\"; its sheets are \(names)."
        case .malformedXML(let part, let reason):
            return "The workbook is damaged: \(part) could not be read (\(reason))."
        case .partTooLarge(let part, let limit):
            return "The workbook part \(part) is larger than the \(limit) bytes this reader accepts."
        }
    }
}
