/// One CSV record as handed to `CSVReader.forEachRecord`: byte slices into the reader's buffer.
///
/// A record is valid only during the call it is passed to; copy what you need out of it
/// (`string(_:)`, `strings()`, or the parsers on `field(_:)`) before returning.
/// Fields are already unquoted and unescaped, and guaranteed valid UTF-8 without NUL bytes.
public struct CSVRecord {
    /// The 1-based physical line the record starts on.
    public let line: Int
    /// The number of fields.
    public let count: Int

    private let base: UnsafePointer<UInt8>
    private let bounds: UnsafePointer<Int>

    init(base: UnsafePointer<UInt8>, bounds: UnsafePointer<Int>, count: Int, line: Int) {
        self.base = base
        self.bounds = bounds
        self.count = count
        self.line = line
    }

    /// The UTF-8 bytes of field `i` (0-based), valid only while the record is.
    @inline(__always)
    public subscript(i: Int) -> UnsafeBufferPointer<UInt8> {
        precondition(i >= 0 && i < count, "CSV field index out of range")
        let start = bounds[2 * i]
        return UnsafeBufferPointer(start: base + start, count: bounds[2 * i + 1] - start)
    }

    /// Field `i` as a String (allocates; keep it off the per-row hot path where you can).
    public func string(_ i: Int) -> String {
        String(decoding: self[i], as: UTF8.self)
    }

    /// All fields as Strings.
    public func strings() -> [String] {
        (0..<count).map { string($0) }
    }

    /// Whether the record is a single field with nothing in it but spaces and tabs
    /// (e.g. a line of blanks), which callers usually want to skip like an empty line.
    public var isBlank: Bool {
        count == 1 && self[0].allSatisfy { $0 == 0x20 || $0 == 0x09 }
    }
}

/// UTF-8 validation over raw bytes (no String allocation).
enum UTF8Check {
    /// The offset of the first byte that starts an invalid or truncated sequence, or nil.
    static func firstInvalid(_ p: UnsafePointer<UInt8>, count n: Int) -> Int? {
        var i = 0
        while i < n {
            let b0 = p[i]
            if b0 < 0x80 {
                i += 1
                continue
            }
            let need: Int
            var lo: UInt8 = 0x80
            var hi: UInt8 = 0xBF
            switch b0 {
            case 0xC2...0xDF: need = 1
            case 0xE0: need = 2; lo = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: need = 2
            case 0xED: need = 2; hi = 0x9F
            case 0xF0: need = 3; lo = 0x90
            case 0xF1...0xF3: need = 3
            case 0xF4: need = 3; hi = 0x8F
            default: return i
            }
            if i + need >= n { return i }
            let b1 = p[i + 1]
            if b1 < lo || b1 > hi { return i }
            var k = 2
            while k <= need {
                let bk = p[i + k]
                if bk < 0x80 || bk > 0xBF { return i }
                k += 1
            }
            i += need + 1
        }
        return nil
    }
}
