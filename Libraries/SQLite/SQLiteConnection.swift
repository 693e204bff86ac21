import CSQLite

/// `SQLITE_TRANSIENT` (a cast macro Swift cannot import): SQLite copies the bound bytes.
private let transientDestructor = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// One SQLite connection. Not `Sendable`: it is only used inside a `SQLiteDatabase` closure, on the
/// database's own thread, where blocking calls are fine. Never let it escape the closure.
///
/// Prepared statements are cached by SQL text, so running the same query text again (for example one
/// INSERT per row in a loop) only binds and steps.
public final class SQLiteConnection {
    private var handle: OpaquePointer?
    private var statements: [String: PreparedStatement] = [:]
    private var transactionDepth = 0
    /// The most statements kept prepared; beyond it the cache is emptied.
    static let statementCacheLimit = 256

    /// Opens (creating if needed) the database file and applies Almanac's settings: WAL journal, a 5 s
    /// busy timeout, foreign keys enforced, `synchronous = NORMAL`.
    init(path: String) throws {
        var db: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        let status = sqlite3_open_v2(path, &db, flags, nil)
        guard status == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            if let db { sqlite3_close_v2(db) }
            throw SQLiteError(code: status, message: "cannot open SQLite database at '\(path)': \(message)")
        }
        handle = db
        sqlite3_extended_result_codes(db, 1)
        sqlite3_busy_timeout(db, 5000)
        let mode = try query("PRAGMA journal_mode = WAL").first.flatMap { try $0.decode(String?.self, at: 0) }
        if mode?.lowercased() != "wal" && path != ":memory:" && !path.isEmpty {
            throw SQLiteError(
                code: SQLiteError.misuse, message: "cannot switch '\(path)' to WAL mode (journal_mode is \(mode ?? "unknown"))")
        }
        try execute(unsafeScript: "PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;")
    }

    deinit {
        close()
    }

    func close() {
        for statement in statements.values { sqlite3_finalize(statement.handle) }
        statements = [:]
        if let handle { sqlite3_close_v2(handle) }
        handle = nil
    }

    /// The rowid of the most recent successful INSERT on this connection.
    public var lastInsertRowID: Int64 { handle.map { sqlite3_last_insert_rowid($0) } ?? 0 }
    /// Rows changed by the most recent INSERT, UPDATE or DELETE.
    public var changes: Int { handle.map { Int(sqlite3_changes64($0)) } ?? 0 }

    // MARK: Statements

    /// Runs one statement and returns its rows.
    public func query(_ query: SQLiteQuery) throws -> [SQLiteRow] {
        var rows: [SQLiteRow] = []
        try run(query) { statement, columns in
            rows.append(SQLiteRow(columns: columns, values: Self.values(of: statement, count: columns.count)))
        }
        return rows
    }

    /// Runs one statement and returns the number of rows it changed.
    @discardableResult
    public func execute(_ query: SQLiteQuery) throws -> Int {
        try run(query) { _, _ in }
        return changes
    }

    /// Runs SQL text that may hold several statements and no parameters (migrations). Raw text: never
    /// build it from input.
    public func execute(unsafeScript script: String) throws {
        let db = try openHandle()
        var errorMessage: UnsafeMutablePointer<CChar>?
        let status = sqlite3_exec(db, script, nil, nil, &errorMessage)
        guard status == SQLITE_OK else {
            let message = errorMessage.map { String(cString: $0) } ?? String(cString: sqlite3_errmsg(db))
            sqlite3_free(errorMessage)
            throw SQLiteError(code: sqlite3_extended_errcode(db), message: message, query: script)
        }
    }

    /// Runs `body` in a transaction (`BEGIN IMMEDIATE`, so the write lock is taken up front), committing
    /// when it returns and rolling back when it throws. Nested calls use savepoints.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        let depth = transactionDepth
        let savepoint = "almanac_savepoint_\(depth)"
        try execute(unsafeScript: depth == 0 ? "BEGIN IMMEDIATE" : "SAVEPOINT \(savepoint)")
        transactionDepth += 1
        defer { transactionDepth = depth }
        let value: T
        do {
            value = try body()
            try execute(unsafeScript: depth == 0 ? "COMMIT" : "RELEASE SAVEPOINT \(savepoint)")
        } catch {
            if let handle, sqlite3_get_autocommit(handle) == 0 {
                try? execute(
                    unsafeScript: depth == 0 ? "ROLLBACK" : "ROLLBACK TO SAVEPOINT \(savepoint); RELEASE SAVEPOINT \(savepoint)")
            }
            throw error
        }
        return value
    }

    /// Rolls back a transaction left open by hand (called after each lease).
    func finishUse() {
        transactionDepth = 0
        if let handle, sqlite3_get_autocommit(handle) == 0 {
            try? execute(unsafeScript: "ROLLBACK")
        }
    }

    // MARK: Execution

    private func openHandle() throws -> OpaquePointer {
        guard let handle else { throw SQLiteError(code: SQLiteError.misuse, message: "the database is closed") }
        return handle
    }

    private func run(_ query: SQLiteQuery, onRow: (OpaquePointer, [String]) throws -> Void) throws {
        let db = try openHandle()
        let statement = try prepared(query.sql, db: db)
        let stmt = statement.handle
        defer {
            sqlite3_reset(stmt)
            sqlite3_clear_bindings(stmt)
        }
        for (index, bindIndex) in statement.parameters.enumerated() {
            guard bindIndex < query.binds.count else {
                throw SQLiteError(
                    code: SQLiteError.misuse,
                    message: "parameter \(index + 1) refers to value \(bindIndex + 1) but only \(query.binds.count) were bound",
                    query: query.sql)
            }
            let status = Self.bind(query.binds[bindIndex], to: stmt, at: Int32(index + 1))
            guard status == SQLITE_OK else { throw error(db, status, query.sql) }
        }
        var columns: [String]? = nil
        while true {
            let status = sqlite3_step(stmt)
            if status == SQLITE_ROW {
                if columns == nil { columns = Self.columnNames(of: stmt) }
                try onRow(stmt, columns!)
            } else if status == SQLITE_DONE {
                return
            } else {
                throw error(db, status, query.sql)
            }
        }
    }

    private func error(_ db: OpaquePointer, _ status: Int32, _ sql: String) -> SQLiteError {
        let extended = sqlite3_extended_errcode(db)
        // The connection's last error matches this call's when their primary codes agree.
        let code = (extended & 0xff) == (status & 0xff) ? extended : status
        return SQLiteError(code: code, message: String(cString: sqlite3_errmsg(db)), query: sql)
    }

    private func prepared(_ sql: String, db: OpaquePointer) throws -> PreparedStatement {
        if let statement = statements[sql] { return statement }
        var stmt: OpaquePointer?
        // The tail points into the C string, so it is read while that string is alive: a tail read
        // after an implicit String-to-pointer conversion reads freed memory (seen as a flaky misuse).
        var trailing = ""
        let status = sql.withCString { text -> Int32 in
            var tail: UnsafePointer<CChar>?
            let status = sqlite3_prepare_v3(db, text, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &stmt, &tail)
            if status == SQLITE_OK, let tail { trailing = String(cString: tail) }
            return status
        }
        guard status == SQLITE_OK else { throw error(db, status, sql) }
        guard let stmt else {
            throw SQLiteError(code: SQLiteError.misuse, message: "the query holds no statement", query: sql)
        }
        if !trailing.allSatisfy({ $0.isWhitespace || $0 == ";" }) {
            sqlite3_finalize(stmt)
            throw SQLiteError(
                code: SQLiteError.misuse,
                message: "query and execute run one statement; use execute(unsafeScript:) for several", query: sql)
        }
        var parameters: [Int] = []
        let count = sqlite3_bind_parameter_count(stmt)
        if count > 0 {
            for index in 1...count {
                guard let name = sqlite3_bind_parameter_name(stmt, index) else {
                    parameters.append(Int(index) - 1)  // anonymous `?`: positional
                    continue
                }
                let text = String(cString: name)
                guard let number = Int(text.dropFirst()), number >= 1 else {
                    sqlite3_finalize(stmt)
                    throw SQLiteError(
                        code: SQLiteError.misuse,
                        message: "parameter '\(text)' is not numbered; use $1, $2… (interpolation does this)", query: sql)
                }
                parameters.append(number - 1)
            }
        }
        if statements.count >= Self.statementCacheLimit {
            for statement in statements.values { sqlite3_finalize(statement.handle) }
            statements = [:]
        }
        let statement = PreparedStatement(handle: stmt, parameters: parameters)
        statements[sql] = statement
        return statement
    }

    private static func bind(_ value: SQLiteValue, to stmt: OpaquePointer, at index: Int32) -> Int32 {
        switch value {
        case .null:
            return sqlite3_bind_null(stmt, index)
        case .integer(let v):
            return sqlite3_bind_int64(stmt, index, v)
        case .real(let v):
            return sqlite3_bind_double(stmt, index, v)
        case .text(var v):
            return v.withUTF8 { bytes in
                guard let base = bytes.baseAddress, bytes.count > 0 else {
                    return sqlite3_bind_text(stmt, index, "", 0, transientDestructor)
                }
                return base.withMemoryRebound(to: CChar.self, capacity: bytes.count) {
                    sqlite3_bind_text64(stmt, index, $0, UInt64(bytes.count), transientDestructor, UInt8(SQLITE_UTF8))
                }
            }
        case .blob(let v):
            guard !v.isEmpty else { return sqlite3_bind_zeroblob(stmt, index, 0) }
            return v.withUnsafeBytes { sqlite3_bind_blob64(stmt, index, $0.baseAddress, UInt64($0.count), transientDestructor) }
        }
    }

    private static func columnNames(of stmt: OpaquePointer) -> [String] {
        (0..<sqlite3_column_count(stmt)).map { column in
            sqlite3_column_name(stmt, column).map { String(cString: $0) } ?? "column\(column + 1)"
        }
    }

    private static func values(of stmt: OpaquePointer, count: Int) -> [SQLiteValue] {
        var values: [SQLiteValue] = []
        values.reserveCapacity(count)
        for column in 0..<Int32(count) {
            switch sqlite3_column_type(stmt, column) {
            case SQLITE_INTEGER:
                values.append(.integer(sqlite3_column_int64(stmt, column)))
            case SQLITE_FLOAT:
                values.append(.real(sqlite3_column_double(stmt, column)))
            case SQLITE_TEXT:
                let text = sqlite3_column_text(stmt, column)
                let length = Int(sqlite3_column_bytes(stmt, column))
                values.append(.text(text.map { String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self) } ?? ""))
            case SQLITE_BLOB:
                let blob = sqlite3_column_blob(stmt, column)
                let length = Int(sqlite3_column_bytes(stmt, column))
                values.append(.blob(blob.map { Array(UnsafeRawBufferPointer(start: $0, count: length)) } ?? []))
            default:
                values.append(.null)
            }
        }
        return values
    }
}

private struct PreparedStatement {
    let handle: OpaquePointer
    /// For each parameter slot (1-based position minus one), the index into `SQLiteQuery.binds`.
    let parameters: [Int]
}
