import NIOPosix
import Synchronization

/// A pool of hiredis connections with its own thread pool. Blocking hiredis calls run only on those
/// threads: never on an event loop, the cooperative pool or `NIOThreadPool.singleton`. Waiting for a free
/// connection suspends the task; it blocks no thread.
///
/// Two lanes of connections: `poolSize` shared connections serve `send`, and `blockingConnections`
/// dedicated connections serve `withConnection` leases, so a lease parked in a blocking command (`BLMOVE`)
/// never delays a heartbeat or an acknowledgement sent with `send`.
///
/// Connections open lazily. A connection broken by an I/O error or a timeout throws once (`.connection` /
/// `.timeout`) and is reconnected by its next lease, with short backoff for up to
/// `configuration.reconnectWindow`; an idle connection whose server went away is noticed and reconnected
/// before it is used. Call `shutdown()` before releasing the client.
public final class RedisClient: Sendable {
    public let configuration: RedisConfiguration
    private let threadPool: NIOThreadPool
    private let shared: Lane
    private let dedicated: Lane

    public init(configuration: RedisConfiguration, poolSize: Int = 4, blockingConnections: Int = 4) {
        precondition(poolSize > 0 && blockingConnections > 0, "pool sizes must be positive")
        self.configuration = configuration
        let threadPool = NIOThreadPool(numberOfThreads: poolSize + blockingConnections)
        threadPool.start()
        self.threadPool = threadPool
        self.shared = Lane((0..<poolSize).map { _ in ConnectionSlot(RedisConnection(configuration: configuration)) })
        self.dedicated = Lane(
            (0..<blockingConnections).map { _ in ConnectionSlot(RedisConnection(configuration: configuration)) })
    }

    /// Sends one command on a shared connection and returns its reply. Error replies throw `.server`.
    public func send(_ args: [String]) async throws -> RedisValue {
        try await run(on: shared) { try $0.send(args) }
    }

    /// Binary-safe form of `send(_:)`: each argument is passed with its length.
    public func send(_ args: [[UInt8]]) async throws -> RedisValue {
        try await run(on: shared) { try $0.send(args) }
    }

    /// Sends several commands in one round trip on a shared connection.
    public func pipeline(_ commands: [[String]]) async throws -> [Result<RedisValue, RedisError>] {
        try await run(on: shared) { try $0.pipeline(commands) }
    }

    /// Leases a dedicated connection for the length of `body`, run on the client's thread pool. Use it for
    /// blocking commands (`BLMOVE`) and for command sequences that must share one connection. The
    /// connection must not escape `body`.
    public func withConnection<T: Sendable>(_ body: @escaping @Sendable (RedisConnection) throws -> T) async throws -> T {
        try await run(on: dedicated, body)
    }

    /// Fails waiting leases, waits for running ones, closes every connection and stops the thread pool.
    public func shutdown() async {
        let waiters = shared.shutdown() + dedicated.shutdown()
        for waiter in waiters { waiter.resume(throwing: Self.shutdownError) }
        for slot in shared.slots + dedicated.slots {
            _ = try? await threadPool.runIfActive { slot.withConnection { $0.close() } }
        }
        try? await threadPool.shutdownGracefully()
    }

    private static let shutdownError = RedisError(kind: .clientShutdown, message: "the Redis client has been shut down")

    private func run<T: Sendable>(on lane: Lane, _ body: @escaping @Sendable (RedisConnection) throws -> T) async throws -> T {
        let slot = try await lane.acquire()
        defer { lane.release(slot) }
        do {
            return try await threadPool.runIfActive {
                try slot.withConnection { connection in
                    try connection.prepareForUse()
                    return try body(connection)
                }
            }
        } catch is NIOThreadPoolError.ThreadPoolInactive {
            throw Self.shutdownError
        }
    }
}

/// A set of connection slots handed out one lease at a time, with FIFO waiters.
private final class Lane: Sendable {
    let slots: [ConnectionSlot]
    private let state: Mutex<State>

    private struct State {
        var idle: [ConnectionSlot]
        var waiters: [(id: UInt64, continuation: CheckedContinuation<ConnectionSlot, any Error>)] = []
        var nextWaiterID: UInt64 = 0
        var isShutdown = false
    }

    init(_ slots: [ConnectionSlot]) {
        self.slots = slots
        self.state = Mutex(State(idle: slots.reversed()))
    }

    func acquire() async throws -> ConnectionSlot {
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
                    continuation.resume(throwing: RedisError(kind: .clientShutdown, message: "the Redis client has been shut down"))
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

    func release(_ slot: ConnectionSlot) {
        let waiter = state.withLock { state -> CheckedContinuation<ConnectionSlot, any Error>? in
            if state.waiters.isEmpty {
                state.idle.append(slot)
                return nil
            }
            return state.waiters.removeFirst().continuation
        }
        waiter?.resume(returning: slot)
    }

    func shutdown() -> [CheckedContinuation<ConnectionSlot, any Error>] {
        state.withLock { state in
            state.isShutdown = true
            let waiters = state.waiters.map(\.continuation)
            state.waiters = []
            return waiters
        }
    }
}

/// Holds one connection behind a mutex so the (non-`Sendable`) connection can be handed to a pool thread.
/// A lane gives a slot to one lease at a time, so the lock is contended only by `shutdown`.
private final class ConnectionSlot: Sendable {
    private let connection: Mutex<RedisConnection>

    init(_ connection: sending RedisConnection) {
        self.connection = Mutex(connection)
    }

    func withConnection<T: Sendable>(_ body: (RedisConnection) throws -> T) rethrows -> T {
        try connection.withLock { try body($0) }
    }
}
