import CSV

/// A deliberately naive CSV parser over the whole input, written straight from the grammar that
/// `CSVReader` documents, to check the streaming reader against (unit tests and the fuzz harness).
/// It knows nothing of chunks or limits: compare with limits the input cannot reach.
enum ReferenceCSV {
    struct Record: Equatable {
        let line: Int
        let fields: [[UInt8]]
    }

    struct Outcome: Equatable {
        var records: [Record] = []
        var error: CSVError?
        /// Each record's length in the file, without its line ending (only `parse` fills it in).
        var rawLengths: [Int] = []

        static func == (a: Outcome, b: Outcome) -> Bool {
            a.records == b.records && a.error == b.error
        }
    }

    /// `separator`'s byte; for `.sniff`, the most frequent of `,` `;` and tab outside quotes on the first
    /// non-empty line, comma first, then semicolon, then tab on a tie (CSVSeparator's rule, written again here).
    static func separatorByte(_ separator: CSVSeparator, _ b: [UInt8]) -> UInt8 {
        if let byte = separator.byte { return byte }
        var start = (b.count >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF) ? 3 : 0
        while start < b.count && (b[start] == 0x0A || b[start] == 0x0D) { start += 1 }
        var header: [UInt8] = []
        var inQuotes = false
        for c in b[start...] {
            if c == 0x22 { inQuotes = !inQuotes }
            if !inQuotes && (c == 0x0A || c == 0x0D) { break }
            if !inQuotes { header.append(c) }
        }
        let counts = [0x2C, 0x3B, 0x09].map { sep in header.filter { $0 == sep }.count }
        let best = counts.max()!
        return best == 0 ? 0x2C : [UInt8(0x2C), 0x3B, 0x09][counts.firstIndex(of: best)!]
    }

    static func parse(_ b: [UInt8], separator: CSVSeparator = .comma) -> Outcome {
        var out = Outcome()
        let n = b.count
        let lf: UInt8 = 0x0A
        let cr: UInt8 = 0x0D
        let quote: UInt8 = 0x22
        let comma = separatorByte(separator, b)
        var i = 0
        var line = 1
        if n >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF { i = 3 }
        func fail(_ line: Int, _ message: String) -> Outcome {
            var o = out
            o.error = CSVError(line: line, message: message)
            return o
        }
        while i < n {
            if b[i] == lf {
                i += 1
                line += 1
                continue
            }
            if b[i] == cr {
                i += (i + 1 < n && b[i + 1] == lf) ? 2 : 1
                line += 1
                continue
            }
            let recordLine = line
            let recordStart = i
            var recordEnd = n
            var fields: [[UInt8]] = []
            var done = false
            while !done {
                var field: [UInt8] = []
                let fieldLine = line
                if i < n && b[i] == quote {
                    i += 1
                    while true {
                        guard i < n else { return fail(fieldLine, "unterminated quoted field") }
                        let c = b[i]
                        if c == quote {
                            if i + 1 < n && b[i + 1] == quote {
                                field.append(quote)
                                i += 2
                                continue
                            }
                            i += 1
                            break
                        }
                        if c == 0 { return fail(line, "NUL byte") }
                        if c == lf || (c == cr && !(i + 1 < n && b[i + 1] == lf)) { line += 1 }
                        field.append(c)
                        i += 1
                    }
                    fields.append(field)
                    if i < n && b[i] != comma && b[i] != lf && b[i] != cr {
                        return fail(line, b[i] == 0 ? "NUL byte" : "unexpected character after closing quote")
                    }
                } else {
                    while i < n && b[i] != comma && b[i] != lf && b[i] != cr {
                        if b[i] == quote { return fail(line, "quote inside unquoted field") }
                        if b[i] == 0 { return fail(line, "NUL byte") }
                        field.append(b[i])
                        i += 1
                    }
                    fields.append(field)
                }
                if i >= n {
                    recordEnd = n
                    done = true
                } else if b[i] == comma {
                    i += 1
                } else {
                    recordEnd = i
                    i += (b[i] == cr && i + 1 < n && b[i + 1] == lf) ? 2 : 1
                    line += 1
                    done = true
                }
            }
            // UTF-8, line by line (a line break never sits inside a valid sequence).
            var segmentStart = recordStart
            var segmentLine = recordLine
            var k = recordStart
            while k <= recordEnd {
                if k == recordEnd || b[k] == lf || b[k] == cr {
                    if String(validating: b[segmentStart..<k], as: UTF8.self) == nil {
                        return fail(segmentLine, "invalid UTF-8")
                    }
                    if k < recordEnd && b[k] == cr && k + 1 < recordEnd && b[k + 1] == lf { k += 1 }
                    segmentLine += 1
                    segmentStart = k + 1
                }
                k += 1
            }
            out.records.append(Record(line: recordLine, fields: fields))
            out.rawLengths.append(recordEnd - recordStart)
        }
        return out
    }

    /// What `CSVReader` makes of the same bytes, in the same shape.
    static func stream(
        _ bytes: [UInt8], chunk: Int = CSVReader.defaultChunkSize, maxField: Int = 100_000, maxRecord: Int = 1 << 20,
        separator: CSVSeparator = .comma
    ) -> Outcome {
        var reader = CSVReader(bytes: bytes, maxFieldBytes: maxField, maxRecordBytes: maxRecord, chunkSize: chunk, separator: separator)
        var out = Outcome()
        do {
            try reader.forEachRecord { record in
                out.records.append(Record(line: record.line, fields: (0..<record.count).map { Array(record[$0]) }))
            }
        } catch let error as CSVError {
            out.error = error
        } catch {
            fatalError("unexpected error \(error)")
        }
        return out
    }
}
