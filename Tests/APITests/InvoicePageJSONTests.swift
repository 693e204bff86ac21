@testable import API
import Foundation
import NIOCore
@testable import Store
import Testing

/// The hand-written `/invoice-data` encoder writes exactly what JSONEncoder writes with the API's settings.
@Suite struct InvoicePageJSONTests {
    static func row(_ product: String, _ category: String, _ sales: Double, imputed: Bool = false) -> InvoiceRow {
        InvoiceRow(
            date: "2024-01-02", productID: product, category: category, sales: sales, isImputed: imputed, batchNum: "batch/1",
            fileHash: String(repeating: "ab", count: 32), createdAt: "2024-01-02T03:04:05Z", updatedAt: "2024-01-02T03:04:05Z", version: 3)
    }

    @Test func itWritesTheBytesJSONEncoderWrites() throws {
        let hostile = "q\"uote\\back/slash\n\t\r\u{1}\u{8}\u{c}\u{1f}\u{7f}\u{2028}é日本;,=A"
        let rows = [
            Self.row("P-1", "Electronics", 10), Self.row(hostile, hostile, 12.5, imputed: true), Self.row("", "", 0.1),
            Self.row("x", "y", 99999999999.99), Self.row("x", "y", -0.0), Self.row("x", "y", 1e-5), Self.row("x", "y", 1e20),
            Self.row("x", "y", -1234.56),
        ]
        for data in [rows, []] {
            let page = InvoicePage(data: data, pagination: .init(page: 2, limit: 15, totalItems: 31, totalPages: 3))
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            let expected = String(decoding: try encoder.encode(page), as: UTF8.self)
            let written = String(buffer: InvoicePageJSON.encode(page))
            #expect(written == expected)
        }
    }
}
