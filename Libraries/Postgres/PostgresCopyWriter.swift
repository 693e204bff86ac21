/// Buffers rows for `PostgresConnection.copyFrom` in COPY's text format and sends them in ~64 KiB chunks.
/// Fields are escaped (`\\`, tab, newline, carriage return); nil is written as `\N` (NULL).
public struct PostgresCopyWriter {
    private let connection: PostgresConnection
    private var buffer: [UInt8] = []
    /// Rows appended so far.
    public private(set) var rowCount = 0
    static let chunkSize = 64 * 1024

    init(connection: PostgresConnection) {
        self.connection = connection
        buffer.reserveCapacity(Self.chunkSize + 4096)
    }

    /// Appends one row; values are in PostgreSQL's text input format for their column (`42`, `3.5`,
    /// `2024-01-31`, `t`…), nil for NULL. Throws when the connection is lost or a value holds a NUL byte.
    public mutating func appendRow(_ fields: [String?]) throws {
        for (index, field) in fields.enumerated() {
            if index > 0 { buffer.append(UInt8(ascii: "\t")) }
            guard let field else {
                buffer.append(UInt8(ascii: "\\"))
                buffer.append(UInt8(ascii: "N"))
                continue
            }
            let clean = field.utf8.withContiguousStorageIfAvailable { Self.append(escaping: $0, to: &buffer) }
                ?? Self.append(escaping: Array(field.utf8), to: &buffer)
            guard clean else {
                throw PostgresError(
                    code: .invalidUsage, message: "COPY field \(index + 1) of row \(rowCount + 1) contains a NUL byte")
            }
        }
        buffer.append(UInt8(ascii: "\n"))
        rowCount += 1
        if buffer.count >= Self.chunkSize { try flush() }
    }

    /// Appends one row of typed values (`PostgresData` text format: bytea as hex, NaN/Infinity spelled out).
    public mutating func appendRow(values: [PostgresData]) throws {
        try appendRow(values.map { $0.textFormat() })
    }

    /// Sends what is buffered. `copyFrom` calls it at the end; calling it earlier is optional.
    public mutating func flush() throws {
        guard !buffer.isEmpty else { return }
        try buffer.withUnsafeBufferPointer { try connection.putCopyData($0) }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Escapes `bytes` onto `buffer`; returns false if they contain a NUL byte.
    private static func append<C: Collection>(escaping bytes: C, to buffer: inout [UInt8]) -> Bool where C.Element == UInt8 {
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "\\"):
                buffer.append(UInt8(ascii: "\\"))
                buffer.append(UInt8(ascii: "\\"))
            case UInt8(ascii: "\t"):
                buffer.append(UInt8(ascii: "\\"))
                buffer.append(UInt8(ascii: "t"))
            case UInt8(ascii: "\n"):
                buffer.append(UInt8(ascii: "\\"))
                buffer.append(UInt8(ascii: "n"))
            case UInt8(ascii: "\r"):
                buffer.append(UInt8(ascii: "\\"))
                buffer.append(UInt8(ascii: "r"))
            case 0:
                return false
            default:
                buffer.append(byte)
            }
        }
        return true
    }
}
