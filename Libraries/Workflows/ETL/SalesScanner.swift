#if canImport(Glibc)
import Glibc
#endif
import CSV
public import Store

/// Reads a sales CSV once, streaming: validates every row and hands the good ones to `emit`.
/// Row problems are collected (up to 20 kept, all counted); a broken file (unreadable, bad header,
/// unbalanced quotes, invalid UTF-8…) is `fatal`, which fails the batch whatever `on_error` says.
public enum SalesScanner {
    public static let maxTextField = 100
    public static let maxListedErrors = 20

    public static func scan(path: String, emit: (SalesRow) throws -> Void) throws -> ScanSummary {
        var summary = ScanSummary()
        let reader: CSVReader
        do {
            reader = try CSVReader(path: path, separator: .sniff)
        } catch let error as CSVError {
            summary.fatal = "cannot read the stored file: \(error.message)"
            return summary
        }
        try scan(reader: reader, summary: &summary, emit: emit)
        return summary
    }

    public static func scan(bytes: [UInt8], emit: (SalesRow) throws -> Void) throws -> ScanSummary {
        var summary = ScanSummary()
        try scan(reader: CSVReader(bytes: bytes, separator: .sniff), summary: &summary, emit: emit)
        return summary
    }

    static func scan(reader: consuming CSVReader, summary: inout ScanSummary, emit: (SalesRow) throws -> Void) throws {
        var header: SalesHeader?
        var local = summary
        do {
            try reader.forEachRecord { record in
                guard let h = header else {
                    header = try SalesHeader.resolve(record)
                    return
                }
                if record.isBlank { return }
                local.totalRows += 1
                if let problem = try problem(record, header: h, emit: emit, summary: &local) {
                    local.rejectedRows += 1
                    if local.errors.count < maxListedErrors { local.errors.append("line \(record.line): \(problem)") }
                }
            }
            if header == nil { local.fatal = "the file is empty" }
            else if local.totalRows == 0 { local.fatal = "the file has a header but no data rows" }
        } catch let error as CSVError {
            local.fatal = error.description
        }
        summary = local
    }

    /// Validates one data row; emits it and returns nil when good, else returns the problem.
    @inline(__always)
    static func problem(_ r: CSVRecord, header h: SalesHeader, emit: (SalesRow) throws -> Void, summary: inout ScanSummary) throws -> String? {
        if r.count > h.columnCount { return "\(r.count) fields, more than the header's \(h.columnCount)" }
        if r.count < h.minimumFieldCount { return "\(r.count) fields, fewer than the header's \(h.columnCount)" }
        guard let day = parseDate(r[h.date]) else {
            return "impossible or malformed date \"\(clip(r.string(h.date)))\" (expected YYYY-MM-DD or DD/MM/YYYY)"
        }
        let product = r[h.productID], category = r[h.category]
        if isBlank(product) { return "empty product_id" }
        if isBlank(category) { return "empty category" }
        if product.count > maxTextField && r.string(h.productID).count > maxTextField { return "product_id longer than \(maxTextField) characters" }
        if category.count > maxTextField && r.string(h.category).count > maxTextField { return "category longer than \(maxTextField) characters" }
        let sales: Double?
        switch parseSales(r[h.sales]) {
        case .missing:
            sales = nil
            summary.missingRows += 1
        case .invalid:
            return "sales \"\(clip(r.string(h.sales)))\" is not a finite decimal number"
        case .value(let v):
            guard SalesValue.fitsDecimal12_2(v) else { return "sales \(clip(r.string(h.sales))) is out of range (|sales| < 10000000000)" }
            sales = v
        }
        try emit(SalesRow(day: day, productID: r.string(h.productID), category: r.string(h.category), sales: sales, line: r.line))
        return nil
    }

    static func isBlank(_ b: UnsafeBufferPointer<UInt8>) -> Bool { b.allSatisfy { $0 == 0x20 || $0 == 0x09 } }

    static func clip(_ s: String) -> String { s.count > 40 ? String(s.prefix(40)) + "…" : s }
}

/// The synchronous check `POST /upload` makes on the head of a file before accepting it.
public enum SalesFileCheck {
    public static let headBytes = 64 * 1024

    /// nil when the head is acceptable, else the problem in words.
    public static func problem(path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return "the uploaded file could not be read" }
        defer { close(fd) }
        var head = [UInt8](repeating: 0, count: headBytes + 1)
        var got = 0
        while got < head.count {
            let n = head.withUnsafeMutableBytes { read(fd, $0.baseAddress! + got, $0.count - got) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            got += n
        }
        let truncated = got > headBytes
        head.removeSubrange(min(got, headBytes)...)
        return problem(head: head, truncated: truncated)
    }

    public static func problem(head bytesIn: [UInt8], truncated: Bool) -> String? {
        var bytes = bytesIn
        if bytes.isEmpty { return "empty file" }
        if bytes.contains(0) { return "the file is binary (it contains NUL bytes), not CSV text" }
        if truncated {
            // Judge only whole lines: cut after the last line break of the head.
            guard let lastBreak = bytes.lastIndex(where: { $0 == 0x0A || $0 == 0x0D }) else {
                return "the first line is longer than \(headBytes) bytes: not a CSV header"
            }
            bytes.removeSubrange((lastBreak + 1)...)
        }
        if String(validating: bytes, as: UTF8.self) == nil { return "the file is not UTF-8 text" }
        var reader = CSVReader(bytes: bytes, separator: .sniff)
        var header: SalesHeader?
        var dataRow = false
        struct Enough: Error {}
        do {
            try reader.forEachRecord { record in
                if header == nil { header = try SalesHeader.resolve(record); return }
                if !record.isBlank { dataRow = true; throw Enough() }
            }
        } catch is Enough {
        } catch let error as CSVError {
            if header == nil || !truncated { return error.description }
        } catch {
            return "\(error)"
        }
        guard header != nil else { return "empty file" }
        return dataRow ? nil : "the file has a header but no data rows"
    }
}
