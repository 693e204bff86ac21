import Testing

@testable import CSV

/// Semicolon and tab separated files (seed 000's clients send both): named, or sniffed from the header.
@Suite struct CSVSeparatorTests {
    func read(_ text: String, _ separator: CSVSeparator, chunk: Int = CSVReader.defaultChunkSize) throws -> (CSVSeparator, [[String]]) {
        var reader = CSVReader(bytes: Array(text.utf8), chunkSize: chunk, separator: separator)
        let rows = try reader.readAll()
        return (reader.separator, rows)
    }

    @Test func namedSemicolonKeepsCommasInFields() throws {
        let (used, rows) = try read("date;product_id;sales\n2024-01-02;a,b;\"1;5\"\n", .semicolon)
        #expect(used == .semicolon)
        #expect(rows == [["date", "product_id", "sales"], ["2024-01-02", "a,b", "1;5"]])
    }

    @Test func sniffsEachSeparatorFromTheHeader() throws {
        #expect(try read("a;b;c\n1;2;3\n", .sniff).0 == .semicolon)
        #expect(try read("a\tb\tc\n1\t2\t3\n", .sniff) == (.tab, [["a", "b", "c"], ["1", "2", "3"]]))
        #expect(try read("a,b,c\n1;2,3\n", .sniff) == (.comma, [["a", "b", "c"], ["1;2", "3"]]))
        // No separator at all, or a tie: a comma.
        #expect(try read("value\n1\n", .sniff).0 == .comma)
        #expect(try read("a;b,c\n", .sniff).0 == .comma)
        #expect(try read("a;b\tc\n", .sniff).0 == .semicolon)
    }

    @Test func separatorsInsideQuotesDoNotCount() throws {
        let (used, rows) = try read("\"a;b;c\",d\n1,2\n", .sniff)
        #expect(used == .comma)
        #expect(rows == [["a;b;c", "d"], ["1", "2"]])
        // A quoted header field may hold a line break: the sniff reads past it.
        #expect(try read("\"x\ny\";z;w\n1;2;3\n", .sniff) == (.semicolon, [["x\ny", "z", "w"], ["1", "2", "3"]]))
    }

    @Test func sniffsAcrossChunksAfterBOMAndBlankLines() throws {
        let text = "\u{FEFF}\n\r\ndate\tstart\tend\n2024-01-02\t08:00\t16:30\n"
        for chunk in 1...12 {
            let (used, rows) = try read(text, .sniff, chunk: chunk)
            #expect(used == .tab, "chunk \(chunk)")
            #expect(rows == [["date", "start", "end"], ["2024-01-02", "08:00", "16:30"]], "chunk \(chunk)")
        }
    }

    @Test func semicolonFileReadAsCommaIsOneColumn() throws {
        // The default stays RFC 4180's comma: callers that accept other separators ask for .sniff.
        #expect(try read("a;b\n1;2\n", .comma).1 == [["a;b"], ["1;2"]])
    }

    @Test func errorsKeepTheirLinesWithOtherSeparators() {
        var reader = CSVReader(bytes: Array("a;b\n1;\"2\"x\n".utf8), separator: .sniff)
        #expect(throws: CSVError(line: 2, message: "unexpected character after closing quote")) { _ = try reader.readAll() }
    }

    @Test func agreesWithTheReferenceOnEveryChunkSize() {
        let inputs = ["a;b\n\"1;\"\"x\"\"\";2\r\n3;\n", "\tx\n\t\n", "q\"\n", "\"a\nb;c\n", "a\t\"b\"\tc\n1\t2\t3"]
        for text in inputs {
            let bytes = Array(text.utf8)
            for separator in [CSVSeparator.comma, .semicolon, .tab, .sniff] {
                let expected = ReferenceCSV.parse(bytes, separator: separator)
                for chunk in 1...8 {
                    #expect(ReferenceCSV.stream(bytes, chunk: chunk, separator: separator) == expected, "\(text.debugDescription) \(separator) \(chunk)")
                }
            }
        }
    }
}
