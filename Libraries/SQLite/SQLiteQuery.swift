/// A value bound to a statement parameter or read from a column.
public enum SQLiteValue: Sendable, Hashable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])
}

/// A Swift value that can be bound by interpolating it into a `SQLiteQuery`.
public protocol SQLiteEncodable: Sendable {
    var sqliteValue: SQLiteValue { get }
}

extension SQLiteValue: SQLiteEncodable {
    public var sqliteValue: SQLiteValue { self }
}
extension Bool: SQLiteEncodable {
    /// Stored as 1 or 0.
    public var sqliteValue: SQLiteValue { .integer(self ? 1 : 0) }
}
extension Int: SQLiteEncodable {
    public var sqliteValue: SQLiteValue { .integer(Int64(self)) }
}
extension Int64: SQLiteEncodable {
    public var sqliteValue: SQLiteValue { .integer(self) }
}
extension Int32: SQLiteEncodable {
    public var sqliteValue: SQLiteValue { .integer(Int64(self)) }
}
extension Double: SQLiteEncodable {
    public var sqliteValue: SQLiteValue { .real(self) }
}
extension String: SQLiteEncodable {
    public var sqliteValue: SQLiteValue { .text(self) }
}
extension Substring: SQLiteEncodable {
    public var sqliteValue: SQLiteValue { .text(String(self)) }
}
extension Array: SQLiteEncodable where Element == UInt8 {
    public var sqliteValue: SQLiteValue { .blob(self) }
}
extension Optional: SQLiteEncodable where Wrapped: SQLiteEncodable {
    public var sqliteValue: SQLiteValue { self?.sqliteValue ?? .null }
}

/// SQL text plus bound values, built safely by string interpolation. Interpolated values become the
/// parameters `$1`, `$2`… (the same spelling as PostgreSQL), never SQL text. Raw SQL enters only through
/// `init(unsafeSQL:binds:)` or `\(unescaped: constant)`. With `unsafeSQL`, `$n`, `?n` and `?` all bind
/// from `binds` by position.
public struct SQLiteQuery: Sendable, Hashable, ExpressibleByStringInterpolation, CustomStringConvertible {
    public var sql: String
    public var binds: [SQLiteValue]

    public init(unsafeSQL: String, binds: [SQLiteValue] = []) {
        self.sql = unsafeSQL
        self.binds = binds
    }

    public init(stringLiteral value: String) {
        self.init(unsafeSQL: value)
    }

    public init(stringInterpolation: StringInterpolation) {
        self.init(unsafeSQL: stringInterpolation.sql, binds: stringInterpolation.binds)
    }

    /// Appends a value as the next parameter and returns its placeholder (`$n`).
    public mutating func appendBind(_ value: some SQLiteEncodable) -> String {
        binds.append(value.sqliteValue)
        return "$\(binds.count)"
    }

    /// The SQL text only: bound values are never printed.
    public var description: String { sql }

    public struct StringInterpolation: StringInterpolationProtocol, Sendable {
        public var sql: String
        public var binds: [SQLiteValue]

        public init(literalCapacity: Int, interpolationCount: Int) {
            sql = ""
            sql.reserveCapacity(literalCapacity + interpolationCount * 3)
            binds = []
            binds.reserveCapacity(interpolationCount)
        }

        public mutating func appendLiteral(_ literal: String) {
            sql += literal
        }

        public mutating func appendInterpolation(_ value: some SQLiteEncodable) {
            binds.append(value.sqliteValue)
            sql += "$\(binds.count)"
        }

        public mutating func appendInterpolation<T: SQLiteEncodable>(_ value: T?) {
            binds.append(value?.sqliteValue ?? .null)
            sql += "$\(binds.count)"
        }

        /// Inserts text verbatim. Only for identifiers and fragments taken from constants, never input.
        public mutating func appendInterpolation(unescaped text: String) {
            sql += text
        }
    }
}
