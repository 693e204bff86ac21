/// The one error type of the `Postgres` library: a server error with its SQLSTATE, a lost connection,
/// an invalid configuration, a value that cannot be decoded, or a misuse of the API.
///
/// `description` is safe to log and to show (no query text, no bound values); `debugDescription`
/// adds the server's detail and hint and the SQL text (never the bound values).
public struct PostgresError: Error, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// What kind of failure this is. Match on it (or on `sqlState` for server errors), never on messages.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        fileprivate enum Base: Sendable, Hashable {
            case server, connectionFailure, invalidConfiguration, decoding, invalidUsage, clientShutdown
        }

        fileprivate let base: Base
        fileprivate init(_ base: Base) { self.base = base }

        /// The server rejected a statement; `sqlState` says why.
        public static let server = Code(.server)
        /// The connection could not be made or was lost; the next lease reconnects, the caller may retry.
        public static let connectionFailure = Code(.connectionFailure)
        /// The database URL or configuration is invalid.
        public static let invalidConfiguration = Code(.invalidConfiguration)
        /// A column value could not be decoded into the requested Swift type.
        public static let decoding = Code(.decoding)
        /// The API was used in a way it does not support (for example a NUL byte in a text value).
        public static let invalidUsage = Code(.invalidUsage)
        /// The client has been shut down.
        public static let clientShutdown = Code(.clientShutdown)

        public var description: String {
            switch base {
            case .server: "server"
            case .connectionFailure: "connectionFailure"
            case .invalidConfiguration: "invalidConfiguration"
            case .decoding: "decoding"
            case .invalidUsage: "invalidUsage"
            case .clientShutdown: "clientShutdown"
            }
        }
    }

    public var code: Code
    /// The five-character SQLSTATE for server errors (`23505`, `40001`…), nil otherwise.
    public var sqlState: String?
    /// The primary message.
    public var message: String
    /// The server's DETAIL line, or more context for client-side errors.
    public var detail: String?
    /// The server's HINT line.
    public var hint: String?
    /// The constraint that was violated, for integrity errors.
    public var constraint: String?
    /// The SQL text of the statement that failed (never its bound values).
    public var query: String?

    public init(
        code: Code, message: String, sqlState: String? = nil, detail: String? = nil, hint: String? = nil,
        constraint: String? = nil, query: String? = nil
    ) {
        self.code = code
        self.message = message
        self.sqlState = sqlState
        self.detail = detail
        self.hint = hint
        self.constraint = constraint
        self.query = query
    }

    /// The connection failed or was lost. The connection is discarded and the next lease reconnects.
    public var isConnectionFailure: Bool { code == .connectionFailure || sqlState?.hasPrefix("08") == true }
    /// 23505 unique_violation.
    public var isUniqueViolation: Bool { sqlState == SQLState.uniqueViolation }
    /// 23503 foreign_key_violation.
    public var isForeignKeyViolation: Bool { sqlState == SQLState.foreignKeyViolation }
    /// Any class 23 integrity constraint violation.
    public var isIntegrityConstraintViolation: Bool { sqlState?.hasPrefix("23") == true }
    /// 40001 serialization_failure: retry the transaction.
    public var isSerializationFailure: Bool { sqlState == SQLState.serializationFailure }
    /// 40P01 deadlock_detected: retry the transaction.
    public var isDeadlock: Bool { sqlState == SQLState.deadlockDetected }
    /// 42601 syntax_error.
    public var isSyntaxError: Bool { sqlState == SQLState.syntaxError }

    /// SQLSTATE values callers commonly match on.
    public enum SQLState {
        public static let uniqueViolation = "23505"
        public static let foreignKeyViolation = "23503"
        public static let notNullViolation = "23502"
        public static let checkViolation = "23514"
        public static let serializationFailure = "40001"
        public static let deadlockDetected = "40P01"
        public static let syntaxError = "42601"
        public static let undefinedTable = "42P01"
        public static let invalidTextRepresentation = "22P02"
        public static let queryCanceled = "57014"
        public static let adminShutdown = "57P01"
    }

    public var description: String {
        var text = "PostgreSQL \(code) error"
        if let sqlState { text += " \(sqlState)" }
        text += ": \(message)"
        return text
    }

    public var debugDescription: String {
        var text = description
        if let detail { text += "\nDETAIL: \(detail)" }
        if let hint { text += "\nHINT: \(hint)" }
        if let constraint { text += "\nCONSTRAINT: \(constraint)" }
        if let query { text += "\nQUERY: \(query)" }
        return text
    }
}
