import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// Reads a worksheet part (`<sheetData><row r="1"><c r="A1" t="s" s="0"><v>0</v></c>…`) into dense
/// rows of ``XLSXCell`` values as its elements stream past.
final class WorksheetHandler: StreamingXMLHandler, XMLParserDelegate {
    /// A `<c>` element as the file has it.
    struct RawCell {
        /// The reference, `C5`; absent means the column after the previous cell.
        var reference: String?
        /// `s` shared string, `inlineStr`, `str` formula text, `b`, `e`, `d` ISO date, `n` or absent for numbers.
        var type: String?
        /// The index of the cell format in `cellXfs`.
        var style: Int?
        /// The value, or cached formula result.
        var value: String?
        /// The text of an inline string (`<is>`).
        var inlineString: String?
    }

    private(set) var rows: [[XLSXCell]] = []
    private let part: String
    private let sharedStrings: [String]
    private let dateStyles: DateStyles
    private let dateSystem: XLSXDateSystem

    private var inSheetData = false
    private var rowIndex = -1
    private var rowCells: [XLSXCell] = []
    private var nextColumn = 0
    private var cell: RawCell?
    private var value: String?
    private var inlineString: RichTextCollector?

    init(part: String, sharedStrings: [String], dateStyles: DateStyles, dateSystem: XLSXDateSystem) {
        self.part = part
        self.sharedStrings = sharedStrings
        self.dateStyles = dateStyles
        self.dateSystem = dateSystem
    }

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                qualifiedName: String?, attributes: [String: String] = [:]) {
        if inlineString != nil {
            inlineString?.start(elementName)
            return
        }
        switch elementName {
        case "sheetData":
            inSheetData = true
        case "row" where inSheetData:
            if let number = attributes["r"] {
                guard let number = Int(number), (1...CellText.maxRows).contains(number) else {
                    return fail(malformed("row number \(number) is outside 1…\(CellText.maxRows)"), parser)
                }
                rowIndex = number - 1
            } else {
                rowIndex += 1
            }
            rowCells = []
            nextColumn = 0
        case "c" where inSheetData:
            cell = RawCell(reference: attributes["r"], type: attributes["t"], style: attributes["s"].flatMap { Int($0) })
        case "v" where cell != nil:
            value = ""
        case "is" where cell != nil:
            inlineString = RichTextCollector()
        default:
            break
        }
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
        if inlineString != nil {
            if elementName == "is" {
                cell?.inlineString = inlineString?.take()
                inlineString = nil
            } else {
                inlineString?.end(elementName)
            }
            return
        }
        switch elementName {
        case "v":
            cell?.value = value
            value = nil
        case "c":
            guard let finished = cell else { return }
            cell = nil
            do {
                try place(finished)
            } catch let error as XLSXError {
                fail(error, parser)
            } catch {
                fail(malformed(String(describing: error)), parser)
            }
        case "row" where inSheetData:
            guard !rowCells.isEmpty else { return }
            if rowIndex >= rows.count {
                rows.append(contentsOf: repeatElement([], count: rowIndex - rows.count + 1))
            }
            rows[rowIndex] = rowCells
        case "sheetData":
            inSheetData = false
        default:
            break
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if inlineString != nil {
            inlineString?.characters(string)
        } else if value != nil {
            value? += string
        }
    }

    func parser(_ parser: XMLParser, foundCDATA CDATABlock: Data) {
        self.parser(parser, foundCharacters: String(decoding: CDATABlock, as: UTF8.self))
    }

    /// Puts a finished cell into the current row, filling any columns skipped before it.
    private func place(_ raw: RawCell) throws {
        let column: Int
        if let reference = raw.reference {
            guard let index = CellText.columnIndex(ofReference: reference) else {
                throw malformed("\"\(reference)\" is not a cell reference")
            }
            column = index
        } else {
            column = nextColumn
        }
        nextColumn = column + 1
        let value = try cellValue(raw, column: column)
        guard value != .empty else { return }
        if column >= rowCells.count {
            rowCells.append(contentsOf: repeatElement(.empty, count: column - rowCells.count + 1))
        }
        rowCells[column] = value
    }

    /// What a cell holds, by its type and style.
    func cellValue(_ cell: RawCell, column: Int) throws -> XLSXCell {
        let value = cell.value
        switch cell.type {
        case "s":
            guard let value, !value.isEmpty else { return .empty }
            guard let index = Int(value), sharedStrings.indices.contains(index) else {
                throw malformed("cell \(reference(column)) refers to shared string \(value) of \(sharedStrings.count)")
            }
            return .string(sharedStrings[index])
        case "inlineStr":
            return cell.inlineString.map(XLSXCell.string) ?? .empty
        case "str":
            return value.map { .string(CellText.unescape($0)) } ?? .empty
        case "b":
            guard let value, !value.isEmpty else { return .empty }
            return .bool(value == "1" || value == "true")
        case "e":
            guard let value, !value.isEmpty else { return .empty }
            return .error(value)
        case "d":
            guard let value, !value.isEmpty else { return .empty }
            guard let serial = CellText.serial(fromISODate: value) else {
                throw malformed("cell \(reference(column)) holds \"\(value)\", which is not an ISO 8601 date")
            }
            return .dateNumber(serial)
        case nil, "n":
            guard let value, !value.isEmpty else { return .empty }
            guard let number = Double(value) else {
                throw malformed("cell \(reference(column)) holds \"\(value)\", which is not a number")
            }
            return dateStyles.isDate(style: cell.style) ? .dateNumber(dateSystem.serialIn1900System(number)) : .number(number)
        case let type?:
            throw malformed("cell \(reference(column)) has the unknown type \"\(type)\"")
        }
    }

    private func malformed(_ reason: String) -> XLSXError {
        .malformedXML(part: part, reason: reason)
    }

    /// `C5` for column 2 of the current row.
    private func reference(_ column: Int) -> String {
        var letters = ""
        var number = column + 1
        while number > 0 {
            let remainder = (number - 1) % 26
            letters = String(UnicodeScalar(UInt8(ascii: "A") + UInt8(remainder))) + letters
            number = (number - 1) / 26
        }
        return "\(letters)\(rowIndex + 1)"
    }
}
