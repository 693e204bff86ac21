import NIOCore
import Store

/// `GET /invoice-data`'s answer written straight into a buffer: the same bytes as `JSONResponse.make` (sorted
/// keys, unescaped slashes, Foundation's number and string forms), without JSONEncoder's boxing, which was most of
/// the route's time at 1,000 rows a page (issue 21's read path; BENCHMARKS.md "Load"). Written by hand because
/// a measured hot path needs it; InvoicePageJSONTests compares it with JSONEncoder's output.
enum InvoicePageJSON {
    static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    static func encode(_ page: InvoicePage) -> ByteBuffer {
        var out = ByteBuffer()
        out.reserveCapacity(64 + page.data.count * 260)
        out.writeStaticString("{\"data\":[")
        for (i, r) in page.data.enumerated() {
            if i > 0 { out.writeStaticString(",") }
            out.writeStaticString("{\"batch_num\":")
            string(r.batchNum, into: &out)
            out.writeStaticString(",\"category\":")
            string(r.category, into: &out)
            out.writeStaticString(",\"created_at\":")
            string(r.createdAt, into: &out)
            out.writeStaticString(",\"date\":")
            string(r.date, into: &out)
            out.writeStaticString(",\"file_hash\":")
            string(r.fileHash, into: &out)
            out.writeStaticString(r.isImputed ? ",\"is_imputed\":true,\"product_id\":" : ",\"is_imputed\":false,\"product_id\":")
            string(r.productID, into: &out)
            out.writeStaticString(",\"sales\":")
            number(r.sales, into: &out)
            out.writeStaticString(",\"updated_at\":")
            string(r.updatedAt, into: &out)
            out.writeStaticString(",\"version\":")
            out.writeString(String(r.version))
            out.writeStaticString("}")
        }
        let p = page.pagination
        out.writeStaticString("],\"pagination\":{\"limit\":")
        out.writeString(String(p.limit))
        out.writeStaticString(",\"page\":")
        out.writeString(String(p.page))
        out.writeStaticString(",\"total_items\":")
        out.writeString(String(p.totalItems))
        out.writeStaticString(",\"total_pages\":")
        out.writeString(String(p.totalPages))
        out.writeStaticString("}}")
        return out
    }

    /// Foundation's form: the shortest round-trip text, without a trailing ".0" (10, 12.5, 1e-05, 1e+20, -0).
    static func number(_ v: Double, into out: inout ByteBuffer) {
        let text = v.description
        if text.hasSuffix(".0") { out.writeString(String(text.dropLast(2))) } else { out.writeString(text) }
    }

    /// A JSON string as JSONEncoder writes it: `"` and `\` escaped, control characters as \b \f \n \r \t or
    /// \u00xx, everything else (including `/` and non-ASCII) as its UTF-8 bytes.
    static func string(_ s: String, into out: inout ByteBuffer) {
        out.writeInteger(UInt8(ascii: "\""))
        var s = s
        s.withUTF8 { bytes in
            var start = 0
            for (i, b) in bytes.enumerated() where b < 0x20 || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") {
                if i > start { out.writeBytes(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(bytes)[start..<i])) }
                switch b {
                case UInt8(ascii: "\""): out.writeStaticString("\\\"")
                case UInt8(ascii: "\\"): out.writeStaticString("\\\\")
                case 0x08: out.writeStaticString("\\b")
                case 0x0C: out.writeStaticString("\\f")
                case 0x0A: out.writeStaticString("\\n")
                case 0x0D: out.writeStaticString("\\r")
                case 0x09: out.writeStaticString("\\t")
                default:
                    out.writeStaticString("\\u00")
                    out.writeInteger(hex[Int(b >> 4)])
                    out.writeInteger(hex[Int(b & 0x0F)])
                }
                start = i + 1
            }
            if bytes.count > start { out.writeBytes(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(bytes)[start...])) }
        }
        out.writeInteger(UInt8(ascii: "\""))
    }
}
