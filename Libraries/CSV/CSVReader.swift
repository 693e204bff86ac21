#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Streams RFC 4180 records from a file (or an in-memory byte array) in fixed-size chunks.
///
/// Fields are separated by a comma unless another `separator` is named or `.sniff`ed from the header
/// (`CSVSeparator`): the grammar below reads the same with `;` or a tab in the comma's place.
///
/// Memory is bounded by `maxRecordBytes + chunkSize` whatever the size of the file: the reader
/// keeps one buffer, reads `chunkSize` bytes at a time into it and hands out each record as
/// byte slices into that buffer.
///
/// Grammar (RFC 4180, with the usual relaxations):
/// - records end with LF, CRLF or a lone CR; the last record may have no line ending;
/// - a UTF-8 byte order mark at the very start of the file is skipped;
/// - **empty lines are skipped** (a line with no bytes at all; `""` or a line of spaces is a
///   record with one field);
/// - a field starting with `"` is quoted: it may contain commas, line breaks and doubled quotes
///   (`""` → `"`); after its closing quote only `,`, a line ending or the end of the file may follow;
/// - a `"` inside an unquoted field is an error, as are NUL bytes and invalid UTF-8 anywhere;
/// - a field longer than `maxFieldBytes` or a record longer than `maxRecordBytes` is an error,
///   found without buffering more than `maxRecordBytes` of it.
///
/// Line numbers count physical lines (LF, CRLF or lone CR), including the line breaks inside
/// quoted fields; a record's `line` is the line it starts on, the header being record 1.
public struct CSVReader: ~Copyable {
    public static let defaultChunkSize = 256 * 1024

    private enum Source {
        case file(Int32, close: Bool)
        case memory([UInt8])
    }

    private enum Step {
        case record(line: Int, count: Int)
        case needMore
        case done
    }

    private let source: Source
    private var memoryOffset = 0
    public let maxFieldBytes: Int
    public let maxRecordBytes: Int
    public let chunkSize: Int
    /// The separator asked for; `.sniff` until the first record has been read.
    public private(set) var separator: CSVSeparator
    private var separatorByte: UInt8

    private let buffer: UnsafeMutablePointer<UInt8>
    private let capacity: Int
    private var pos = 0
    private var end = 0
    private var atEOF = false
    private var bomChecked = false
    private var line = 1
    private var failure: CSVError?

    /// Field bounds, two `Int`s (start, end) per field, offsets into `buffer`.
    private var bounds: UnsafeMutablePointer<Int>
    private var boundsCapacity: Int  // in fields
    /// Indices of quoted fields containing doubled quotes, to unescape once the record is complete.
    private var escapes: UnsafeMutablePointer<Int>
    /// Where an incomplete field started when more bytes were needed (for the field length check).
    private var partialFieldStart = -1
    private var partialFieldLine = 0
    private var partialFieldQuoted = false

    /// Opens `path` for reading.
    public init(
        path: String, maxFieldBytes: Int = 100_000, maxRecordBytes: Int = 1 << 20,
        chunkSize: Int = CSVReader.defaultChunkSize, separator: CSVSeparator = .comma
    ) throws {
        var fd: Int32
        repeat {
            fd = open(path, O_RDONLY | O_CLOEXEC)
        } while fd < 0 && errno == EINTR
        if fd < 0 {
            throw CSVError(line: 0, message: "cannot open \(path): \(CSVReader.errnoText())")
        }
        self.init(
            source: .file(fd, close: true), maxFieldBytes: maxFieldBytes, maxRecordBytes: maxRecordBytes,
            chunkSize: chunkSize, separator: separator)
    }

    /// Reads from an open file descriptor, closing it at the end only when `closeWhenDone`.
    public init(
        fileDescriptor: Int32, closeWhenDone: Bool = false, maxFieldBytes: Int = 100_000,
        maxRecordBytes: Int = 1 << 20, chunkSize: Int = CSVReader.defaultChunkSize, separator: CSVSeparator = .comma
    ) {
        self.init(
            source: .file(fileDescriptor, close: closeWhenDone), maxFieldBytes: maxFieldBytes,
            maxRecordBytes: maxRecordBytes, chunkSize: chunkSize, separator: separator)
    }

    /// Reads records from bytes already in memory (tests, fuzzing, small uploads). The bytes are
    /// still copied `chunkSize` at a time, through exactly the same code path as a file.
    public init(
        bytes: [UInt8], maxFieldBytes: Int = 100_000, maxRecordBytes: Int = 1 << 20,
        chunkSize: Int = CSVReader.defaultChunkSize, separator: CSVSeparator = .comma
    ) {
        self.init(
            source: .memory(bytes), maxFieldBytes: maxFieldBytes, maxRecordBytes: maxRecordBytes,
            chunkSize: chunkSize, separator: separator)
    }

    private init(source: Source, maxFieldBytes: Int, maxRecordBytes: Int, chunkSize: Int, separator: CSVSeparator) {
        precondition(maxFieldBytes > 0 && maxRecordBytes > 0 && chunkSize > 0, "CSVReader limits must be positive")
        self.source = source
        self.maxFieldBytes = maxFieldBytes
        self.maxRecordBytes = maxRecordBytes
        self.chunkSize = chunkSize
        self.separator = separator
        self.separatorByte = separator.byte ?? 0x2C
        // A partial record of up to maxRecordBytes (+ a CR waiting for its LF) plus one chunk.
        self.capacity = maxRecordBytes + 2 + chunkSize
        self.buffer = .allocate(capacity: capacity)
        self.boundsCapacity = 16
        self.bounds = .allocate(capacity: 2 * 16)
        self.escapes = .allocate(capacity: 16)
    }

    deinit {
        if case .file(let fd, close: true) = source {
            _ = close(fd)
        }
        buffer.deallocate()
        bounds.deallocate()
        escapes.deallocate()
    }

    /// Calls `body` for each record, in order, with its fields as UTF-8 byte slices that are valid
    /// only during the call. The header is the first record.
    ///
    /// Throws `CSVError` for a malformed file; the reader then stays failed and throws the same
    /// error on any later call. An error thrown by `body` propagates as it is, and a later call
    /// resumes with the record after the one `body` threw for.
    public mutating func forEachRecord(_ body: (CSVRecord) throws -> Void) throws {
        if let failure { throw failure }
        while true {
            let next: Step
            do {
                next = try step()
            } catch let error as CSVError {
                failure = error
                throw error
            }
            switch next {
            case .record(let recordLine, let count):
                try body(CSVRecord(base: UnsafePointer(buffer), bounds: UnsafePointer(bounds), count: count, line: recordLine))
            case .needMore:
                do {
                    try checkPartialLimits()
                    partialFieldStart = -1
                    try refill()
                } catch let error as CSVError {
                    failure = error
                    throw error
                }
            case .done:
                return
            }
        }
    }

    /// Reads every record into strings: a convenience for tests and small files.
    public mutating func readAll() throws -> [[String]] {
        var rows: [[String]] = []
        try forEachRecord { rows.append($0.strings()) }
        return rows
    }

    // MARK: - Buffer management

    private mutating func refill() throws {
        if pos > 0 {
            let remaining = end - pos
            if remaining > 0 {
                (buffer).update(from: buffer + pos, count: remaining)
            }
            end = remaining
            pos = 0
        }
        let want = min(capacity - end, chunkSize)
        precondition(want > 0)
        switch source {
        case .file(let fd, _):
            while true {
                let n = read(fd, buffer + end, want)
                if n > 0 {
                    end += n
                    return
                }
                if n == 0 {
                    atEOF = true
                    return
                }
                if errno == EINTR { continue }
                throw CSVError(line: 0, message: "read failed: \(CSVReader.errnoText())")
            }
        case .memory(let bytes):
            let n = min(want, bytes.count - memoryOffset)
            if n == 0 {
                atEOF = true
                return
            }
            bytes.withUnsafeBufferPointer { src in
                (buffer + end).update(from: src.baseAddress! + memoryOffset, count: n)
            }
            memoryOffset += n
            end += n
        }
    }

    private static func errnoText() -> String {
        String(cString: strerror(errno))
    }

    private mutating func growBounds() {
        let newCapacity = boundsCapacity * 2
        let newBounds = UnsafeMutablePointer<Int>.allocate(capacity: 2 * newCapacity)
        newBounds.update(from: bounds, count: 2 * boundsCapacity)
        bounds.deallocate()
        bounds = newBounds
        let newEscapes = UnsafeMutablePointer<Int>.allocate(capacity: newCapacity)
        newEscapes.update(from: escapes, count: boundsCapacity)
        escapes.deallocate()
        escapes = newEscapes
        boundsCapacity = newCapacity
    }

    // MARK: - Scanning

    /// Finds the next complete record in the buffer. Returns `.needMore` without consuming
    /// anything of a record that is not complete yet (the scan restarts after the refill), so
    /// nothing is modified in the buffer until the record is known to be whole.
    @inline(__always)
    private mutating func step() throws -> Step {
        if !bomChecked {
            if end - pos < 3 && !atEOF { return .needMore }
            if end - pos >= 3 && buffer[pos] == 0xEF && buffer[pos + 1] == 0xBB && buffer[pos + 2] == 0xBF {
                pos += 3
            }
            bomChecked = true
        }
        // Skip empty lines.
        while pos < end {
            let c = buffer[pos]
            if c == 0x0A {
                pos += 1
                line += 1
            } else if c == 0x0D {
                if pos + 1 < end {
                    pos += buffer[pos + 1] == 0x0A ? 2 : 1
                } else if atEOF {
                    pos += 1
                } else {
                    return .needMore
                }
                line += 1
            } else {
                break
            }
        }
        if pos == end {
            return atEOF ? .done : .needMore
        }
        if separator == .sniff {
            // The header must be whole to be sniffed; needMore's limit check bounds how much is buffered.
            guard let byte = CSVSeparator.sniff(UnsafeBufferPointer(start: buffer + pos, count: end - pos), complete: atEOF) else {
                return .needMore
            }
            separatorByte = byte
            separator = byte == 0x3B ? .semicolon : byte == 0x09 ? .tab : .comma
        }
        return try scanRecord()
    }

    private mutating func scanRecord() throws -> Step {
        let b = buffer
        let e = end
        let eof = atEOF
        let recordStart = pos
        let recordLine = line
        let sep = separatorByte
        var i = pos
        var ln = line
        var n = 0
        var escapeCount = 0
        var sawHigh = false
        var recordEnd = 0

        record: while true {
            if n == boundsCapacity { growBounds() }
            let fieldLine = ln
            if i < e && b[i] == 0x22 {
                // Quoted field.
                i += 1
                let contentStart = i
                var escaped = false
                while true {
                    if i == e {
                        if eof { throw CSVError(line: fieldLine, message: "unterminated quoted field") }
                        return needMore(fieldStart: contentStart, fieldLine: fieldLine, quoted: true)
                    }
                    let c = b[i]
                    if c &- 0x23 < 0x5D {  // 0x23...0x7F: ordinary
                        i += 1
                        continue
                    }
                    switch c {
                    case 0x22:
                        if i + 1 == e && !eof {
                            return needMore(fieldStart: contentStart, fieldLine: fieldLine, quoted: true)
                        }
                        if i + 1 < e && b[i + 1] == 0x22 {
                            escaped = true
                            i += 2
                            continue
                        }
                        // Closing quote.
                        let contentEnd = i
                        i += 1
                        if !escaped && contentEnd - contentStart > maxFieldBytes {
                            throw CSVError(line: fieldLine, message: "field longer than \(maxFieldBytes) bytes")
                        }
                        bounds[2 * n] = contentStart
                        bounds[2 * n + 1] = contentEnd
                        if escaped {
                            escapes[escapeCount] = n
                            escapeCount += 1
                        }
                        n += 1
                        if i == e {
                            // eof here (otherwise we returned above).
                            recordEnd = i
                            break record
                        }
                        let d = b[i]
                        if d == sep {
                            i += 1
                            continue record
                        } else if d == 0x0A {
                            recordEnd = i
                            i += 1
                            ln += 1
                            break record
                        } else if d == 0x0D {
                            if i + 1 == e && !eof {
                                return needMore(fieldStart: -1, fieldLine: fieldLine, quoted: false)
                            }
                            recordEnd = i
                            i += (i + 1 < e && b[i + 1] == 0x0A) ? 2 : 1
                            ln += 1
                            break record
                        } else if d == 0 {
                            throw CSVError(line: ln, message: "NUL byte")
                        } else {
                            throw CSVError(line: ln, message: "unexpected character after closing quote")
                        }
                    case 0x0A:
                        ln += 1
                        i += 1
                    case 0x0D:
                        if i + 1 < e {
                            i += b[i + 1] == 0x0A ? 2 : 1
                        } else if eof {
                            i += 1
                        } else {
                            return needMore(fieldStart: contentStart, fieldLine: fieldLine, quoted: true)
                        }
                        ln += 1
                    case 0:
                        throw CSVError(line: ln, message: "NUL byte")
                    default:
                        if c >= 0x80 { sawHigh = true }
                        i += 1
                    }
                }
            } else {
                // Unquoted field.
                let start = i
                while true {
                    if i == e {
                        if !eof {
                            return needMore(fieldStart: start, fieldLine: fieldLine, quoted: false)
                        }
                        if i - start > maxFieldBytes {
                            throw CSVError(line: fieldLine, message: "field longer than \(maxFieldBytes) bytes")
                        }
                        bounds[2 * n] = start
                        bounds[2 * n + 1] = i
                        n += 1
                        recordEnd = i
                        break record
                    }
                    let c = b[i]
                    if c &- 0x2D < 0x53 && c != sep {  // 0x2D...0x7F but the separator: ordinary
                        i += 1
                        continue
                    }
                    if c == sep || c == 0x0A || c == 0x0D {
                        if c == 0x0D && i + 1 == e && !eof {
                            return needMore(fieldStart: start, fieldLine: fieldLine, quoted: false)
                        }
                        if i - start > maxFieldBytes {
                            throw CSVError(line: fieldLine, message: "field longer than \(maxFieldBytes) bytes")
                        }
                        bounds[2 * n] = start
                        bounds[2 * n + 1] = i
                        n += 1
                        if c == sep {
                            i += 1
                            continue record
                        }
                        recordEnd = i
                        i += (c == 0x0D && i + 1 < e && b[i + 1] == 0x0A) ? 2 : 1
                        ln += 1
                        break record
                    }
                    switch c {
                    case 0x22:
                        throw CSVError(line: ln, message: "quote inside unquoted field")
                    case 0:
                        throw CSVError(line: ln, message: "NUL byte")
                    default:
                        if c >= 0x80 { sawHigh = true }
                        i += 1
                    }
                }
            }
        }

        if recordEnd - recordStart > maxRecordBytes {
            throw CSVError(line: recordLine, message: "record longer than \(maxRecordBytes) bytes")
        }
        if sawHigh, let bad = UTF8Check.firstInvalid(b + recordStart, count: recordEnd - recordStart) {
            throw CSVError(line: CSVReader.line(of: recordStart + bad, from: recordStart, startLine: recordLine, in: b), message: "invalid UTF-8")
        }
        // Unescape doubled quotes in place (the record is complete, so it is never rescanned).
        for k in 0..<escapeCount {
            let f = escapes[k]
            let s = bounds[2 * f]
            let t = bounds[2 * f + 1]
            var r = s
            var w = s
            while r < t {
                let c = b[r]
                b[w] = c
                w += 1
                r += c == 0x22 ? 2 : 1
            }
            bounds[2 * f + 1] = w
            if w - s > maxFieldBytes {
                let fieldLine = CSVReader.line(of: s, from: recordStart, startLine: recordLine, in: b)
                throw CSVError(line: fieldLine, message: "field longer than \(maxFieldBytes) bytes")
            }
        }
        pos = i
        line = ln
        partialFieldStart = -1
        return .record(line: recordLine, count: n)
    }

    /// Called when the buffer ends inside a record: enforces the limits on what is buffered so far.
    private mutating func needMore(fieldStart: Int, fieldLine: Int, quoted: Bool) -> Step {
        partialFieldStart = fieldStart
        partialFieldLine = fieldLine
        partialFieldQuoted = quoted
        return .needMore
    }

    /// Throws when the incomplete record (or field) already buffered is over its limit, so that
    /// a 100 MB line without a newline fails after at most `maxRecordBytes` have been buffered.
    private func checkPartialLimits() throws {
        if partialFieldStart >= 0 {
            let raw = end - partialFieldStart
            // A quoted field's raw bytes may be up to twice its content (every quote doubled).
            // Either may also end with a byte held back for lookahead (a CR, a closing quote).
            let limit = partialFieldQuoted ? 2 * maxFieldBytes + 1 : maxFieldBytes + 1
            if raw > limit {
                throw CSVError(line: partialFieldLine, message: "field longer than \(maxFieldBytes) bytes")
            }
        }
        if end - pos > maxRecordBytes + 1 {
            throw CSVError(line: line, message: "record longer than \(maxRecordBytes) bytes")
        }
    }

    /// The physical line of offset `target`, counting line breaks from `start` (on `startLine`).
    private static func line(of target: Int, from start: Int, startLine: Int, in b: UnsafeMutablePointer<UInt8>) -> Int {
        var l = startLine
        var i = start
        while i < target {
            if b[i] == 0x0A {
                l += 1
            } else if b[i] == 0x0D {
                if i + 1 < target && b[i + 1] == 0x0A { i += 1 }
                l += 1
            }
            i += 1
        }
        return l
    }
}
