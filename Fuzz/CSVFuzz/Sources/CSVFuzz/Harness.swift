import CFuzzerDriver
import CSV

/// The executable's entry point under SwiftPM (which links `main` to `<module>_main`): hands
/// control to libFuzzer's driver with the command line.
@_cdecl("CSVFuzz_main")
public func csvFuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzzTestOneInput(data, size) }
}

/// libFuzzer entry point: the input is a CSV file. Every check that fails calls `fatalError`,
/// which libFuzzer reports as a crash and saves the input for.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = size > 0 && data != nil ? Array(UnsafeBufferPointer(start: data, count: size)) : []
    Harness.run(bytes)
    return 0
}

enum Harness {
    static func run(_ bytes: [UInt8]) {
        // 1. The streaming reader agrees with the naive reference, whatever the chunk size.
        let reference = ReferenceCSV.parse(bytes)
        // Limits and chunk above -max_len (4096), so nothing is cut short; smaller than the
        // defaults only to keep allocations (and so executions per second) cheap under ASan.
        let roomy = max(8192, bytes.count + 1)
        let streamed = ReferenceCSV.stream(bytes, chunk: roomy, maxField: roomy, maxRecord: roomy)
        check(streamed == reference, "reader disagrees with reference:\n\(streamed)\n\(reference)")
        let chunk = 1 + bytes.count % 7
        let small = ReferenceCSV.stream(bytes, chunk: chunk, maxField: roomy, maxRecord: roomy)
        check(small == reference, "chunk \(chunk) disagrees with reference:\n\(small)\n\(reference)")

        // 2. Tiny limits: never a crash, never a field over the limit, and whatever is read is
        //    what the reference read.
        if bytes.count >= 3 {
            let maxField = 1 + Int(bytes[0] % 16)
            let maxRecord = 1 + Int(bytes[1] % 64)
            let limited = ReferenceCSV.stream(bytes, chunk: 1 + Int(bytes[2] % 5), maxField: maxField, maxRecord: maxRecord)
            check(limited.records.count <= reference.records.count, "limits produced more records")
            check(Array(reference.records.prefix(limited.records.count)) == limited.records, "limits changed records")
            for record in limited.records {
                for field in record.fields { check(field.count <= maxField, "field over the limit") }
            }
            if reference.error != nil { check(limited.error != nil, "limits hid an error") }
            if limited.error == nil { check(limited.records == reference.records, "limits lost records") }
            // A limit error must name a record that really is over a limit.
            if let error = limited.error, error.message.hasPrefix("field longer") || error.message.hasPrefix("record longer") {
                let k = limited.records.count
                if k < reference.records.count {
                    let overField = reference.records[k].fields.contains { $0.count > maxField }
                    let overRecord = reference.rawLengths[k] > maxRecord
                    check(overField || overRecord, "spurious \(error) (record \(k), limits \(maxField)/\(maxRecord))")
                    check(error.line >= reference.records[k].line, "limit error before its record")
                } else {
                    check(reference.error != nil, "limit error \(error) after the last record")
                }
            }
        }

        // 3. Other separators: named and sniffed, whole and in small chunks, the reader agrees with the reference.
        for separator in [CSVSeparator.semicolon, .tab, .sniff] {
            let expected = ReferenceCSV.parse(bytes, separator: separator)
            let whole = ReferenceCSV.stream(bytes, chunk: roomy, maxField: roomy, maxRecord: roomy, separator: separator)
            check(whole == expected, "\(separator) reader disagrees with reference:\n\(whole)\n\(expected)")
            let pieces = ReferenceCSV.stream(bytes, chunk: chunk, maxField: roomy, maxRecord: roomy, separator: separator)
            check(pieces == expected, "\(separator) chunk \(chunk) disagrees with reference:\n\(pieces)\n\(expected)")
        }

        // 4. Header and field parsers on every field, and on the whole input as one field.
        for (index, record) in reference.records.enumerated() {
            let strings = record.fields.map { String(decoding: $0, as: UTF8.self) }
            if index == 0, let header = try? SalesHeader.resolve(strings, line: record.line) {
                let columns = [header.date, header.productID, header.category, header.sales]
                check(Set(columns).count == 4, "header columns not distinct")
                check(columns.allSatisfy { $0 >= 0 && $0 < strings.count }, "header column out of range")
            }
            for field in record.fields { checkParsers(field) }
        }
        checkParsers(bytes)
    }

    static func checkParsers(_ field: [UInt8]) {
        let date = field.withUnsafeBufferPointer { parseDate($0) }
        if let date {
            check(date >= -25567 && date <= 84370, "date out of range")
            let text = formatDate(date)
            check(parseDate(text) == date, "date does not round-trip: \(text)")
        }

        let sales = field.withUnsafeBufferPointer { parseSales($0) }
        var start = 0
        var end = field.count
        while start < end && (field[start] == 0x20 || field[start] == 0x09) { start += 1 }
        while end > start && (field[end - 1] == 0x20 || field[end - 1] == 0x09) { end -= 1 }
        let trimmed = String(decoding: field[start..<end], as: UTF8.self)
        let plain = field[start..<end].allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2B || $0 == 0x2D || $0 == 0x2E || $0 == 0x45 || $0 == 0x65 }
        switch sales {
        case .value(let v):
            check(plain, "value from a non-numeric field")
            guard let expected = Double(trimmed) else { fatalError("stdlib rejects \(trimmed) we accepted") }
            check(v.isFinite && v == expected && v.sign == expected.sign, "\(trimmed): \(v) != \(expected)")
            _ = sales.fitsDecimal12_2
        case .missing:
            let missing = ["", "na", "n/a", "#n/a", "nan", "-nan", "null", "none", "<na>"]
            check(missing.contains(trimmed.lowercased()), "missing for \(trimmed)")
        case .invalid:
            if plain && end > start, let v = Double(trimmed) {
                check(!v.isFinite, "\(trimmed) rejected but stdlib reads \(v)")
            }
        }
    }

    static func check(_ condition: Bool, _ message: @autoclosure () -> String) {
        if !condition { fatalError(message()) }
    }
}
