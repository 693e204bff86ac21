import Foundation
import Testing

@testable import Pipeline

/// A record as read: its line and its fields.
struct Row: Equatable, CustomStringConvertible {
    let line: Int
    let fields: [String]
    var description: String { "\(line):\(fields)" }
}

enum ReadOutcome: Equatable {
    case rows([Row])
    case failed(rows: [Row], error: CSVError)
}

/// Reads `bytes` with a given chunk size, collecting rows until the end or the first error.
func read(_ bytes: [UInt8], chunk: Int = CSVReader.defaultChunkSize, maxField: Int = 100_000, maxRecord: Int = 1 << 20)
    -> ReadOutcome
{
    var reader = CSVReader(bytes: bytes, maxFieldBytes: maxField, maxRecordBytes: maxRecord, chunkSize: chunk)
    var rows: [Row] = []
    do {
        try reader.forEachRecord { rows.append(Row(line: $0.line, fields: $0.strings())) }
        return .rows(rows)
    } catch let error as CSVError {
        return .failed(rows: rows, error: error)
    } catch {
        fatalError("unexpected \(error)")
    }
}

/// Reads with many chunk sizes (so that every byte position is a chunk boundary at least once)
/// and checks they all agree; returns the common outcome.
func readAllChunks(_ text: String, maxField: Int = 100_000, maxRecord: Int = 1 << 20) -> ReadOutcome {
    readAllChunks(Array(text.utf8), maxField: maxField, maxRecord: maxRecord)
}

func readAllChunks(_ bytes: [UInt8], maxField: Int = 100_000, maxRecord: Int = 1 << 20) -> ReadOutcome {
    let reference = read(bytes, maxField: maxField, maxRecord: maxRecord)
    for chunk in [1, 2, 3, 4, 5, 7, 16, 64] {
        let other = read(bytes, chunk: chunk, maxField: maxField, maxRecord: maxRecord)
        #expect(other == reference, "chunk size \(chunk) disagrees")
    }
    return reference
}

func rows(_ pairs: [(Int, [String])]) -> ReadOutcome {
    .rows(pairs.map { Row(line: $0.0, fields: $0.1) })
}

func failure(_ line: Int, _ message: String, after pairs: [(Int, [String])] = []) -> ReadOutcome {
    .failed(rows: pairs.map { Row(line: $0.0, fields: $0.1) }, error: CSVError(line: line, message: message))
}

@Suite("CSV reader: RFC 4180")
struct CSVReaderRFCTests {
    @Test func simpleLF() {
        #expect(
            readAllChunks("Date,product_id,category,sales\n2026-01-01,P001,Electronics,1500.50\n")
                == rows([(1, ["Date", "product_id", "category", "sales"]), (2, ["2026-01-01", "P001", "Electronics", "1500.50"])]))
    }

    @Test func crlfAndFinalLineWithoutNewline() {
        #expect(readAllChunks("a,b\r\nc,d\r\ne,f") == rows([(1, ["a", "b"]), (2, ["c", "d"]), (3, ["e", "f"])]))
        #expect(readAllChunks("a,b\r\nc,d\r\n") == rows([(1, ["a", "b"]), (2, ["c", "d"])]))
        #expect(readAllChunks("a,b") == rows([(1, ["a", "b"])]))
    }

    @Test func loneCarriageReturnEndsALine() {
        #expect(readAllChunks("a,b\rc,d\r") == rows([(1, ["a", "b"]), (2, ["c", "d"])]))
    }

    @Test func mixedLineEndings() {
        #expect(readAllChunks("a\nb\r\nc\rd") == rows([(1, ["a"]), (2, ["b"]), (3, ["c"]), (4, ["d"])]))
    }

    @Test func emptyFileAndOnlyNewlines() {
        #expect(readAllChunks("") == rows([]))
        #expect(readAllChunks("\n\r\n\r") == rows([]))
        #expect(readAllChunks("\u{FEFF}") == rows([]))
    }

    @Test func emptyLinesAreSkippedButCounted() {
        #expect(
            readAllChunks("\n\na,b\n\n\r\nc,d\n\n") == rows([(3, ["a", "b"]), (6, ["c", "d"])]))
    }

    @Test func blankAndEmptyQuotedLinesAreRecords() {
        #expect(readAllChunks("a\n \n\"\"\n") == rows([(1, ["a"]), (2, [" "]), (3, [""])]))
        var reader = CSVReader(bytes: Array("  \t\nx\n".utf8))
        var blanks: [Bool] = []
        try? reader.forEachRecord { blanks.append($0.isBlank) }
        #expect(blanks == [true, false])
    }

    @Test func emptyFieldsAndTrailingComma() {
        #expect(readAllChunks(",\na,,b,\n,,") == rows([(1, ["", ""]), (2, ["a", "", "b", ""]), (3, ["", "", ""])]))
    }

    @Test func quotedFieldsWithCommasAndDoubledQuotes() {
        #expect(
            readAllChunks("\"a,b\",\"say \"\"hi\"\"\",\"\"\"\",\"\"\n")
                == rows([(1, ["a,b", "say \"hi\"", "\"", ""])]))
        #expect(readAllChunks("x,\"\"\"\"\"\"\"\"\"\"") == rows([(1, ["x", "\"\"\"\""])]))
    }

    @Test func embeddedNewlinesKeepCountingPhysicalLines() {
        let text = "h1,h2\n\"multi\nline\r\nvalue\",x\nnext,\"a\rb\"\nlast,y\n"
        #expect(
            readAllChunks(text)
                == rows([
                    (1, ["h1", "h2"]), (2, ["multi\nline\r\nvalue", "x"]), (5, ["next", "a\rb"]), (7, ["last", "y"]),
                ]))
    }

    @Test func byteOrderMarkIsSkipped() {
        #expect(readAllChunks("\u{FEFF}Date,sales\n1,2\n") == rows([(1, ["Date", "sales"]), (2, ["1", "2"])]))
        #expect(readAllChunks("\u{FEFF}\"q\"\n") == rows([(1, ["q"])]))
        // Only at the very start.
        #expect(readAllChunks("a\n\u{FEFF}b\n") == rows([(1, ["a"]), (2, ["\u{FEFF}b"])]))
    }

    @Test func utf8FieldsPassThrough() {
        #expect(readAllChunks("café,日本,\"😀,x\"\n") == rows([(1, ["café", "日本", "😀,x"])]))
    }

    @Test func quotedFieldEndingTheFile() {
        #expect(readAllChunks("a,\"b\"") == rows([(1, ["a", "b"])]))
        #expect(readAllChunks("a,\"b\"\r") == rows([(1, ["a", "b"])]))
        #expect(readAllChunks("\"\"") == rows([(1, [""])]))
    }
}

@Suite("CSV reader: errors")
struct CSVReaderErrorTests {
    @Test func unterminatedQuoteNamesTheLineWhereTheFieldStarted() {
        #expect(readAllChunks("a,b\nc,\"open\nmore\nlines") == failure(2, "unterminated quoted field", after: [(1, ["a", "b"])]))
        #expect(readAllChunks("\"") == failure(1, "unterminated quoted field"))
        #expect(readAllChunks("a\n\n\"x\"\"") == failure(3, "unterminated quoted field", after: [(1, ["a"])]))
    }

    @Test func errorDescriptionHasTheLine() {
        #expect(CSVError(line: 7, message: "unterminated quoted field").description == "line 7: unterminated quoted field")
        #expect(CSVError(line: 0, message: "cannot open x").description == "cannot open x")
    }

    @Test func quoteInsideUnquotedField() {
        #expect(readAllChunks("a,b\nab\"c,d\n") == failure(2, "quote inside unquoted field", after: [(1, ["a", "b"])]))
    }

    @Test func characterAfterClosingQuote() {
        #expect(readAllChunks("\"a\"b,c\n") == failure(1, "unexpected character after closing quote"))
        #expect(readAllChunks("x\n\"a\" ,c\n") == failure(2, "unexpected character after closing quote", after: [(1, ["x"])]))
    }

    @Test func nulByte() {
        #expect(readAllChunks([0x61, 0x00, 0x62]) == failure(1, "NUL byte"))
        #expect(readAllChunks([0x61, 0x0A, 0x22, 0x0A, 0x00, 0x22]) == failure(3, "NUL byte", after: [(1, ["a"])]))
        #expect(readAllChunks([0x22, 0x61, 0x22, 0x00]) == failure(1, "NUL byte"))
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
            #expect(readAllChunks(bytes) == failure(3, "invalid UTF-8", after: [(1, ["a", "b"])]), "\(bad)")
            #expect(readAllChunks(Array("ok\n".utf8) + bad) == failure(2, "invalid UTF-8", after: [(1, ["ok"])]), "\(bad)")
        }
    }

    @Test func fieldLongerThanTheLimit() {
        let long = String(repeating: "x", count: 11)
        #expect(readAllChunks("a\nb\n\(long)\n", maxField: 10) == failure(3, "field longer than 10 bytes", after: [(1, ["a"]), (2, ["b"])]))
        #expect(readAllChunks("a,\"\n\(long)\"\n", maxField: 10) == failure(1, "field longer than 10 bytes"))
        // Exactly at the limit is fine, also when doubled quotes shrink a longer raw field.
        #expect(readAllChunks("\(String(repeating: "y", count: 10))\n", maxField: 10) == rows([(1, [String(repeating: "y", count: 10)])]))
        #expect(
            readAllChunks("\"\(String(repeating: "\"\"", count: 10))\"\n", maxField: 10)
                == rows([(1, [String(repeating: "\"", count: 10)])]))
        #expect(
            readAllChunks("\"\(String(repeating: "\"\"", count: 11))\"\n", maxField: 10)
                == failure(1, "field longer than 10 bytes"))
    }

    @Test func recordLongerThanTheLimit() {
        #expect(readAllChunks("a,b\n1,2,3,4,5,6\n", maxField: 100, maxRecord: 10) == failure(2, "record longer than 10 bytes", after: [(1, ["a", "b"])]))
        #expect(readAllChunks("1,2,3,4,5\r\n", maxField: 100, maxRecord: 9) == rows([(1, ["1", "2", "3", "4", "5"])]))
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
            var got: [Row] = []
            try reader.forEachRecord { got.append(Row(line: $0.line, fields: $0.strings())) }
            #expect(.rows(got) == read(Array(text.utf8)))
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
        var rng = SplitMix(seed: 2024)
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
        }
    }
}
