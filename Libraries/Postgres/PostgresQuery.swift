/// A value bound to a statement parameter. Values are sent in PostgreSQL's text format; `bytes` as
/// `\x` hex. `int`, `double`, `bool` and `bytes` are sent with their type (int8, float8, bool, bytea)
/// so that expressions such as `$1 + $2` resolve; `text` and `null` are sent untyped so the server
/// infers the column's type (a `text` value can fill a `date`, `jsonb` or `uuid` column). Where an
/// `int4` is required (a function argument), cast in SQL: `\(n)::int`.
public enum PostgresData: Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case text(String)
    case bytes([UInt8])

    /// Type OID sent with the parameter (0 lets the server infer it).
    var typeOID: UInt32 {
        switch self {
        case .null, .text: 0
        case .bool: 16
        case .int: 20
        case .double: 701
        case .bytes: 17
        }
    }

    /// The value in PostgreSQL's text format; nil for SQL NULL.
    func textFormat() -> String? {
        switch self {
        case .null: return nil
        case .bool(let value): return value ? "t" : "f"
        case .int(let value): return String(value)
        case .double(let value):
            if value.isNaN { return "NaN" }
            if value.isInfinite { return value < 0 ? "-Infinity" : "Infinity" }
            return value.description  // shortest text that round-trips
        case .text(let value): return value
        case .bytes(let value):
            let digits: [UInt8] = Array("0123456789abcdef".utf8)
            var out: [UInt8] = [UInt8(ascii: "\\"), UInt8(ascii: "x")]
            out.reserveCapacity(2 + value.count * 2)
            for byte in value {
                out.append(digits[Int(byte >> 4)])
                out.append(digits[Int(byte & 0x0f)])
            }
            return String(decoding: out, as: UTF8.self)
        }
    }
}

/// A Swift value that can be bound as a statement parameter by interpolating it into a `PostgresQuery`.
public protocol PostgresEncodable: Sendable {
    var postgresData: PostgresData { get }
}

extension PostgresData: PostgresEncodable {
    public var postgresData: PostgresData { self }
}
extension Bool: PostgresEncodable {
    public var postgresData: PostgresData { .bool(self) }
}
extension Int: PostgresEncodable {
    public var postgresData: PostgresData { .int(Int64(self)) }
}
extension Int64: PostgresEncodable {
    public var postgresData: PostgresData { .int(self) }
}
extension Int32: PostgresEncodable {
    public var postgresData: PostgresData { .int(Int64(self)) }
}
extension Int16: PostgresEncodable {
    public var postgresData: PostgresData { .int(Int64(self)) }
}
extension Double: PostgresEncodable {
    public var postgresData: PostgresData { .double(self) }
}
extension Float: PostgresEncodable {
    public var postgresData: PostgresData { .double(Double(self)) }
}
extension String: PostgresEncodable {
    public var postgresData: PostgresData { .text(self) }
}
extension Substring: PostgresEncodable {
    public var postgresData: PostgresData { .text(String(self)) }
}
extension Array: PostgresEncodable where Element == UInt8 {
    public var postgresData: PostgresData { .bytes(self) }
}
extension Optional: PostgresEncodable where Wrapped: PostgresEncodable {
    public var postgresData: PostgresData { self?.postgresData ?? .null }
}

/// SQL text plus bound values, built safely by string interpolation:
///
///     let q: PostgresQuery = "SELECT * FROM t WHERE a = \(x) AND b = \(y)"
///     // q.sql == "SELECT * FROM t WHERE a = $1 AND b = $2", q.binds == [x, y]
///
/// Every interpolated value becomes a bound parameter, never SQL text. Raw SQL enters only through
/// `init(unsafeSQL:binds:)` or `\(unescaped: constant)` (for identifiers taken from constants).
public struct PostgresQuery: Sendable, Hashable, ExpressibleByStringInterpolation, CustomStringConvertible {
    public var sql: String
    public var binds: [PostgresData]

    /// SQL text used verbatim; `binds` fill its `$1`, `$2`… placeholders.
    public init(unsafeSQL: String, binds: [PostgresData] = []) {
        self.sql = unsafeSQL
        self.binds = binds
    }

    public init(stringLiteral value: String) {
        self.init(unsafeSQL: value)
    }

    public init(stringInterpolation: StringInterpolation) {
        self.init(unsafeSQL: stringInterpolation.sql, binds: stringInterpolation.binds)
    }

    /// Appends a value as the next parameter and returns its placeholder (`$n`), for building queries
    /// in loops: `q.sql += "(\(q.appendBind(a)), \(q.appendBind(b)))"`.
    public mutating func appendBind(_ value: some PostgresEncodable) -> String {
        binds.append(value.postgresData)
        return "$\(binds.count)"
    }

    /// The SQL text only: bound values are never printed.
    public var description: String { sql }

    public struct StringInterpolation: StringInterpolationProtocol, Sendable {
        public var sql: String
        public var binds: [PostgresData]

        public init(literalCapacity: Int, interpolationCount: Int) {
            sql = ""
            sql.reserveCapacity(literalCapacity + interpolationCount * 3)
            binds = []
            binds.reserveCapacity(interpolationCount)
        }

        public mutating func appendLiteral(_ literal: String) {
            sql += literal
        }

        /// Binds the value as the next parameter.
        public mutating func appendInterpolation(_ value: some PostgresEncodable) {
            binds.append(value.postgresData)
            sql += "$\(binds.count)"
        }

        /// Binds an optional value; nil becomes SQL NULL.
        public mutating func appendInterpolation<T: PostgresEncodable>(_ value: T?) {
            binds.append(value?.postgresData ?? .null)
            sql += "$\(binds.count)"
        }

        /// Inserts text verbatim into the SQL. Only for identifiers and fragments taken from constants,
        /// never from input.
        public mutating func appendInterpolation(unescaped text: String) {
            sql += text
        }
    }
}
