import CLibPQ
import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One libpq connection. Not `Sendable`: it is only ever used inside a `PostgresClient` lease closure,
/// on the client's own thread pool, where blocking calls are fine. Never let it escape the closure.
public final class PostgresConnection {
    private var handle: OpaquePointer?
    private var isBroken = false
    private var isClosed = false
    private var transactionDepth = 0
    let configuration: PostgresConfiguration
    let logger: Logger

    /// Creates an unconnected connection; the pool connects it on first lease.
    init(configuration: PostgresConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    deinit {
        if let handle { PQfinish(handle) }
    }

    // MARK: Statements

    /// Runs one statement and returns its rows (empty for statements without a result set).
    public func query(_ query: PostgresQuery) throws -> [PostgresRow] {
        let result = try execParams(query)
        defer { PQclear(result) }
        return Self.rows(of: result)
    }

    /// Runs one statement and returns the number of rows it affected (`PQcmdTuples`; 0 when not applicable).
    @discardableResult
    public func execute(_ query: PostgresQuery) throws -> Int {
        let result = try execParams(query)
        defer { PQclear(result) }
        return Self.affectedRows(of: result)
    }

    /// Runs SQL text that may hold several statements and no parameters (migrations). Raw text: never
    /// build it from input.
    public func execute(unsafeScript script: String) throws {
        let result = try execSimple(script)
        PQclear(result)
    }

    /// Runs `body` in a transaction: BEGIN, then COMMIT, or ROLLBACK when `body` throws. Nested calls use
    /// savepoints. If a statement failed inside `body` and its error was caught, the transaction cannot
    /// commit: it is rolled back and an error is thrown.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        let depth = transactionDepth
        let savepoint = "almanac_savepoint_\(depth)"
        try execute(unsafeScript: depth == 0 ? "BEGIN" : "SAVEPOINT \(savepoint)")
        transactionDepth += 1
        defer { transactionDepth = depth }
        let value: T
        do {
            value = try body()
        } catch {
            rollback(depth: depth, savepoint: savepoint)
            throw error
        }
        if let handle, PQtransactionStatus(handle) == PQTRANS_INERROR {
            rollback(depth: depth, savepoint: savepoint)
            throw PostgresError(
                code: .invalidUsage,
                message: "a statement inside the transaction failed and its error was caught; the transaction was rolled back")
        }
        do {
            try execute(unsafeScript: depth == 0 ? "COMMIT" : "RELEASE SAVEPOINT \(savepoint)")
        } catch {
            rollback(depth: depth, savepoint: savepoint)
            throw error
        }
        return value
    }

    private func rollback(depth: Int, savepoint: String) {
        guard handle != nil, !isBroken else { return }
        do {
            try execute(
                unsafeScript: depth == 0 ? "ROLLBACK" : "ROLLBACK TO SAVEPOINT \(savepoint); RELEASE SAVEPOINT \(savepoint)")
        } catch {
            logger.warning("rollback failed", metadata: ["postgres.error": "\(error)"])
        }
    }

    // MARK: COPY

    /// Bulk-loads rows with `COPY … FROM STDIN` (text format). `copySQL` is raw SQL text: table and column
    /// names must come from constants. `body` appends rows to the writer, which sends them in ~64 KiB
    /// chunks. Returns the number of rows the server stored. When the server rejects a value, or `body`
    /// throws, nothing is stored, the error is thrown, and the connection stays usable.
    public func copyFrom(_ copySQL: String, _ body: (inout PostgresCopyWriter) throws -> Void) throws -> Int {
        let handle = try openHandle()
        guard let start = PQexec(handle, copySQL) else { throw connectionError(query: copySQL) }
        let status = PQresultStatus(start)
        guard status == PGRES_COPY_IN else {
            defer { PQclear(start) }
            if status == PGRES_COPY_OUT {
                drainCopyOut(handle)
            }
            if status == PGRES_FATAL_ERROR || status == PGRES_NONFATAL_ERROR || status == PGRES_BAD_RESPONSE {
                throw makeError(start, query: copySQL)
            }
            throw PostgresError(
                code: .invalidUsage, message: "copyFrom needs a 'COPY … FROM STDIN' statement", query: copySQL)
        }
        PQclear(start)

        var writer = PostgresCopyWriter(connection: self)
        do {
            try body(&writer)
            try writer.flush()
        } catch {
            // Abort the COPY: the server discards everything and reports 57014, which we swallow.
            let reason = "aborted by the client"
            if PQputCopyEnd(handle, reason) == 1 {
                _ = drainResults(handle, query: copySQL)
            } else {
                markBrokenIfNeeded()
            }
            throw error
        }
        guard PQputCopyEnd(handle, nil) == 1 else { throw connectionError(query: copySQL) }
        return try drainResults(handle, query: copySQL).get()
    }

    /// Sends one chunk of COPY data.
    func putCopyData(_ bytes: UnsafeBufferPointer<UInt8>) throws {
        guard let handle, !isBroken else { throw connectionError(query: nil) }
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        let sent = base.withMemoryRebound(to: CChar.self, capacity: bytes.count) {
            PQputCopyData(handle, $0, Int32(bytes.count))
        }
        guard sent == 1 else { throw connectionError(query: nil) }
    }

    /// Reads every remaining result; returns the affected rows of the first, or its error.
    private func drainResults(_ handle: OpaquePointer, query: String) -> Result<Int, PostgresError> {
        var outcome: Result<Int, PostgresError>? = nil
        while let result = PQgetResult(handle) {
            let status = PQresultStatus(result)
            if outcome == nil {
                if status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK {
                    outcome = .success(Self.affectedRows(of: result))
                } else if status == PGRES_COPY_IN {
                    // Should not happen after PQputCopyEnd; end it to keep the protocol in step.
                    _ = PQputCopyEnd(handle, "unexpected COPY state")
                } else {
                    outcome = .failure(makeError(result, query: query))
                }
            }
            PQclear(result)
        }
        markBrokenIfNeeded()
        if let outcome { return outcome }
        return .failure(connectionError(query: query))
    }

    private func drainCopyOut(_ handle: OpaquePointer) {
        var buffer: UnsafeMutablePointer<CChar>? = nil
        while PQgetCopyData(handle, &buffer, 0) >= 0 {
            if let b = buffer { PQfreemem(b) }
            buffer = nil
        }
        while let result = PQgetResult(handle) { PQclear(result) }
    }

    // MARK: Execution

    private func openHandle() throws -> OpaquePointer {
        guard let handle, !isBroken else {
            throw PostgresError(code: .connectionFailure, message: "the connection is not open")
        }
        return handle
    }

    private func execParams(_ query: PostgresQuery) throws -> OpaquePointer {
        let handle = try openHandle()
        var values: [String?] = []
        values.reserveCapacity(query.binds.count)
        for (index, bind) in query.binds.enumerated() {
            let text = bind.textFormat()
            if let text, text.utf8.contains(0) {
                throw PostgresError(
                    code: .invalidUsage, message: "parameter $\(index + 1) contains a NUL byte, which PostgreSQL text cannot hold",
                    query: query.sql)
            }
            values.append(text)
        }
        let types = query.binds.map(\.typeOID)
        let result = withCStrings(values) { valuePointers in
            types.withUnsafeBufferPointer { typePointer in
                PQexecParams(
                    handle, query.sql, Int32(values.count), typePointer.baseAddress, valuePointers, nil, nil, 0)
            }
        }
        return try checked(result, query: query.sql)
    }

    private func execSimple(_ sql: String) throws -> OpaquePointer {
        let handle = try openHandle()
        return try checked(PQexec(handle, sql), query: sql)
    }

    /// Returns a successful result, or clears it and throws.
    private func checked(_ result: OpaquePointer?, query: String) throws -> OpaquePointer {
        guard let result else { throw connectionError(query: query) }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
            return result
        case PGRES_COPY_IN:
            PQclear(result)
            if let handle {
                _ = PQputCopyEnd(handle, "COPY FROM STDIN is only supported through copyFrom")
                _ = drainResults(handle, query: query)
            }
            throw PostgresError(code: .invalidUsage, message: "use copyFrom for COPY … FROM STDIN", query: query)
        case PGRES_COPY_OUT:
            PQclear(result)
            if let handle { drainCopyOut(handle) }
            throw PostgresError(code: .invalidUsage, message: "COPY … TO STDOUT is not supported", query: query)
        default:
            let error = makeError(result, query: query)
            PQclear(result)
            throw error
        }
    }

    private func makeError(_ result: OpaquePointer, query: String?) -> PostgresError {
        func field(_ code: Character) -> String? {
            guard let value = PQresultErrorField(result, Int32(code.asciiValue!)) else { return nil }
            return String(cString: value)
        }
        let message = field("M") ?? String(cString: PQresultErrorMessage(result)).trimmedLine()
        var error = PostgresError(
            code: .server, message: message.isEmpty ? "unknown server error" : message, sqlState: field("C"),
            detail: field("D"), hint: field("H"), constraint: field("n"), query: query)
        if markBrokenIfNeeded() { error.code = .connectionFailure }
        return error
    }

    private func connectionError(query: String?) -> PostgresError {
        let text = handle.map { String(cString: PQerrorMessage($0)).trimmedLine() } ?? ""
        isBroken = true
        return PostgresError(
            code: .connectionFailure, message: text.isEmpty ? "the connection to the server was lost" : text, query: query)
    }

    /// Marks the connection broken when libpq reports it is; returns whether it is broken.
    @discardableResult
    private func markBrokenIfNeeded() -> Bool {
        if let handle, PQstatus(handle) != CONNECTION_OK { isBroken = true }
        return isBroken
    }

    private static func affectedRows(of result: OpaquePointer) -> Int {
        guard let text = PQcmdTuples(result) else { return 0 }
        return Int(String(cString: text)) ?? 0
    }

    private static func rows(of result: OpaquePointer) -> [PostgresRow] {
        let fieldCount = Int(PQnfields(result))
        let rowCount = Int(PQntuples(result))
        guard fieldCount > 0 else { return [] }
        var names: [String] = []
        var types: [UInt32] = []
        for column in 0..<Int32(fieldCount) {
            names.append(String(cString: PQfname(result, column)))
            types.append(UInt32(PQftype(result, column)))
        }
        let columns = PostgresRow.Columns(names: names, typeOIDs: types)
        var rows: [PostgresRow] = []
        rows.reserveCapacity(rowCount)
        for row in 0..<Int32(rowCount) {
            var values: [String?] = []
            values.reserveCapacity(fieldCount)
            for column in 0..<Int32(fieldCount) {
                if PQgetisnull(result, row, column) == 1 {
                    values.append(nil)
                } else {
                    let length = Int(PQgetlength(result, row, column))
                    let pointer = UnsafeRawPointer(PQgetvalue(result, row, column)!)
                    values.append(String(decoding: UnsafeRawBufferPointer(start: pointer, count: length), as: UTF8.self))
                }
            }
            rows.append(PostgresRow(columns: columns, values: values))
        }
        return rows
    }

    // MARK: Lifecycle (used by the pool, on its thread)

    /// Makes the connection ready for a lease: reconnects when it was never opened, was marked broken, or
    /// libpq sees the server gone (for example after a restart).
    func prepareForUse() throws {
        guard !isClosed else { throw PostgresError(code: .clientShutdown, message: "the client has been shut down") }
        if let handle, !isBroken {
            // A server that shut down sends a FATAL message, then closes the socket: read (and parse) what
            // arrived while idle until libpq has seen both, so a dead connection is replaced before use.
            for _ in 0..<3 where Self.isReadable(handle) {
                guard PQconsumeInput(handle) == 1 else { break }
                _ = PQisBusy(handle)
            }
            if PQstatus(handle) == CONNECTION_OK, PQtransactionStatus(handle) == PQTRANS_IDLE { return }
            logger.info("PostgreSQL connection lost while idle; reconnecting")
        }
        try reconnect()
    }

    /// Whether the socket has bytes (or EOF) waiting, without blocking.
    private static func isReadable(_ handle: OpaquePointer) -> Bool {
        let socket = PQsocket(handle)
        guard socket >= 0 else { return false }
        var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
        return poll(&descriptor, 1, 0) > 0
    }

    /// Called after a lease: rolls back a transaction left open by hand.
    func finishUse() {
        transactionDepth = 0
        guard let handle, !isBroken else { return }
        switch PQtransactionStatus(handle) {
        case PQTRANS_IDLE:
            return
        case PQTRANS_INTRANS, PQTRANS_INERROR:
            logger.warning("a transaction was left open at the end of a lease; rolling back")
            if (try? execute(unsafeScript: "ROLLBACK")) == nil { isBroken = true }
        default:
            isBroken = true
        }
    }

    func close() {
        isClosed = true
        closeHandle()
    }

    private func closeHandle() {
        if let handle { PQfinish(handle) }
        handle = nil
        isBroken = false
        transactionDepth = 0
    }

    /// Connects, retrying with capped exponential backoff for up to `configuration.reconnectWindow`.
    private func reconnect() throws {
        closeHandle()
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: configuration.reconnectWindow)
        var delay = Duration.milliseconds(50)
        var attempt = 0
        while true {
            attempt += 1
            do {
                try connectOnce()
                if attempt > 1 {
                    logger.info("PostgreSQL connection re-established", metadata: ["postgres.attempts": "\(attempt)"])
                }
                return
            } catch {
                guard clock.now.advanced(by: delay) < deadline else {
                    logger.warning(
                        "cannot connect to PostgreSQL",
                        metadata: ["postgres.attempts": "\(attempt)", "postgres.error": "\(error.message)"])
                    throw error
                }
                logger.debug(
                    "PostgreSQL connection attempt failed; retrying",
                    metadata: ["postgres.attempt": "\(attempt)", "postgres.error": "\(error.message)"])
                let micros = delay.components.seconds * 1_000_000 + delay.components.attoseconds / 1_000_000_000_000
                usleep(UInt32(micros))
                delay = min(delay * 2, .seconds(1))
            }
        }
    }

    private func connectOnce() throws(PostgresError) {
        let pairs = configuration.libpqKeywords
        let connection = withCStrings(pairs.map(\.0)) { keywords in
            withCStrings(pairs.map(\.1)) { values in
                PQconnectdbParams(keywords, values, 0)
            }
        }
        guard let connection else {
            throw PostgresError(code: .connectionFailure, message: "libpq could not allocate a connection")
        }
        guard PQstatus(connection) == CONNECTION_OK else {
            let message = String(cString: PQerrorMessage(connection)).trimmedLine()
            PQfinish(connection)
            throw PostgresError(
                code: .connectionFailure,
                message: message.isEmpty ? "cannot connect to \(configuration.host):\(configuration.port)" : message)
        }
        PQsetNoticeProcessor(
            connection,
            { context, message in
                guard let context, let message else { return }
                let connection = Unmanaged<PostgresConnection>.fromOpaque(context).takeUnretainedValue()
                connection.logger.debug(
                    "PostgreSQL notice", metadata: ["postgres.notice": "\(String(cString: message).trimmedLine())"])
            }, Unmanaged.passUnretained(self).toOpaque())
        handle = connection
        isBroken = false
    }
}

/// Calls `body` with a NULL-terminated C array of C strings (nil entries are NULL pointers), all held in
/// one buffer for the duration of the call.
func withCStrings<R>(_ strings: [String?], _ body: (UnsafePointer<UnsafePointer<CChar>?>) throws -> R) rethrows -> R {
    var storage: [CChar] = []
    storage.reserveCapacity(strings.reduce(0) { $0 + ($1?.utf8.count ?? 0) + 1 })
    var offsets: [Int?] = []
    offsets.reserveCapacity(strings.count)
    for string in strings {
        guard let string else {
            offsets.append(nil)
            continue
        }
        offsets.append(storage.count)
        for byte in string.utf8 { storage.append(CChar(bitPattern: byte)) }
        storage.append(0)
    }
    return try storage.withUnsafeBufferPointer { buffer in
        var pointers: [UnsafePointer<CChar>?] = offsets.map { offset in offset.map { buffer.baseAddress! + $0 } }
        pointers.append(nil)
        return try pointers.withUnsafeBufferPointer { try body($0.baseAddress!) }
    }
}

extension String {
    /// libpq messages end with a newline (and sometimes carry "ERROR:  " prefixes): keep the text only.
    func trimmedLine() -> String {
        var text = Substring(self)
        while let last = text.last, last.isWhitespace { text.removeLast() }
        while let first = text.first, first.isWhitespace { text.removeFirst() }
        return String(text)
    }
}
