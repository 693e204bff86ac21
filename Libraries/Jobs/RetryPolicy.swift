/// How often and how late a failed job is tried again: `maxAttempts` deliveries in all, with capped
/// exponential backoff (`baseDelay · 2^attempt`, at most `maxDelay`) shortened by up to `jitter` (a fraction)
/// at random so retries of many jobs spread out.
public struct RetryPolicy: Sendable, Codable, Equatable {
    /// Deliveries in all, the first one included (3: one try and two retries).
    public var maxAttempts: Int
    public var baseDelay: Duration
    public var maxDelay: Duration
    /// 0 … 1: each delay is multiplied by a random factor in `1 - jitter … 1`.
    public var jitter: Double

    public init(maxAttempts: Int = 3, baseDelay: Duration = .seconds(1), maxDelay: Duration = .seconds(60), jitter: Double = 0.2) {
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.jitter = min(1, max(0, jitter))
    }

    /// The delay before the next delivery after delivery number `attempt` (0-based) failed.
    public func delay(afterAttempt attempt: Int) -> Duration {
        var generator = SystemRandomNumberGenerator()
        return delay(afterAttempt: attempt, using: &generator)
    }

    public func delay<G: RandomNumberGenerator>(afterAttempt attempt: Int, using generator: inout G) -> Duration {
        let base = Self.seconds(baseDelay)
        let cap = Self.seconds(maxDelay)
        let exponential = min(cap, base * Double(1 << min(max(0, attempt), 30)))
        let factor = jitter > 0 ? 1 - jitter * Double.random(in: 0...1, using: &generator) : 1
        return .milliseconds(Int64((exponential * factor * 1000).rounded()))
    }

    /// Whether a message that failed on delivery `attempt` (0-based) gets another delivery.
    public func allowsRetry(afterAttempt attempt: Int) -> Bool { attempt + 1 < maxAttempts }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    private enum CodingKeys: String, CodingKey { case maxAttempts, baseDelay, maxDelay, jitter }

    /// Delays are coded as seconds (`{"maxAttempts":3,"baseDelay":1,"maxDelay":60,"jitter":0.2}`).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = RetryPolicy()
        self.init(
            maxAttempts: try container.decodeIfPresent(Int.self, forKey: .maxAttempts) ?? defaults.maxAttempts,
            baseDelay: try container.decodeIfPresent(Double.self, forKey: .baseDelay).map { .milliseconds(Int64($0 * 1000)) }
                ?? defaults.baseDelay,
            maxDelay: try container.decodeIfPresent(Double.self, forKey: .maxDelay).map { .milliseconds(Int64($0 * 1000)) }
                ?? defaults.maxDelay,
            jitter: try container.decodeIfPresent(Double.self, forKey: .jitter) ?? defaults.jitter)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(maxAttempts, forKey: .maxAttempts)
        try container.encode(Self.seconds(baseDelay), forKey: .baseDelay)
        try container.encode(Self.seconds(maxDelay), forKey: .maxDelay)
        try container.encode(jitter, forKey: .jitter)
    }
}
