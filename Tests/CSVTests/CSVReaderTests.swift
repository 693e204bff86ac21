import Foundation
import Testing

@testable import CSV

/// A record as read: its line and its fields.
struct CSVTestRow: Equatable, CustomStringConvertible {
    let line: Int
    let fields: [String]
    var description: String { "\(line):\(fields)" }
}

enum CSVReadOutcome: Equatable {
    case rows([CSVTestRow])
    case failed(rows: [CSVTestRow], error: CSVError)
}

/// Reads `bytes` with a given chunk size, collecting rows until the end or the first error.
func csvRead(_ bytes: [UInt8], chunk: Int = CSVReader.defaultChunkSize, maxField: Int = 100_000, maxRecord: Int = 1 << 20)
    -> CSVReadOutcome
{
    var reader = CSVReader(bytes: bytes, maxFieldBytes: maxField, maxRecordBytes: maxRecord, chunkSize: chunk)
    var rows: [CSVTestRow] = []
    do {
        try reader.forEachRecord { rows.append(CSVTestRow(line: $0.line, fields: $0.strings())) }
        return .rows(rows)
    } catch let error as CSVError {
        return .failed(rows: rows, error: error)
    } catch {
        fatalError("unexpected \(error)")
    }
}

/// Reads with many chunk sizes (so that every byte position is a chunk boundary at least once)
/// and checks they all agree; returns the common outcome.
func csvReadAllChunks(_ text: String, maxField: Int = 100_000, maxRecord: Int = 1 << 20) -> CSVReadOutcome {
    csvReadAllChunks(Array(text.utf8), maxField: maxField, maxRecord: maxRecord)
}

func csvReadAllChunks(_ bytes: [UInt8], maxField: Int = 100_000, maxRecord: Int = 1 << 20) -> CSVReadOutcome {
    let reference = csvRead(bytes, maxField: maxField, maxRecord: maxRecord)
    for chunk in [1, 2, 3, 4, 5, 7, 16, 64] {
        let other = csvRead(bytes, chunk: chunk, maxField: maxField, maxRecord: maxRecord)
        #expect(other == reference, "chunk size \(chunk) disagrees")
    }
    return reference
}

func csvRows(_ pairs: [(Int, [String])]) -> CSVReadOutcome {
    .rows(pairs.map { CSVTestRow(line: $0.0, fields: $0.1) })
}

func csvFailure(_ line: Int, _ message: String, after pairs: [(Int, [String])] = []) -> CSVReadOutcome {
    .failed(rows: pairs.map { CSVTestRow(line: $0.0, fields: $0.1) }, error: CSVError(line: line, message: message))
}

@Suite("CSV reader: RFC 4180")
struct CSVReaderRFCTests {
    @Test func simpleLF() {
        #expect(
            csvReadAllChunks("Date,product_id,category,sales\n2026-01-01,P001,Electronics,1500.50\n")
                == csvRows([(1, ["Date", "product_id", "category", "sales"]), (2, ["2026-01-01", "P001", "Electronics", "1500.50"])]))
    }

    @Test func crlfAndFinalLineWithoutNewline() {
        #expect(csvReadAllChunks("a,b\r\nc,d\r\ne,f") == csvRows([(1, ["a", "b"]), (2, ["c", "d"]), (3, ["e", "f"])]))
        #expect(csvReadAllChunks("a,b\r\nc,d\r\n") == csvRows([(1, ["a", "b"]), (2, ["c", "d"])]))
        #expect(csvReadAllChunks("a,b") == csvRows([(1, ["a", "b"])]))
    }

    @Test func loneCarriageReturnEndsALine() {
        #expect(csvReadAllChunks("a,b\rc,d\r") == csvRows([(1, ["a", "b"]), (2, ["c", "d"])]))
    }

    @Test func mixedLineEndings() {
        #expect(csvReadAllChunks("a\nb\r\nc\rd") == csvRows([(1, ["a"]), (2, ["b"]), (3, ["c"]), (4, ["d"])]))
    }

    @Test func emptyFileAndOnlyNewlines() {
        #expect(csvReadAllChunks("") == csvRows([]))
        #expect(csvReadAllChunks("\n\r\n\r") == csvRows([]))
        #expect(csvReadAllChunks("\u{FEFF}") == csvRows([]))
    }

    @Test func emptyLinesAreSkippedButCounted() {
        #expect(
            csvReadAllChunks("\n\na,b\n\n\r\nc,d\n\n") == csvRows([(3, ["a", "b"]), (6, ["c", "d"])]))
    }

    @Test func blankAndEmptyQuotedLinesAreRecords() {
        #expect(csvReadAllChunks("a\n \n\"\"\n") == csvRows([(1, ["a"]), (2, [" "]), (3, [""])]))
        var reader = CSVReader(bytes: Array("  \t\nx\n".utf8))
        var blanks: [Bool] = []
        try? reader.forEachRecord { blanks.append($0.isBlank) }
        #expect(blanks == [true, false])
    }

    @Test func emptyFieldsAndTrailingComma() {
        #expect(csvReadAllChunks(",\na,,b,\n,,") == csvRows([(1, ["", ""]), (2, ["a", "", "b", ""]), (3, ["", "", ""])]))
    }

    @Test func quotedFieldsWithCommasAndDoubledQuotes() {
        #expect(
            csvReadAllChunks("\"a,b\",\"say \"\"hi\"\"\",\"\"\"\",\"\"\n")
                == csvRows([(1, ["a,b", "say \"hi\"", "\"", ""])]))
        #expect(csvReadAllChunks("x,\"\"\"\"\"\"\"\"\"\"") == csvRows([(1, ["x", "\"\"\"\""])]))
    }

    @Test func embeddedNewlinesKeepCountingPhysicalLines() {
        let text = "h1,h2\n\"multi\nline\r\nvalue\",x\nnext,\"a\rb\"\nlast,y\n"
        #expect(
            csvReadAllChunks(text)
                == csvRows([
                    (1, ["h1", "h2"]), (2, ["multi\nline\r\nvalue", "x"]), (5, ["next", "a\rb"]), (7, ["last", "y"]),
                ]))
    }

    @Test func byteOrderMarkIsSkipped() {
        #expect(csvReadAllChunks("\u{FEFF}Date,sales\n1,2\n") == csvRows([(1, ["Date", "sales"]), (2, ["1", "2"])]))
        #expect(csvReadAllChunks("\u{FEFF}\"q\"\n") == csvRows([(1, ["q"])]))
        // Only at the very start.
        #expect(csvReadAllChunks("a\n\u{FEFF}b\n") == csvRows([(1, ["a"]), (2, ["\u{FEFF}b"])]))
    }

    @Test func utf8FieldsPassThrough() {
        #expect(csvReadAllChunks("café,日本,\"😀,x\"\n") == csvRows([(1, ["café", "日本", "😀,x"])]))
    }

    @Test func quotedFieldEndingTheFile() {
        #expect(csvReadAllChunks("a,\"b\"") == csvRows([(1, ["a", "b"])]))
        #expect(csvReadAllChunks("a,\"b\"\r") == csvRows([(1, ["a", "b"])]))
        #expect(csvReadAllChunks("\"\"") == csvRows([(1, [""])]))
    }
}

@Suite("CSV reader: errors")
struct CSVReaderErrorTests {
    @Test func unterminatedQuoteNamesTheLineWhereTheFieldStarted() {
        #expect(csvReadAllChunks("a,b\nc,\"open\nmore\nlines") == csvFailure(2, "unterminated quoted field", after: [(1, ["a", "b"])]))
        #expect(csvReadAllChunks("\"") == csvFailure(1, "unterminated quoted field"))
        #expect(csvReadAllChunks("a\n\n\"x\"\"") == csvFailure(3, "unterminated quoted field", after: [(1, ["a"])]))
    }

    @Test func errorDescriptionHasTheLine() {
        #expect(CSVError(line: 7, message: "unterminated quoted field").description == "line 7: unterminated quoted field")
        #expect(CSVError(line: 0, message: "cannot open x").description == "cannot open x")
    }

    @Test func quoteInsideUnquotedField() {
        #expect(csvReadAllChunks("a,b\nab\"c,d\n") == csvFailure(2, "quote inside unquoted field", after: [(1, ["a", "b"])]))
    }

    @Test func characterAfterClosingQuote() {
        #expect(csvReadAllChunks("\"a\"b,c\n") == csvFailure(1, "unexpected character after closing quote"))
        #expect(csvReadAllChunks("x\n\"a\" ,c\n") == csvFailure(2, "unexpected character after closing quote", after: [(1, ["x"])]))
    }

    @Test func nulByte() {
        #expect(csvReadAllChunks([0x61, 0x00, 0x62]) == csvFailure(1, "NUL byte"))
        #expect(csvReadAllChunks([0x61, 0x0A, 0x22, 0x0A, 0x00, 0x22]) == csvFailure(3, "NUL byte", after: [(1, ["a"])]))
        #expect(csvReadAllChunks([0x22, 0x61, 0x22, 0x00]) == csvFailure(1, "NUL byte"))
    }

    @Test func invalidUTF8NamesItsLine() {
        let cases: [[UInt8]] = [
            [0xFF],  // never valid
            [0xC3],  // truncated
            [0xC0, 0x80],  // overlong
            [0xE0, 0x80, 0x80],  // overlong
            [0xED, 0xA0, 0x80],  // surrogate
            [0xF4, 0x90, 0x80, 0x80],  // beyond U+10FFFF
            [0xE2, 0x82],  // truncated
            [0x80],  // stray continuation
        ]
        for bad in cases {
            let bytes = Array("a,b\nc,\"x\ny".utf8) + bad + Array("\",z\nq\n".utf8)
            #expect(csvReadAllChunks(bytes) == csvFailure(3, "invalid UTF-8", after: [(1, ["a", "b"])]), "\(bad)")
            #expect(csvReadAllChunks(Array("ok\n".utf8) + bad) == csvFailure(2, "invalid UTF-8", after: [(1, ["ok"])]), "\(bad)")
        }
    }

    @Test func fieldLongerThanTheLimit() {
        let long = String(repeating: "x", count: 11)
        #expect(csvReadAllChunks("a\nb\n\(long)\n", maxField: 10) == csvFailure(3, "field longer than 10 bytes", after: [(1, ["a"]), (2, ["b"])]))
        #expect(csvReadAllChunks("a,\"\n\(long)\"\n", maxField: 10) == csvFailure(1, "field longer than 10 bytes"))
        // Exactly at the limit is fine, also when doubled quotes shrink a longer raw field.
        #expect(csvReadAllChunks("\(String(repeating: "y", count: 10))\n", maxField: 10) == csvRows([(1, [String(repeating: "y", count: 10)])]))
        // ... including when the CR of a CRLF waits at a chunk boundary for its LF.
        #expect(
            csvReadAllChunks("\(String(repeating: "y", count: 10))\r\nab\r\n", maxField: 10)
                == csvRows([(1, [String(repeating: "y", count: 10)]), (2, ["ab"])]))
        #expect(
            csvReadAllChunks("\"\(String(repeating: "y", count: 10))\"\r\nab", maxField: 10)
                == csvRows([(1, [String(repeating: "y", count: 10)]), (2, ["ab"])]))
        #expect(
            csvReadAllChunks("\"\(String(repeating: "\"\"", count: 10))\"\n", maxField: 10)
                == csvRows([(1, [String(repeating: "\"", count: 10)])]))
        #expect(
            csvReadAllChunks("\"\(String(repeating: "\"\"", count: 11))\"\n", maxField: 10)
                == csvFailure(1, "field longer than 10 bytes"))
    }

    @Test func recordLongerThanTheLimit() {
        #expect(csvReadAllChunks("a,b\n1,2,3,4,5,6\n", maxField: 100, maxRecord: 10) == csvFailure(2, "record longer than 10 bytes", after: [(1, ["a", "b"])]))
        #expect(csvReadAllChunks("1,2,3,4,5\r\n", maxField: 100, maxRecord: 9) == csvRows([(1, ["1", "2", "3", "4", "5"])]))
    }

    /// A huge line with no newline fails after at most maxRecordBytes + one chunk has been read.
    @Test func hugeLineWithoutNewlineFailsWithoutBufferingIt() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("csv-huge-\(UUID().uuidString).csv")
        defer { try? FileManager.default.removeItem(at: url) }
        #expect(FileManager.default.createFile(atPath: url.path, contents: nil))
        let handle = try FileHandle(forWritingTo: url)
        let block = Data(repeating: 0x61, count: 1 << 20)
        for _ in 0..<24 { handle.write(block) }  // 24 MiB, one line
        try handle.close()
        var reader = try CSVReader(path: url.path, maxFieldBytes: 1 << 30, maxRecordBytes: 1 << 20)
        var seen = 0
        #expect(throws: CSVError(line: 1, message: "record longer than 1048576 bytes")) {
            try reader.forEachRecord { _ in seen += 1 }
        }
        #expect(seen == 0)
        // With the default field limit the field limit trips first.
        var reader2 = try CSVReader(path: url.path)
        #expect(throws: CSVError(line: 1, message: "field longer than 100000 bytes")) {
            try reader2.forEachRecord { _ in }
        }
    }

    @Test func errorsAreSticky() {
        var reader = CSVReader(bytes: Array("a\n\"b\n".utf8), chunkSize: 2)
        var count = 0
        #expect(throws: CSVError(line: 2, message: "unterminated quoted field")) { try reader.forEachRecord { _ in count += 1 } }
        #expect(throws: CSVError(line: 2, message: "unterminated quoted field")) { try reader.forEachRecord { _ in count += 1 } }
        #expect(count == 1)
    }

    struct Stop: Error {}

    @Test func bodyErrorsPropagate() {
        var reader = CSVReader(bytes: Array("a\nb\nc\n".utf8))
        var seen: [String] = []
        #expect(throws: Stop.self) {
            try reader.forEachRecord {
                seen.append($0.string(0))
                if seen.count == 2 { throw Stop() }
            }
        }
        #expect(seen == ["a", "b"])
        // A later call resumes after the record the body threw for.
        #expect(throws: Never.self) { try reader.forEachRecord { seen.append($0.string(0)) } }
        #expect(seen == ["a", "b", "c"])
    }

    @Test func missingFile() {
        #expect(throws: CSVError(line: 0, message: "cannot open /nonexistent/x.csv: No such file or directory")) {
            _ = try CSVReader(path: "/nonexistent/x.csv")
        }
    }
}

@Suite("CSV reader: files")
struct CSVReaderFileTests {
    @Test func fileAndBytesAgree() throws {
        let text = "\u{FEFF}Date,product_id,category,sales\r\n2026-01-01,P1,\"Home, Garden\",1.5\r\n\r\n\"x\ny\",P2,c,NA"
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("csv-small-\(UUID().uuidString).csv")
        defer { try? FileManager.default.removeItem(at: url) }
        try Data(text.utf8).write(to: url)
        for chunk in [1, 3, CSVReader.defaultChunkSize] {
            var reader = try CSVReader(path: url.path, chunkSize: chunk)
            var got: [CSVTestRow] = []
            try reader.forEachRecord { got.append(CSVTestRow(line: $0.line, fields: $0.strings())) }
            #expect(.rows(got) == csvRead(Array(text.utf8)))
            #expect(got.map(\.line) == [1, 2, 4])
        }
    }

    @Test func fileDescriptorInit() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("csv-fd-\(UUID().uuidString).csv")
        defer { try? FileManager.default.removeItem(at: url) }
        try Data("a,b\nc,d\n".utf8).write(to: url)
        let handle = try FileHandle(forReadingFrom: url)
        defer { try? handle.close() }
        var reader = CSVReader(fileDescriptor: handle.fileDescriptor)
        #expect(try reader.readAll() == [["a", "b"], ["c", "d"]])
    }
}

@Suite("CSV reader: against a naive reference parser")
struct CSVReaderReferenceTests {
    /// Random inputs over an alphabet rich in the characters that matter, every chunk size.
    @Test func randomInputsAgreeWithReference() {
        let alphabet: [[UInt8]] = [
            [0x61], [0x62], [0x31], [0x2C], [0x2C], [0x22], [0x22], [0x0A], [0x0D], [0x0D, 0x0A], [0x20], [0xC3, 0xA9],
            [0xF0, 0x9F, 0x98, 0x80], [0xFF], [0xC3], [0x00], [0xEF, 0xBB, 0xBF],
        ]
        var rng = CSVTestRNG(seed: 2024)
        for round in 0..<3_000 {
            var bytes: [UInt8] = []
            let length = Int(rng.next() % 40)
            let rare = rng.next() % 4 == 0  // allow the invalid bytes only sometimes
            for _ in 0..<length {
                var piece = alphabet[Int(rng.next() % UInt64(alphabet.count))]
                if !rare && (piece == [0xFF] || piece == [0xC3] || piece == [0x00]) { piece = [0x61] }
                bytes += piece
            }
            let expected = ReferenceCSV.parse(bytes)
            for chunk in [1, 2, 3, 5, 8, CSVReader.defaultChunkSize] {
                let got = ReferenceCSV.stream(bytes, chunk: chunk)
                if got != expected {
                    Issue.record("round \(round) chunk \(chunk) bytes \(bytes): \(got) != \(expected)")
                    return
                }
            }
            // Small limits: a prefix of the same records, and a limit error only for a record over a limit.
            let maxField = 1 + Int(rng.next() % 8)
            let maxRecord = 1 + Int(rng.next() % 24)
            let limited = ReferenceCSV.stream(bytes, chunk: 1 + Int(rng.next() % 4), maxField: maxField, maxRecord: maxRecord)
            let k = limited.records.count
            guard k <= expected.records.count, Array(expected.records.prefix(k)) == limited.records else {
                Issue.record("limits changed records for \(bytes)")
                return
            }
            if let error = limited.error, error.message.hasPrefix("field longer") || error.message.hasPrefix("record longer") {
                let legit =
                    k < expected.records.count
                    ? expected.records[k].fields.contains { $0.count > maxField } || expected.rawLengths[k] > maxRecord
                    : expected.error != nil
                if !legit {
                    Issue.record("spurious \(error) for \(bytes) with limits \(maxField)/\(maxRecord)")
                    return
                }
            } else if limited != expected {
                Issue.record("limits \(maxField)/\(maxRecord) changed \(bytes): \(limited) != \(expected)")
                return
            }
        }
    }
}
