import ArgumentParser
import Foundation
import Models

/// Writes a synthetic sales file in seed 003's format: `Date,product_id,category,sales`, one row per
/// (day, product), products spread over categories, a share of sales values missing (empty, NA, NaN, null).
struct GenerateSales: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "generate-sales", abstract: "Generate a sales CSV.")

    @Option(help: "Data rows.") var rows = 1_000_000
    @Option(help: "Distinct products.") var products = 10_000
    @Option(help: "Distinct categories.") var categories = 50
    @Option(help: "Share of missing sales values.") var missing = 0.05
    @Option(help: "Random seed.") var seed: UInt64 = 3
    @Option(help: "Output file.") var output: String

    func validate() throws {
        guard rows > 0, products > 0, categories > 0, categories <= products else {
            throw ValidationError("rows, products and categories must be positive, categories <= products")
        }
        guard missing >= 0 && missing < 1 else { throw ValidationError("--missing must be in [0, 1)") }
    }

    func run() throws {
        guard FileManager.default.createFile(atPath: output, contents: nil),
            let handle = FileHandle(forWritingAtPath: output)
        else { throw BenchError("cannot create \(output)") }
        defer { try? handle.close() }
        var rng = SplitMix64(seed: seed)
        let base = 20_089  // 2025-01-01 in days since 1970
        let missingTokens = ["", "NA", "NaN", "null"]
        // Each product has a level and a weekly shape; its category is fixed.
        let levels = (0..<products).map { _ in Double.random(in: 5...500, using: &rng) }
        var buffer = "Date,product_id,category,sales\n"
        buffer.reserveCapacity(1 << 20)
        for r in 0..<rows {
            let day = r / products, p = r % products
            let date = CivilDate(daysSince1970: base + day).description
            buffer += date
            buffer += ",P\(p + 1),Category_\(p % categories + 1),"
            if Double.random(in: 0..<1, using: &rng) < missing {
                buffer += missingTokens[Int(rng.next() % 4)]
            } else {
                let weekly = 1 + 0.2 * sin(Double(base + day) * 2 * .pi / 7)
                let v = levels[p] * weekly * Double.random(in: 0.8...1.2, using: &rng)
                buffer += String(format: "%.2f", v)
            }
            buffer += "\n"
            if buffer.utf8.count >= 1 << 20 {
                handle.write(Data(buffer.utf8))
                buffer.removeAll(keepingCapacity: true)
            }
        }
        handle.write(Data(buffer.utf8))
    }
}
