/// The one error type of the `SQLite` library, carrying SQLite's extended result code.
/// `description` is safe to log (no SQL, no values); `debugDescription` adds the SQL text.
public struct SQLiteError: Error, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The extended result code (`SQLITE_CONSTRAINT_UNIQUE` = 2067…). Client-side errors use
    /// `SQLITE_MISUSE` (21) for misuse of the API and `SQLITE_MISMATCH` (20) for decoding failures.
    public var code: Int32
    public var message: String
    /// The SQL text of the statement that failed (never its bound values).
    public var query: String?

    public init(code: Int32, message: String, query: String? = nil) {
        self.code = code
        self.message = message
        self.query = query
    }

    /// The primary result code (the low byte of `code`).
    public var primaryCode: Int32 { code & 0xff }

    public static let busy: Int32 = 5
    public static let locked: Int32 = 6
    public static let constraint: Int32 = 19
    public static let mismatch: Int32 = 20
    public static let misuse: Int32 = 21
    public static let constraintForeignKey: Int32 = 787
    public static let constraintNotNull: Int32 = 1299
    public static let constraintPrimaryKey: Int32 = 1555
    public static let constraintUnique: Int32 = 2067

    /// Any constraint violation (UNIQUE, PRIMARY KEY, NOT NULL, CHECK, FOREIGN KEY).
    public var isConstraintViolation: Bool { primaryCode == Self.constraint }
    /// A UNIQUE or PRIMARY KEY violation (the counterpart of PostgreSQL's 23505).
    public var isUniqueViolation: Bool { code == Self.constraintUnique || code == Self.constraintPrimaryKey }
    public var isForeignKeyViolation: Bool { code == Self.constraintForeignKey }
    /// The database was locked by another connection for longer than the busy timeout.
    public var isBusy: Bool { primaryCode == Self.busy || primaryCode == Self.locked }

    public var description: String { "SQLite error \(code): \(message)" }

    public var debugDescription: String {
        query.map { "\(description)\nQUERY: \($0)" } ?? description
    }
}
