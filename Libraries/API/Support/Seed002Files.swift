import CSV
import Foundation
import HTTPTypes
import MultipartKit
import NIOCore
import XLSX

/// Seed 002's (Plastinka) upload files: one stock file and one or more sales files, `.xlsx` (one sheet) or
/// `.csv`, with the shop export's Russian headers (or the seed's English column names). Each sales row is one
/// record sold; the rows become Almanac's sales CSV (`Date, product_id, category, sales`): the day sold, the
/// barcode (spaces and leading zeros dropped, as the seed does), the style as the category, and the units
/// sold that day. Every problem is a 400 naming the file, sheet, column and row; nothing is stored then.
enum Seed002Files {
    /// The headers the seed's code maps (its COLUMN_MAPPING) onto its column names.
    static let columnMapping: [String: String] = [
        "Штрихкод": "barcode", "Barcode": "barcode", "Исполнитель": "artist", "Альбом": "album", "Конверт": "cover_type",
        "Цена, руб.": "price", "Тип": "release_type", "Год записи": "recording_year", "Год выпуска": "release_year",
        "Стиль": "style", "Дата создания": "created_date", "Дата добавления": "created_date", "Дата заказа": "sold_date",
        "Дата продажи": "sold_date", "Экземпляры": "count",
    ]
    static let common = ["barcode", "artist", "album", "cover_type", "price", "release_type", "recording_year", "release_year", "style", "created_date"]
    static let stockRequired = common + ["count"]
    static let salesRequired = common + ["sold_date"]
    /// The header a person sees for a column name, for messages.
    static func header(_ column: String) -> String {
        let names = columnMapping.filter { $0.value == column }.map(\.key).sorted()
        return names.isEmpty ? column : "\(names.first(where: { $0.unicodeScalars.first.map { $0.value > 0x7f } ?? false }) ?? names[0]) (\(column))"
    }

    struct Part {
        var name: String
        var filename: String?
        var data: [UInt8]
    }

    /// The parts of a collected multipart/form-data body.
    static func parts(_ body: ByteBuffer, boundary: String) throws -> [Part] {
        final class Collector {
            var parts: [Part] = []
            var headers: [String: String] = [:]
            var data: [UInt8] = []
        }
        let collector = Collector()
        let parser = MultipartParser(boundary: boundary)
        parser.onHeader = { name, value in collector.headers[name.lowercased()] = value }
        parser.onBody = { buffer in collector.data += buffer.readableBytesView }
        parser.onPartComplete = {
            let disposition = collector.headers["content-disposition"] ?? ""
            let name = MultipartReceiver.parameter("name", in: disposition) ?? ""
            collector.parts.append(Part(name: name, filename: MultipartReceiver.parameter("filename", in: disposition), data: collector.data))
            collector.headers = [:]
            collector.data = []
        }
        do { try parser.execute(body) } catch {
            throw APIError.seed002(.badRequest, "the multipart body could not be read: \(error)", code: "validation_error")
        }
        return collector.parts
    }

    /// A file's one sheet: its name, the column index of each known column, and the rows below the header.
    struct Table {
        var file: String
        var sheet: String
        var columns: [String: Int]
        var rows: [[XLSXCell]]
        /// The spreadsheet row number of `rows[i]` (the header is row 1 when it is the first row).
        var firstRow: Int

        func cell(_ row: [XLSXCell], _ column: String) -> XLSXCell {
            guard let i = columns[column], i < row.count else { return .empty }
            return row[i]
        }

        func problem(_ role: String, _ column: String, _ index: Int, _ message: String) -> APIError {
            APIError.seed002(
                .badRequest, "Invalid \(role) file (\(file)): sheet \"\(sheet)\", column \(Seed002Files.header(column)), row \(firstRow + index): \(message)",
                code: "validation_error")
        }
    }

    static func table(_ part: Part, role: String, required: [String]) throws -> Table {
        let file = String((part.filename ?? "(unnamed)").prefix(200))
        func invalid(_ message: String) -> APIError {
            APIError.seed002(.badRequest, "Invalid \(role) file (\(file)): \(message)", code: "validation_error")
        }
        guard !part.data.isEmpty else { throw invalid("File is empty") }
        let ext = file.split(separator: ".").count > 1 ? (file.split(separator: ".").last.map { "." + $0.lowercased() } ?? "") : ""
        var sheet = "(csv)"
        var rows: [[XLSXCell]]
        switch ext {
        case ".xlsx":
            do {
                let workbook = try XLSXWorkbook(data: Data(part.data))
                guard workbook.sheetNames.count == 1 else {
                    throw invalid("the workbook has \(workbook.sheetNames.count) sheets (\(workbook.sheetNames.joined(separator: ", "))): keep the one with the data")
                }
                sheet = workbook.sheetNames[0]
                rows = try workbook.rows()
            } catch let error as XLSXError {
                throw invalid("not a readable .xlsx workbook: \(error)")
            }
        case ".csv":
            var reader = CSVReader(bytes: part.data)
            do {
                rows = try reader.readAll().map { $0.map { XLSXCell.string($0) } }
            } catch let error as CSVError {
                throw invalid("\(error)")
            }
        case ".xls":
            throw invalid("the legacy .xls format is not read: save the file as .xlsx")
        default:
            throw invalid("Invalid content type: \(ext.isEmpty ? "no extension" : ext) (send .xlsx or .csv)")
        }
        guard let headerIndex = rows.firstIndex(where: { !$0.allSatisfy(\.isEmpty) }) else { throw invalid("File is empty") }
        var columns: [String: Int] = [:]
        for (i, cell) in rows[headerIndex].enumerated() {
            let name = cell.text.trimmingCharacters(in: .whitespaces)
            if let column = columnMapping[name] ?? (required.contains(name) ? name : nil), columns[column] == nil { columns[column] = i }
        }
        let missing = required.filter { columns[$0] == nil }
        guard missing.isEmpty else {
            throw invalid("sheet \"\(sheet)\": Missing required columns: \(missing.map(header).joined(separator: ", "))")
        }
        return Table(file: file, sheet: sheet, columns: columns, rows: Array(rows[(headerIndex + 1)...]), firstRow: headerIndex + 2)
    }

    /// A day number (days since 1970-01-01) from a date cell, an Excel serial, or text the seed reads day first
    /// (`DD.MM.YYYY[ HH:MM]`, `DD/MM/YYYY`, `YYYY-MM-DD[ HH:MM:SS]`).
    static func day(_ cell: XLSXCell) -> Int32? {
        if let date = cell.date { return Int32((date.timeIntervalSince1970 / 86_400).rounded(.down)) }
        if case .number(let serial) = cell, serial >= 1, serial < 2_958_466 { return Int32(serial.rounded(.down)) - 25_569 }
        let text = cell.text.trimmingCharacters(in: .whitespaces)
        let parts = text.prefix { $0 != " " && $0 != "T" }.split(omittingEmptySubsequences: false) { $0 == "." || $0 == "/" || $0 == "-" }
        guard parts.count == 3, parts.allSatisfy({ !$0.isEmpty && $0.count <= 4 && $0.allSatisfy(\.isASCII) }),
              let a = Int(parts[0]), let b = Int(parts[1]), let c = Int(parts[2]) else { return nil }
        // Year first (2025-03-01) or day first, as the seed reads (01.03.2025, 01/03/2025).
        let (y, m, d) = parts[0].count == 4 ? (a, b, c) : (parts[2].count == 4 ? c : -1, b, a)
        guard CSVDate.years.contains(y), (1...12).contains(m), d >= 1, d <= CSVDate.daysInMonth(year: y, month: m) else { return nil }
        return Int32(CSVDate.dayNumber(year: y, month: m, day: d))
    }

    /// Barcodes as the seed keys them: spaces removed, leading zeros stripped.
    static func barcode(_ cell: XLSXCell) -> String {
        var text = cell.text.filter { !$0.isWhitespace }
        while text.count > 1, text.first == "0" { text.removeFirst() }
        return text
    }

    struct Summary {
        var salesRows = 0
        var stockRows = 0
        var stockUnits = 0.0
        var csv = "Date,product_id,category,sales\n"
    }

    /// Checks the stock file and the sales files and builds the sales CSV; throws the first problem found.
    static func convert(stock: Part, sales: [Part]) throws -> Summary {
        var summary = Summary()
        let stockTable = try table(stock, role: "stock", required: stockRequired)
        for (i, row) in stockTable.rows.enumerated() where !row.allSatisfy(\.isEmpty) {
            let count = stockTable.cell(row, "count")
            guard let units = count.number ?? Double(count.text.trimmingCharacters(in: .whitespaces)), units.isFinite, units >= 0 else {
                throw stockTable.problem("stock", "count", i, "\"\(count.text.prefix(40))\" is not a number of copies")
            }
            let created = stockTable.cell(row, "created_date")
            guard day(created) != nil else {
                throw stockTable.problem("stock", "created_date", i, "\"\(created.text.prefix(40))\" is not a date (expected DD.MM.YYYY)")
            }
            summary.stockRows += 1
            summary.stockUnits += units
        }
        struct Key: Hashable { var day: Int32; var barcode: String; var style: String }
        var sold: [Key: Int] = [:]
        for part in sales {
            let t = try table(part, role: "sales", required: salesRequired)
            for (i, row) in t.rows.enumerated() where !row.allSatisfy(\.isEmpty) {
                let date = t.cell(row, "sold_date")
                guard let d = day(date) else {
                    throw t.problem("sales", "sold_date", i, date.isEmpty ? "the date sold is empty" : "\"\(date.text.prefix(40))\" is not a date (expected DD.MM.YYYY)")
                }
                let code = barcode(t.cell(row, "barcode"))
                guard !code.isEmpty, code.count <= 100 else { throw t.problem("sales", "barcode", i, "the barcode is empty or longer than 100 characters") }
                var style = t.cell(row, "style").text.trimmingCharacters(in: .whitespaces)
                if style.isEmpty { style = "Unknown" }
                guard style.count <= 100 else { throw t.problem("sales", "style", i, "the style is longer than 100 characters") }
                sold[Key(day: d, barcode: code, style: style), default: 0] += 1
                summary.salesRows += 1
            }
        }
        guard summary.salesRows > 0 else {
            throw APIError.seed002(.badRequest, "Invalid sales file: the sales files hold no rows", code: "validation_error")
        }
        for (key, units) in sold.sorted(by: { ($0.key.day, $0.key.style, $0.key.barcode) < ($1.key.day, $1.key.style, $1.key.barcode) }) {
            summary.csv += "\(formatDate(key.day)),\(quoted(key.barcode)),\(quoted(key.style)),\(units)\n"
        }
        return summary
    }

    static func quoted(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) || field.hasPrefix(" ") else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
