import Synchronization

/// An LRU cache of decoded model versions (`MAX_MODELS_IN_CACHE` entries), keyed by kind, subject and version.
/// Versions are immutable, so an entry never goes stale; deleting a session removes its entries.
public final class ModelCache<Value: Sendable>: Sendable {
    public struct Info: Codable, Sendable {
        public var size: Int
        public var capacity: Int
        public var hits: Int
        public var misses: Int
        public var evictions: Int
        public var keys: [String]
    }

    private struct State {
        var values: [String: Value] = [:]
        /// Keys from least to most recently used.
        var order: [String] = []
        var hits = 0, misses = 0, evictions = 0
    }

    public let capacity: Int
    private let state = Mutex(State())

    public init(capacity: Int) { self.capacity = max(1, capacity) }

    public func get(_ key: String) -> Value? {
        state.withLock { s in
            guard let v = s.values[key] else {
                s.misses += 1
                return nil
            }
            s.hits += 1
            if let i = s.order.firstIndex(of: key) { s.order.remove(at: i) }
            s.order.append(key)
            return v
        }
    }

    public func put(_ key: String, _ value: Value) {
        state.withLock { s in
            if s.values.updateValue(value, forKey: key) != nil, let i = s.order.firstIndex(of: key) { s.order.remove(at: i) }
            s.order.append(key)
            while s.order.count > capacity {
                s.values[s.order.removeFirst()] = nil
                s.evictions += 1
            }
        }
    }

    /// The cached value, or `load`'s result (cached when non-nil).
    public func value(_ key: String, load: () async throws -> Value?) async rethrows -> Value? {
        if let v = get(key) { return v }
        guard let v = try await load() else { return nil }
        put(key, v)
        return v
    }

    /// Removes the entries whose key starts with `prefix`; returns how many.
    @discardableResult public func remove(prefix: String) -> Int {
        state.withLock { s in
            let gone = s.order.filter { $0.hasPrefix(prefix) }
            for k in gone { s.values[k] = nil }
            s.order.removeAll { $0.hasPrefix(prefix) }
            return gone.count
        }
    }

    @discardableResult public func clear() -> Int {
        state.withLock { s in
            let n = s.values.count
            s.values = [:]
            s.order = []
            return n
        }
    }

    public var info: Info {
        state.withLock { s in
            Info(size: s.values.count, capacity: capacity, hits: s.hits, misses: s.misses, evictions: s.evictions, keys: s.order.reversed())
        }
    }
}
