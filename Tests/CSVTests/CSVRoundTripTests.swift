import Foundation
import Testing

@testable import CSV

/// What a generated sales file should read back as.
struct CSVSalesChecksum: Equatable {
    var rows = 0
    var missing = 0
    var cents = 0
    var days = 0
    var productBytes = 0
    var categoryBytes = 0
    var lastLine = 0
}

/// Writes a sales CSV of `rowCount` rows in awkward but valid shapes (both date formats, quoted
/// categories with commas, doubled quotes and line breaks, CRLF and LF, missing sales, exponents)
/// and returns what reading it must give.
func csvWriteSalesFile(rows rowCount: Int, to url: URL, seed: UInt64 = 7) throws -> CSVSalesChecksum {
    var rng = CSVTestRNG(seed: seed)
    var sum = CSVSalesChecksum()
    var out = [UInt8]()
    out.reserveCapacity(rowCount * 48)
    out += Array("\u{FEFF}Date,product_id,category,sales\r\n".utf8)
    var line = 2
    let categories: [(raw: String, value: String, lines: Int)] = [
        ("Electronics", "Electronics", 0), ("Furniture", "Furniture", 0), ("\"Home, Garden\"", "Home, Garden", 0),
        ("\"Toys \"\"R\"\" Us\"", "Toys \"R\" Us", 0), ("\"Multi\nLine\"", "Multi\nLine", 1), ("Café", "Café", 0),
    ]
    for r in 0..<rowCount {
        let day = 19000 + Int(rng.next() % 2000)
        let (y, m, d) = CSVDate.civil(dayNumber: day)
        let date = r % 3 == 0 ? String(format: "%02d/%02d/%04d", d, m, y) : formatDate(Int32(day))
        let product = "P\(rng.next() % 100_000)"
        let category = categories[Int(rng.next() % UInt64(categories.count))]
        let sales: String
        switch rng.next() % 20 {
        case 0: sales = "NA"; sum.missing += 1
        case 1: sales = ""; sum.missing += 1
        case 2:
            let c = Int(rng.next() % 1000)
            sales = "\(c)e-2"
            sum.cents += c
        default:
            let c = Int(rng.next() % 10_000_000) - 1_000_000
            let sign = c < 0 ? "-" : ""
            sales = "\(sign)\(abs(c) / 100).\(String(format: "%02d", abs(c) % 100))"
            sum.cents += c
        }
        out += Array("\(date),\(product),\(category.raw),\(sales)".utf8)
        out += r % 2 == 0 ? [0x0D, 0x0A] : [0x0A]
        sum.rows += 1
        sum.days += day
        sum.productBytes += product.utf8.count
        sum.categoryBytes += category.value.utf8.count
        sum.lastLine = line
        line += 1 + category.lines
    }
    try Data(out).write(to: url)
    return sum
}

/// Reads a sales file the way the ETL worker does: header, then parsers on byte slices.
func csvSalesChecksum(of path: String) throws -> CSVSalesChecksum {
    var reader = try CSVReader(path: path)
    var sum = CSVSalesChecksum()
    var header: SalesHeader?
    try reader.forEachRecord { record in
        guard let h = header else {
            header = try SalesHeader.resolve(record)
            return
        }
        guard record.count >= h.minimumFieldCount, let day = parseDate(record[h.date]) else {
            throw CSVError(line: record.line, message: "bad row")
        }
        switch parseSales(record[h.sales]) {
        case .value(let v): sum.cents += Int((v * 100).rounded())
        case .missing: sum.missing += 1
        case .invalid: throw CSVError(line: record.line, message: "bad sales")
        }
        sum.rows += 1
        sum.days += Int(day)
        sum.productBytes += record[h.productID].count
        sum.categoryBytes += record[h.category].count
        sum.lastLine = record.line
    }
    return sum
}

@Suite("CSV round trip")
struct CSVRoundTripTests {
    @Test func generated200kRows() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("csv-200k-\(UUID().uuidString).csv")
        defer { try? FileManager.default.removeItem(at: url) }
        let expected = try csvWriteSalesFile(rows: 200_000, to: url)
        let clock = ContinuousClock()
        var got = CSVSalesChecksum()
        let elapsed = try clock.measure { got = try csvSalesChecksum(of: url.path) }
        #expect(got == expected)
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        print("CSV round trip: 200000 rows in \(seconds) s (\(Int(200_000 / seconds)) rows/s, this build's optimisation level)")
    }
}
