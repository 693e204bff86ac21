public import Logging
import NIOPosix
import Synchronization

/// A pool of libpq connections with its own thread pool (one thread per connection). Blocking libpq
/// calls run only on those threads: never on an event loop, the cooperative pool or
/// `NIOThreadPool.singleton`. Waiting for a free connection suspends the task; it blocks no thread.
///
/// Connections open lazily on first lease. A connection found lost at lease time (server restart) is
/// reconnected with backoff for up to `configuration.reconnectWindow`. A statement that fails because
/// the connection broke throws a `PostgresError` with `isConnectionFailure` and is not retried; the next
/// lease reconnects, so callers may retry.
///
/// Call `shutdown()` before releasing the client.
public final class PostgresClient: Sendable {
    public let configuration: PostgresConfiguration
    public let poolSize: Int
    private let logger: Logger
    private let threadPool: NIOThreadPool
    private let slots: [ConnectionSlot]
    private let state: Mutex<PoolState>

    private struct PoolState {
        var idle: [ConnectionSlot]
        var waiters: [(id: UInt64, continuation: CheckedContinuation<ConnectionSlot, any Error>)] = []
        var nextWaiterID: UInt64 = 0
        var isShutdown = false
    }

    public init(configuration: PostgresConfiguration, poolSize: Int = 4, logger: Logger) {
        precondition(poolSize > 0, "poolSize must be positive")
        self.configuration = configuration
        self.poolSize = poolSize
        self.logger = logger
        let threadPool = NIOThreadPool(numberOfThreads: poolSize)
        threadPool.start()
        self.threadPool = threadPool
        let slots = (0..<poolSize).map { index in
            var connectionLogger = logger
            connectionLogger[metadataKey: "postgres.connection"] = "\(index)"
            return ConnectionSlot(PostgresConnection(configuration: configuration, logger: connectionLogger))
        }
        self.slots = slots
        self.state = Mutex(PoolState(idle: slots.reversed()))
    }

    /// Leases a connection and runs `body` with it on the client's thread pool. The connection must not
    /// escape `body`.
    public func withConnection<T: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection) throws -> T
    ) async throws -> T {
        let slot = try await acquire()
        defer { release(slot) }
        do {
            return try await threadPool.runIfActive {
                try slot.withConnection { connection in
                    try connection.prepareForUse()
                    defer { connection.finishUse() }
                    return try body(connection)
                }
            }
        } catch is NIOThreadPoolError.ThreadPoolInactive {
            throw PostgresError(code: .clientShutdown, message: "the PostgreSQL client has been shut down")
        } catch let error as CancellationError {
            // A stopped thread pool cancels work submitted to it.
            if state.withLock({ $0.isShutdown }) {
                throw PostgresError(code: .clientShutdown, message: "the PostgreSQL client has been shut down")
            }
            throw error
        }
    }

    /// Leases a connection and runs `body` in a transaction (BEGIN … COMMIT, ROLLBACK when it throws).
    public func withTransaction<T: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection) throws -> T
    ) async throws -> T {
        try await withConnection { connection in
            try connection.transaction { try body(connection) }
        }
    }

    /// Runs one statement on a leased connection and returns its rows.
    public func query(_ query: PostgresQuery) async throws -> [PostgresRow] {
        try await withConnection { try $0.query(query) }
    }

    /// Runs one statement on a leased connection and returns the number of affected rows.
    @discardableResult
    public func execute(_ query: PostgresQuery) async throws -> Int {
        try await withConnection { try $0.execute(query) }
    }

    /// Fails waiting leases, waits for running ones, closes every connection and stops the thread pool.
    public func shutdown() async {
        let waiters = state.withLock { state in
            state.isShutdown = true
            let waiters = state.waiters
            state.waiters = []
            return waiters
        }
        for waiter in waiters {
            waiter.continuation.resume(
                throwing: PostgresError(code: .clientShutdown, message: "the PostgreSQL client has been shut down"))
        }
        // Closing takes each slot's lock, so it waits for a lease still running on that slot.
        for slot in slots {
            _ = try? await threadPool.runIfActive { slot.withConnection { $0.close() } }
        }
        do {
            try await threadPool.shutdownGracefully()
        } catch {
            logger.warning("PostgreSQL thread pool shutdown failed", metadata: ["postgres.error": "\(error)"])
        }
    }

    // MARK: Pool

    private func acquire() async throws -> ConnectionSlot {
        let id = state.withLock { state in
            state.nextWaiterID += 1
            return state.nextWaiterID
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<ConnectionSlot, any Error>) in
                enum Action { case resume(ConnectionSlot), shutdown, cancelled, wait }
                let action = state.withLock { state -> Action in
                    if state.isShutdown { return .shutdown }
                    if let slot = state.idle.popLast() { return .resume(slot) }
                    // Checked under the lock the cancellation handler also takes, so no waiter is missed.
                    if Task.isCancelled { return .cancelled }
                    state.waiters.append((id, continuation))
                    return .wait
                }
                switch action {
                case .resume(let slot): continuation.resume(returning: slot)
                case .shutdown:
                    continuation.resume(
                        throwing: PostgresError(code: .clientShutdown, message: "the PostgreSQL client has been shut down"))
                case .cancelled: continuation.resume(throwing: CancellationError())
                case .wait: break
                }
            }
        } onCancel: {
            let waiter = state.withLock { state in
                state.waiters.firstIndex { $0.id == id }.map { state.waiters.remove(at: $0) }
            }
            waiter?.continuation.resume(throwing: CancellationError())
        }
    }

    private func release(_ slot: ConnectionSlot) {
        let waiter = state.withLock { state -> CheckedContinuation<ConnectionSlot, any Error>? in
            if state.waiters.isEmpty {
                state.idle.append(slot)
                return nil
            }
            return state.waiters.removeFirst().continuation
        }
        waiter?.resume(returning: slot)
    }
}

/// Holds one connection behind a mutex so the (non-`Sendable`) connection can be handed to a pool thread.
/// The pool gives a slot to one lease at a time, so the lock is never contended except by `shutdown`.
final class ConnectionSlot: Sendable {
    private let connection: Mutex<PostgresConnection>

    init(_ connection: sending PostgresConnection) {
        self.connection = Mutex(connection)
    }

    func withConnection<T: Sendable>(_ body: (PostgresConnection) throws -> T) rethrows -> T {
        try connection.withLock { try body($0) }
    }
}
