/// One cell of a result row, in PostgreSQL's text format, as handed to `PostgresDecodable`.
public struct PostgresCell: Sendable, Hashable {
    /// The value's text (nil for SQL NULL). `bytea` arrives as `\x` hex.
    public var text: String?
    /// The column's type OID (`pg_type.oid`): 16 bool, 17 bytea, 20 int8, 23 int4, 25 text, 701 float8…
    public var typeOID: UInt32
    public var columnName: String
    public var columnIndex: Int

    public init(text: String?, typeOID: UInt32, columnName: String, columnIndex: Int) {
        self.text = text
        self.typeOID = typeOID
        self.columnName = columnName
        self.columnIndex = columnIndex
    }

    /// A decoding error naming the column and the requested type; the value goes in `detail` only.
    public func decodingError(_ type: Any.Type, _ reason: String? = nil) -> PostgresError {
        PostgresError(
            code: .decoding,
            message: "cannot decode column '\(columnName)' (index \(columnIndex), type OID \(typeOID)) as \(type)"
                + (reason.map { ": \($0)" } ?? ""),
            detail: text.map { "value: \($0.prefix(200))" } ?? "value: NULL")
    }

    /// The text of a non-NULL cell, or an error saying the column is NULL.
    public func nonNullText(for type: Any.Type) throws -> String {
        guard let text else { throw decodingError(type, "the value is NULL; decode an Optional instead") }
        return text
    }
}

/// A Swift type that can be read from a result cell.
public protocol PostgresDecodable {
    static func decode(from cell: PostgresCell) throws -> Self
}

extension String: PostgresDecodable {
    public static func decode(from cell: PostgresCell) throws -> String {
        try cell.nonNullText(for: String.self)
    }
}

extension Int64: PostgresDecodable {
    public static func decode(from cell: PostgresCell) throws -> Int64 {
        let text = try cell.nonNullText(for: Int64.self)
        guard let value = Int64(text) else { throw cell.decodingError(Int64.self, "not an integer in range") }
        return value
    }
}

extension Int: PostgresDecodable {
    public static func decode(from cell: PostgresCell) throws -> Int {
        let text = try cell.nonNullText(for: Int.self)
        guard let value = Int(text) else { throw cell.decodingError(Int.self, "not an integer in range") }
        return value
    }
}

extension Int32: PostgresDecodable {
    public static func decode(from cell: PostgresCell) throws -> Int32 {
        let text = try cell.nonNullText(for: Int32.self)
        guard let value = Int32(text) else { throw cell.decodingError(Int32.self, "not an integer in range") }
        return value
    }
}

extension Double: PostgresDecodable {
    public static func decode(from cell: PostgresCell) throws -> Double {
        let text = try cell.nonNullText(for: Double.self)
        switch text {
        case "NaN": return .nan
        case "Infinity": return .infinity
        case "-Infinity": return -.infinity
        default:
            guard let value = Double(text) else { throw cell.decodingError(Double.self, "not a number") }
            return value
        }
    }
}

extension Bool: PostgresDecodable {
    public static func decode(from cell: PostgresCell) throws -> Bool {
        switch try cell.nonNullText(for: Bool.self) {
        case "t", "true": return true
        case "f", "false": return false
        default: throw cell.decodingError(Bool.self, "not a boolean")
        }
    }
}

extension Array: PostgresDecodable where Element == UInt8 {
    /// `bytea` (hex output) decodes to its bytes; any other type decodes to its UTF-8 text.
    public static func decode(from cell: PostgresCell) throws -> [UInt8] {
        let text = try cell.nonNullText(for: [UInt8].self)
        guard cell.typeOID == 17 else { return Array(text.utf8) }
        let utf8 = Array(text.utf8)
        guard utf8.count >= 2, utf8[0] == UInt8(ascii: "\\"), utf8[1] == UInt8(ascii: "x"), utf8.count % 2 == 0 else {
            throw cell.decodingError([UInt8].self, "bytea is not in hex format (set bytea_output = 'hex')")
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity((utf8.count - 2) / 2)
        var index = 2
        while index < utf8.count {
            guard let high = hexNibble(utf8[index]), let low = hexNibble(utf8[index + 1]) else {
                throw cell.decodingError([UInt8].self, "invalid hex digit")
            }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }
}

private func hexNibble(_ byte: UInt8) -> UInt8? {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
    default: nil
    }
}

extension Optional: PostgresDecodable where Wrapped: PostgresDecodable {
    public static func decode(from cell: PostgresCell) throws -> Wrapped? {
        guard cell.text != nil else { return nil }
        return try Wrapped.decode(from: cell)
    }
}

/// One row of a result, with its column names; values are kept in text format and decoded on request.
public struct PostgresRow: Sendable, Hashable {
    /// Shared by all rows of one result.
    final class Columns: Sendable, Hashable {
        let names: [String]
        let typeOIDs: [UInt32]
        init(names: [String], typeOIDs: [UInt32]) {
            self.names = names
            self.typeOIDs = typeOIDs
        }
        func index(of name: String) -> Int? { names.firstIndex(of: name) }
        static func == (lhs: Columns, rhs: Columns) -> Bool { lhs.names == rhs.names && lhs.typeOIDs == rhs.typeOIDs }
        func hash(into hasher: inout Hasher) { hasher.combine(names) }
    }

    let columnInfo: Columns
    let values: [String?]

    init(columns: Columns, values: [String?]) {
        self.columnInfo = columns
        self.values = values
    }

    /// Column names in result order.
    public var columns: [String] { columnInfo.names }
    /// Column type OIDs in result order.
    public var columnTypeOIDs: [UInt32] { columnInfo.typeOIDs }
    public var count: Int { values.count }

    public func cell(at index: Int) throws -> PostgresCell {
        guard values.indices.contains(index) else {
            throw PostgresError(
                code: .decoding, message: "column index \(index) is out of range (the row has \(values.count) columns)")
        }
        return PostgresCell(
            text: values[index], typeOID: columnInfo.typeOIDs[index], columnName: columnInfo.names[index],
            columnIndex: index)
    }

    public func decode<T: PostgresDecodable>(_ type: T.Type = T.self, at index: Int) throws -> T {
        try T.decode(from: cell(at: index))
    }

    public func decode<T: PostgresDecodable>(_ type: T.Type = T.self, named name: String) throws -> T {
        guard let index = columnInfo.index(of: name) else {
            throw PostgresError(
                code: .decoding, message: "no column named '\(name)' (columns: \(columnInfo.names.joined(separator: ", ")))")
        }
        return try T.decode(from: cell(at: index))
    }

    public func isNull(at index: Int) -> Bool {
        values.indices.contains(index) ? values[index] == nil : true
    }

    public func isNull(named name: String) -> Bool {
        columnInfo.index(of: name).map { values[$0] == nil } ?? true
    }
}
