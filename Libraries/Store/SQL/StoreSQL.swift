public import Postgres
public import SQLite

// One SQL repository over two databases (issue 18, item 5): the statements both stores run are written once, in
// `SQLRepository`, as `StoreSQL`; the dialect supplies the few fragments that differ (`StoreDialect+SQL.swift`).

/// A value bound to a statement parameter, before it is handed to either database.
public enum SQLValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case text(String)

    var postgresData: PostgresData {
        switch self {
        case .null: .null
        case .bool(let v): .bool(v)
        case .int(let v): .int(v)
        case .double(let v): .double(v)
        case .text(let v): .text(v)
        }
    }

    var sqliteValue: SQLiteValue {
        switch self {
        case .null: .null
        case .bool(let v): .integer(v ? 1 : 0)
        case .int(let v): .integer(v)
        case .double(let v): .real(v)
        case .text(let v): .text(v)
        }
    }
}

/// A Swift value that can be bound by interpolating it into a `StoreSQL`.
public protocol SQLBindable: Sendable {
    var sqlValue: SQLValue { get }
}

extension Bool: SQLBindable { public var sqlValue: SQLValue { .bool(self) } }
extension Int: SQLBindable { public var sqlValue: SQLValue { .int(Int64(self)) } }
extension Int64: SQLBindable { public var sqlValue: SQLValue { .int(self) } }
extension Double: SQLBindable { public var sqlValue: SQLValue { .double(self) } }
extension String: SQLBindable { public var sqlValue: SQLValue { .text(self) } }
extension Optional: SQLBindable where Wrapped: SQLBindable {
    public var sqlValue: SQLValue { self?.sqlValue ?? .null }
}

/// SQL text with `$1`, `$2`… placeholders (both databases read that spelling) and their values, built by string
/// interpolation as `PostgresQuery` and `SQLiteQuery` are: an interpolated value is always a bound parameter;
/// raw text enters only through `\(unescaped:)` (constants) and `\(fragment)` (another `StoreSQL`, renumbered).
public struct StoreSQL: Sendable, Hashable, ExpressibleByStringInterpolation, CustomStringConvertible {
    public var sql: String
    public var binds: [SQLValue]

    public init(unsafeSQL: String, binds: [SQLValue] = []) {
        self.sql = unsafeSQL
        self.binds = binds
    }

    public init(stringLiteral value: String) { self.init(unsafeSQL: value) }

    public init(stringInterpolation: StringInterpolation) {
        self.init(unsafeSQL: stringInterpolation.sql, binds: stringInterpolation.binds)
    }

    /// Appends `other`, renumbering its placeholders after this query's.
    public mutating func append(_ other: StoreSQL) {
        sql += renumberPlaceholders(other.sql, offset: binds.count)
        binds += other.binds
    }

    /// The SQL text only: bound values are never printed.
    public var description: String { sql }

    var postgres: PostgresQuery { PostgresQuery(unsafeSQL: sql, binds: binds.map(\.postgresData)) }
    var sqlite: SQLiteQuery { SQLiteQuery(unsafeSQL: sql, binds: binds.map(\.sqliteValue)) }

    public struct StringInterpolation: StringInterpolationProtocol, Sendable {
        var sql = ""
        var binds: [SQLValue] = []

        public init(literalCapacity: Int, interpolationCount: Int) {
            sql.reserveCapacity(literalCapacity + interpolationCount * 3)
        }

        public mutating func appendLiteral(_ literal: String) { sql += literal }

        public mutating func appendInterpolation(_ value: some SQLBindable) {
            binds.append(value.sqlValue)
            sql += "$\(binds.count)"
        }

        public mutating func appendInterpolation<T: SQLBindable>(_ value: T?) {
            binds.append(value?.sqlValue ?? .null)
            sql += "$\(binds.count)"
        }

        /// A fragment built elsewhere (a dialect's), its placeholders renumbered.
        public mutating func appendInterpolation(_ fragment: StoreSQL) {
            sql += renumberPlaceholders(fragment.sql, offset: binds.count)
            binds += fragment.binds
        }

        /// Text used verbatim: only constants (column lists, a dialect's functions), never input.
        public mutating func appendInterpolation(unescaped text: String) { sql += text }
    }
}

/// One connection of either database, as the shared repository uses it: on the store's own thread, inside
/// `StoreDatabase.withConnection`.
public protocol StoreConnection {
    associatedtype Row: StoreRow
    func rows(_ query: StoreSQL) throws -> [Row]
    /// Runs a statement; the number of rows it changed.
    @discardableResult func run(_ query: StoreSQL) throws -> Int
}

/// A database the shared repository can lease connections of: `PostgresClient`'s pool or `SQLiteDatabase`'s one
/// connection, both running the body off the event loop on their own threads.
public protocol StoreDatabase: Sendable {
    associatedtype Connection: StoreConnection
    func withConnection<T: Sendable>(_ body: @escaping @Sendable (Connection) throws -> T) async throws -> T
    /// `body` in one transaction: committed when it returns, rolled back when it throws.
    func withTransaction<T: Sendable>(_ body: @escaping @Sendable (Connection) throws -> T) async throws -> T
}

extension StoreDatabase {
    /// The rows of `query`, each read by `read` on the database's thread.
    func query<T: Sendable>(_ query: StoreSQL, _ read: @escaping @Sendable (Connection.Row) throws -> T) async throws -> [T] {
        try await withConnection { try $0.rows(query).map(read) }
    }

    @discardableResult func run(_ query: StoreSQL) async throws -> Int {
        try await withConnection { try $0.run(query) }
    }
}

extension PostgresConnection: StoreConnection {
    public func rows(_ query: StoreSQL) throws -> [PostgresRow] { try self.query(query.postgres) }
    @discardableResult public func run(_ query: StoreSQL) throws -> Int { try execute(query.postgres) }
}

extension SQLiteConnection: StoreConnection {
    public func rows(_ query: StoreSQL) throws -> [SQLiteRow] { try self.query(query.sqlite) }
    @discardableResult public func run(_ query: StoreSQL) throws -> Int { try execute(query.sqlite) }
}

extension PostgresClient: StoreDatabase {}
extension SQLiteDatabase: StoreDatabase {}
