import NIOPosix
import Synchronization

/// A SQLite database file with one connection, used from its own single-thread `NIOThreadPool`: every
/// SQLite call runs on that thread, never on an event loop or the cooperative pool, and calls are
/// serialised (SQLite allows one writer at a time anyway).
///
/// Call `close()` before releasing the database.
public final class SQLiteDatabase: Sendable {
    public let path: String
    private let threadPool: NIOThreadPool
    private let connection: Mutex<SQLiteConnection?>
    private let isClosed = Mutex(false)

    /// Opens or creates the file at `path` (its folder must exist) in WAL mode with a 5 s busy timeout,
    /// foreign keys on and `synchronous = NORMAL`. Opening is quick; it runs on the calling thread.
    public init(path: String) throws {
        let connection = try SQLiteConnection(path: path)
        self.path = path
        self.connection = Mutex(connection)
        threadPool = NIOThreadPool(numberOfThreads: 1)
        threadPool.start()
    }

    /// Runs `body` with the connection on the database's thread. The connection must not escape `body`;
    /// a transaction left open by hand is rolled back afterwards.
    public func withConnection<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        guard !isClosed.withLock({ $0 }) else { throw Self.closedError }
        do {
            return try await threadPool.runIfActive {
                try self.connection.withLock { connection in
                    guard let connection else {
                        throw SQLiteError(code: SQLiteError.misuse, message: "the database is closed")
                    }
                    defer { connection.finishUse() }
                    return try body(connection)
                }
            }
        } catch is NIOThreadPoolError.ThreadPoolInactive {
            throw Self.closedError
        } catch let error as CancellationError {
            // A stopped thread pool cancels work submitted to it.
            throw isClosed.withLock({ $0 }) ? Self.closedError : error
        }
    }

    private static var closedError: SQLiteError {
        SQLiteError(code: SQLiteError.misuse, message: "the database is closed")
    }

    /// Runs `body` in a `BEGIN IMMEDIATE` transaction: COMMIT when it returns, ROLLBACK when it throws.
    public func withTransaction<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        try await withConnection { connection in
            try connection.transaction { try body(connection) }
        }
    }

    /// Closes the connection (after the call in progress) and stops the thread. Later calls throw.
    public func close() async {
        let alreadyClosed = isClosed.withLock { closed in
            defer { closed = true }
            return closed
        }
        guard !alreadyClosed else { return }
        _ = try? await threadPool.runIfActive {
            self.connection.withLock { connection in
                connection?.close()
                connection = nil
            }
        }
        try? await threadPool.shutdownGracefully()
    }
}
