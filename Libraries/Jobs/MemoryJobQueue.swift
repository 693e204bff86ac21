import Synchronization

/// The in-process twin of `RedisJobQueue` (the embedded default and tests): the same lists, moves and
/// semantics, held in memory. A consumer "dies" here only with the process, so reclaim handles consumers
/// that stopped heartbeating (a stuck or abandoned consumer), as Redis does.
public final class MemoryJobQueue: JobQueueDriver {
    private let state = Mutex(State())
    private let clock = ContinuousClock()

    public init() {}

    private struct Waiter {
        var id: UInt64
        var queue: QueueName
        var consumer: String
        var continuation: CheckedContinuation<Delivery?, Never>
    }

    private struct QueueState {
        /// Head (next to run) at the back of `front`… see `Deque`.
        var ready = Deque()
        var processing: [String: [[UInt8]]] = [:]  // newest first, like LMOVE … LEFT
        var delayed: [(due: Double, raw: [UInt8])] = []
        var dead: [[UInt8]] = []  // newest first
        var heartbeats: [String: ContinuousClock.Instant] = [:]
        var consumers: Set<String> = []
    }

    private struct State {
        var queues: [QueueName: QueueState] = [:]
        var waiters: [Waiter] = []
        var nextWaiterID: UInt64 = 0
    }

    private typealias Resumption = (CheckedContinuation<Delivery?, Never>, Delivery?)

    public func push(_ message: JobMessage, to queue: QueueName) async throws {
        let raw = try message.encoded()
        resume(state.withLock { state in
            state.queues[queue, default: QueueState()].ready.pushTail(raw)
            return Self.dispatch(&state, queue)
        })
    }

    public func pop(from queue: QueueName, consumer: String, timeout: Duration) async throws -> Delivery? {
        let id = state.withLock { state in
            state.nextWaiterID += 1
            return state.nextWaiterID
        }
        let delivery: Delivery? = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Delivery?, Never>) in
                let immediate = state.withLock { state -> Resumption? in
                    if let raw = state.queues[queue]?.ready.popHead() {
                        return (continuation, Self.take(&state, raw, queue, consumer))
                    }
                    if Task.isCancelled || timeout <= .zero { return (continuation, nil) }
                    state.waiters.append(Waiter(id: id, queue: queue, consumer: consumer, continuation: continuation))
                    return nil
                }
                if let immediate {
                    immediate.0.resume(returning: immediate.1)
                } else {
                    Task { [weak self] in
                        try? await Task.sleep(for: timeout)
                        self?.cancelWaiter(id)
                    }
                }
            }
        } onCancel: {
            cancelWaiter(id)
        }
        guard let delivery else { return nil }
        if delivery.message.id == "undecodable", delivery.message.type == "undecodable" {
            try await deadLetter(delivery, error: "undecodable message")
            return nil
        }
        return delivery
    }

    public func acknowledge(_ delivery: Delivery) async throws {
        state.withLock { state in _ = Self.removeHeld(&state, delivery) }
    }

    public func retryLater(_ delivery: Delivery, delay: Duration, error: String, countsAsAttempt: Bool) async throws {
        var next = delivery.message
        if countsAsAttempt { next.attempt += 1 }
        let raw = try next.encoded()
        let due = JobClock.now() + Self.seconds(delay)
        state.withLock { state in
            guard Self.removeHeld(&state, delivery) else { return }
            state.queues[delivery.queue, default: QueueState()].delayed.append((due, raw))
        }
    }

    public func deadLetter(_ delivery: Delivery, error: String) async throws {
        let entry = try DeadLetter(message: delivery.message, error: error, failedAt: JobClock.now()).encoded()
        state.withLock { state in
            guard Self.removeHeld(&state, delivery) else { return }
            state.queues[delivery.queue, default: QueueState()].dead.insert(entry, at: 0)
        }
    }

    public func requeue(_ delivery: Delivery) async throws {
        resume(state.withLock { state in
            guard Self.removeHeld(&state, delivery) else { return [] }
            state.queues[delivery.queue, default: QueueState()].ready.pushHead(delivery.raw)
            return Self.dispatch(&state, delivery.queue)
        })
    }

    public func heartbeat(consumer: String, queue: QueueName, ttl: Duration) async throws {
        let expiry = clock.now.advanced(by: ttl)
        state.withLock { state in
            state.queues[queue, default: QueueState()].heartbeats[consumer] = expiry
            state.queues[queue, default: QueueState()].consumers.insert(consumer)
        }
    }

    public func reclaim(queue: QueueName, maxAttempts: Int) async throws -> ReclaimResult {
        let now = clock.now
        let (result, resumptions) = state.withLock { state -> (ReclaimResult, [Resumption]) in
            guard var queueState = state.queues[queue] else { return (ReclaimResult(), []) }
            var result = ReclaimResult()
            for consumer in queueState.consumers.sorted() {
                if let expiry = queueState.heartbeats[consumer], expiry > now { continue }
                let reason = "consumer \(consumer) stopped (heartbeat expired) while holding the message"
                for raw in (queueState.processing[consumer] ?? []).reversed() {
                    guard var message = try? JobMessage.decoded(from: raw) else {
                        let entry = DeadLetter(message: .undecodable(raw), error: "undecodable message", failedAt: JobClock.now())
                        if let encoded = try? entry.encoded() { queueState.dead.insert(encoded, at: 0) }
                        result.deadLettered.append(entry)
                        continue
                    }
                    message.attempt += 1
                    message.crashes += 1
                    if message.attempt >= max(1, maxAttempts) {
                        let entry = DeadLetter(message: message, error: reason + "; attempts exhausted", failedAt: JobClock.now())
                        if let encoded = try? entry.encoded() { queueState.dead.insert(encoded, at: 0) }
                        result.deadLettered.append(entry)
                    } else if let encoded = try? message.encoded() {
                        queueState.ready.pushHead(encoded)
                        result.requeued += 1
                    }
                }
                queueState.processing[consumer] = nil
                queueState.heartbeats[consumer] = nil
                queueState.consumers.remove(consumer)
            }
            state.queues[queue] = queueState
            return (result, Self.dispatch(&state, queue))
        }
        resume(resumptions)
        return result
    }

    public func promoteDueRetries(queue: QueueName) async throws -> Int {
        let now = JobClock.now()
        let (count, resumptions) = state.withLock { state -> (Int, [Resumption]) in
            guard var queueState = state.queues[queue] else { return (0, []) }
            let due = queueState.delayed.filter { $0.due <= now }.sorted { $0.due < $1.due }
            queueState.delayed.removeAll { $0.due <= now }
            for item in due { queueState.ready.pushTail(item.raw) }
            state.queues[queue] = queueState
            return (due.count, Self.dispatch(&state, queue))
        }
        resume(resumptions)
        return count
    }

    public func recoverUnacknowledged(queue: QueueName, consumer: String) async throws -> Int {
        let (count, resumptions) = state.withLock { state -> (Int, [Resumption]) in
            guard let held = state.queues[queue]?.processing[consumer], !held.isEmpty else { return (0, []) }
            state.queues[queue]?.processing[consumer] = nil
            for raw in held { state.queues[queue]?.ready.pushHead(raw) }  // newest first, oldest ends at the head
            return (held.count, Self.dispatch(&state, queue))
        }
        resume(resumptions)
        return count
    }

    public func pendingJobIDs(_ ids: [String], queue: QueueName) async throws -> Set<String> {
        let wanted = Set(ids)
        guard !wanted.isEmpty else { return [] }
        let raws: [[UInt8]] = state.withLock { state in
            guard let queueState = state.queues[queue] else { return [] }
            return queueState.ready.items + queueState.delayed.map(\.raw) + queueState.processing.values.flatMap { $0 }
        }
        var found: Set<String> = []
        for raw in raws {
            if let id = try? JobMessage.decoded(from: raw).id, wanted.contains(id) { found.insert(id) }
        }
        return found
    }

    public func depth(of queue: QueueName) async throws -> QueueDepth {
        state.withLock { state in
            guard let queueState = state.queues[queue] else { return QueueDepth() }
            return QueueDepth(
                ready: queueState.ready.count,
                processing: queueState.processing.values.reduce(0) { $0 + $1.count },
                delayed: queueState.delayed.count,
                dead: queueState.dead.count)
        }
    }

    public func liveConsumers(queue: QueueName) async throws -> [String] {
        let now = clock.now
        return state.withLock { state in
            (state.queues[queue]?.heartbeats ?? [:]).filter { $0.value > now }.keys.sorted()
        }
    }

    public func deadLetters(queue: QueueName, limit: Int) async throws -> [DeadLetter] {
        let entries = state.withLock { state in Array((state.queues[queue]?.dead ?? []).prefix(max(0, limit))) }
        return entries.map(DeadLetter.decoded(from:))
    }

    public func purge(queue: QueueName) async throws {
        state.withLock { state in state.queues[queue] = nil }
    }

    // MARK: Internals

    private func cancelWaiter(_ id: UInt64) {
        let waiter = state.withLock { state in
            state.waiters.firstIndex { $0.id == id }.map { state.waiters.remove(at: $0) }
        }
        waiter?.continuation.resume(returning: nil)
    }

    private func resume(_ resumptions: [Resumption]) {
        for (continuation, delivery) in resumptions { continuation.resume(returning: delivery) }
    }

    /// Hands ready messages to waiting consumers, oldest waiter first.
    private static func dispatch(_ state: inout State, _ queue: QueueName) -> [Resumption] {
        var resumptions: [Resumption] = []
        while let index = state.waiters.firstIndex(where: { $0.queue == queue }),
            let raw = state.queues[queue]?.ready.popHead()
        {
            let waiter = state.waiters.remove(at: index)
            resumptions.append((waiter.continuation, take(&state, raw, queue, waiter.consumer)))
        }
        return resumptions
    }

    /// Moves `raw` into the consumer's processing list and makes its delivery.
    private static func take(_ state: inout State, _ raw: [UInt8], _ queue: QueueName, _ consumer: String) -> Delivery {
        state.queues[queue, default: QueueState()].processing[consumer, default: []].insert(raw, at: 0)
        let message = (try? JobMessage.decoded(from: raw)) ?? .undecodable(raw)
        return Delivery(message: message, queue: queue, raw: raw, consumer: consumer)
    }

    /// Removes one copy of the delivery from its processing list; false when it is no longer held.
    private static func removeHeld(_ state: inout State, _ delivery: Delivery) -> Bool {
        guard var held = state.queues[delivery.queue]?.processing[delivery.consumer],
            let index = held.firstIndex(of: delivery.raw)
        else { return false }
        held.remove(at: index)
        state.queues[delivery.queue]?.processing[delivery.consumer] = held.isEmpty ? nil : held
        return true
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}

/// A double-ended queue of raw messages: two stacks, amortised O(1) at both ends.
struct Deque {
    private var head: [[UInt8]] = []  // head.last is the next to run
    private var tail: [[UInt8]] = []  // tail.last is the most recently pushed

    var count: Int { head.count + tail.count }
    /// Every item, in no particular order.
    var items: [[UInt8]] { head + tail }

    mutating func pushTail(_ raw: [UInt8]) { tail.append(raw) }
    mutating func pushHead(_ raw: [UInt8]) { head.append(raw) }

    mutating func popHead() -> [UInt8]? {
        if head.isEmpty {
            head = tail.reversed()
            tail.removeAll()
        }
        return head.popLast()
    }
}
