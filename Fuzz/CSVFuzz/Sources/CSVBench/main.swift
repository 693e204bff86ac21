// Throughput of the CSV reader and the sales field parsers on a generated file.
// Usage: CSVBench [rows = 1000000]   (build in release: bench.sh)
import Foundation
import CSV

let rowCount = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 1_000_000 : 1_000_000
let path = FileManager.default.temporaryDirectory.appendingPathComponent("csv-bench-\(getpid()).csv").path
defer { try? FileManager.default.removeItem(atPath: path) }

// Date,product_id,category,sales — the seed's shape, with a few missing sales.
struct LCG {
    var state: UInt64 = 0x1234_5678
    mutating func next() -> UInt64 {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return state >> 33
    }
}
var rng = LCG()
let categories = ["Electronics", "Furniture", "Grocery", "Toys", "Clothing", "\"Home, Garden\""]
var text = [UInt8]()
text.reserveCapacity(rowCount * 40)
text += Array("Date,product_id,category,sales\n".utf8)
for _ in 0..<rowCount {
    let day = Int32(19_000 + rng.next() % 1500)
    let cents = rng.next() % 1_000_000
    let sales = rng.next() % 50 == 0 ? "NA" : "\(cents / 100).\(cents % 100 < 10 ? "0" : "")\(cents % 100)"
    text += Array("\(formatDate(day)),P\(rng.next() % 10_000),\(categories[Int(rng.next() % 6)]),\(sales)\n".utf8)
}
FileManager.default.createFile(atPath: path, contents: Data(text))
print("file: \(rowCount) rows, \(text.count) bytes")

func seconds(_ d: Duration) -> Double {
    Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
}

let clock = ContinuousClock()
var bestRead = Double.infinity
var bestParse = Double.infinity
var checksum = 0.0
for _ in 0..<3 {
    // Records only: split into fields, no field interpretation.
    var records = 0
    var bytes = 0
    let readTime = try clock.measure {
        var reader = try CSVReader(path: path)
        try reader.forEachRecord { record in
            records += 1
            bytes &+= record[record.count - 1].count
        }
    }
    precondition(records == rowCount + 1)
    bestRead = min(bestRead, seconds(readTime))

    // What the ETL worker does per row: header once, then date + sales parsers, field slices.
    var sum = 0.0
    var days = 0
    var missing = 0
    let parseTime = try clock.measure {
        var reader = try CSVReader(path: path)
        var header: SalesHeader?
        try reader.forEachRecord { record in
            guard let h = header else {
                header = try SalesHeader.resolve(record)
                return
            }
            guard let day = parseDate(record[h.date]) else { fatalError("bad date on line \(record.line)") }
            days &+= Int(day)
            bytes &+= record[h.productID].count &+ record[h.category].count
            switch parseSales(record[h.sales]) {
            case .value(let v): sum += v
            case .missing: missing += 1
            case .invalid: fatalError("bad sales on line \(record.line)")
            }
        }
    }
    bestParse = min(bestParse, seconds(parseTime))
    checksum = sum + Double(days + missing + bytes % 7)
}
let mb = Double(text.count) / 1e6
print(String(format: "read records:          %.3f s  %6.2f M rows/s  %6.0f MB/s", bestRead, Double(rowCount) / bestRead / 1e6, mb / bestRead))
print(String(format: "read + parse fields:   %.3f s  %6.2f M rows/s  %6.0f MB/s", bestParse, Double(rowCount) / bestParse / 1e6, mb / bestParse))
print("checksum \(checksum)")
