/// A Swift type that can be read from a column value.
public protocol SQLiteDecodable {
    /// `column` names the column for error messages.
    static func decode(from value: SQLiteValue, column: String) throws -> Self
}

func decodingError(_ type: Any.Type, column: String, value: SQLiteValue, _ reason: String) -> SQLiteError {
    let kind: String
    switch value {
    case .null: kind = "NULL"
    case .integer: kind = "INTEGER"
    case .real: kind = "REAL"
    case .text: kind = "TEXT"
    case .blob: kind = "BLOB"
    }
    return SQLiteError(
        code: SQLiteError.mismatch, message: "cannot decode column '\(column)' (\(kind)) as \(type): \(reason)")
}

extension Int64: SQLiteDecodable {
    public static func decode(from value: SQLiteValue, column: String) throws -> Int64 {
        switch value {
        case .integer(let v): return v
        case .real(let v) where v.rounded() == v && abs(v) < 9.2e18: return Int64(v)
        case .text(let v):
            guard let parsed = Int64(v) else { throw decodingError(Int64.self, column: column, value: value, "not an integer") }
            return parsed
        case .null: throw decodingError(Int64.self, column: column, value: value, "the value is NULL; decode an Optional instead")
        default: throw decodingError(Int64.self, column: column, value: value, "not an integer")
        }
    }
}

extension Int: SQLiteDecodable {
    public static func decode(from value: SQLiteValue, column: String) throws -> Int {
        Int(try Int64.decode(from: value, column: column))
    }
}

extension Int32: SQLiteDecodable {
    public static func decode(from value: SQLiteValue, column: String) throws -> Int32 {
        let wide = try Int64.decode(from: value, column: column)
        guard let narrow = Int32(exactly: wide) else {
            throw decodingError(Int32.self, column: column, value: value, "\(wide) is out of range")
        }
        return narrow
    }
}

extension Double: SQLiteDecodable {
    public static func decode(from value: SQLiteValue, column: String) throws -> Double {
        switch value {
        case .real(let v): return v
        case .integer(let v): return Double(v)
        case .text(let v):
            guard let parsed = Double(v) else { throw decodingError(Double.self, column: column, value: value, "not a number") }
            return parsed
        case .null: throw decodingError(Double.self, column: column, value: value, "the value is NULL; decode an Optional instead")
        case .blob: throw decodingError(Double.self, column: column, value: value, "not a number")
        }
    }
}

extension Bool: SQLiteDecodable {
    public static func decode(from value: SQLiteValue, column: String) throws -> Bool {
        switch value {
        case .integer(let v): return v != 0
        case .null: throw decodingError(Bool.self, column: column, value: value, "the value is NULL; decode an Optional instead")
        default: throw decodingError(Bool.self, column: column, value: value, "booleans are stored as integers")
        }
    }
}

extension String: SQLiteDecodable {
    /// TEXT as is; INTEGER and REAL as their decimal text (as PostgreSQL's text format would give them).
    public static func decode(from value: SQLiteValue, column: String) throws -> String {
        switch value {
        case .text(let v): return v
        case .integer(let v): return String(v)
        case .real(let v): return String(v)
        case .null: throw decodingError(String.self, column: column, value: value, "the value is NULL; decode an Optional instead")
        case .blob: throw decodingError(String.self, column: column, value: value, "a BLOB is not text; decode [UInt8]")
        }
    }
}

extension Array: SQLiteDecodable where Element == UInt8 {
    /// BLOB as is; TEXT as its UTF-8 bytes.
    public static func decode(from value: SQLiteValue, column: String) throws -> [UInt8] {
        switch value {
        case .blob(let v): return v
        case .text(let v): return Array(v.utf8)
        case .null: throw decodingError([UInt8].self, column: column, value: value, "the value is NULL; decode an Optional instead")
        default: throw decodingError([UInt8].self, column: column, value: value, "not a BLOB")
        }
    }
}

extension SQLiteValue: SQLiteDecodable {
    public static func decode(from value: SQLiteValue, column: String) throws -> SQLiteValue { value }
}

extension Optional: SQLiteDecodable where Wrapped: SQLiteDecodable {
    public static func decode(from value: SQLiteValue, column: String) throws -> Wrapped? {
        if case .null = value { return nil }
        return try Wrapped.decode(from: value, column: column)
    }
}

/// One result row with its column names.
public struct SQLiteRow: Sendable, Hashable {
    public let columns: [String]
    public let values: [SQLiteValue]

    public init(columns: [String], values: [SQLiteValue]) {
        self.columns = columns
        self.values = values
    }

    public func isNull(at index: Int) -> Bool {
        guard values.indices.contains(index) else { return true }
        if case .null = values[index] { return true }
        return false
    }

    public func decode<T: SQLiteDecodable>(_ type: T.Type = T.self, at index: Int) throws -> T {
        guard values.indices.contains(index) else {
            throw SQLiteError(
                code: SQLiteError.misuse, message: "column index \(index) is out of range (the row has \(values.count) columns)")
        }
        return try T.decode(from: values[index], column: columns[index])
    }

    public func decode<T: SQLiteDecodable>(_ type: T.Type = T.self, named name: String) throws -> T {
        guard let index = columns.firstIndex(of: name) else {
            throw SQLiteError(
                code: SQLiteError.misuse, message: "no column named '\(name)' (columns: \(columns.joined(separator: ", ")))")
        }
        return try T.decode(from: values[index], column: name)
    }
}
