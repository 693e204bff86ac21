#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A queue name: a Redis list key (under the driver's key prefix) or an in-process queue.
public struct QueueName: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible, ExpressibleByStringLiteral {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }

    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    public var description: String { rawValue }

    public static let etl = QueueName("etl_queue")
    public static let forecast = QueueName("forecast_queue")
    public static let train = QueueName("train_queue")
}

/// One job on a queue, stored as JSON: `{"id","type","payload","attempt","enqueuedAt","requestID"}`, and
/// `"crashes"` once a delivery died with its consumer.
/// `payload` is JSON text owned by the job type; `attempt` counts earlier deliveries (0 on the first).
public struct JobMessage: Codable, Sendable, Equatable {
    public var id: String
    public var type: String
    public var payload: String
    public var attempt: Int
    /// Earlier deliveries that died with their consumer (its heartbeat expired while it held the message;
    /// set by reclaim). A worker runs such a message alone (see `JobWorker`).
    public var crashes: Int = 0
    /// Unix time in seconds (millisecond precision).
    public var enqueuedAt: Double
    public var requestID: String?

    public init(
        id: String, type: String, payload: String, attempt: Int = 0, enqueuedAt: Double = JobClock.now(),
        requestID: String? = nil
    ) {
        self.id = id
        self.type = type
        self.payload = payload
        self.attempt = attempt
        self.enqueuedAt = (enqueuedAt * 1000).rounded() / 1000
        self.requestID = requestID
    }

    /// Encodes a typed payload as the JSON text of `payload`.
    public init<Payload: Encodable>(id: String, type: String, payload: Payload, requestID: String? = nil) throws {
        let text = String(decoding: try JSONEncoder().encode(payload), as: UTF8.self)
        self.init(id: id, type: type, payload: text, requestID: requestID)
    }

    /// Decodes `payload` as a typed value.
    public func decodePayload<Payload: Decodable>(as type: Payload.Type = Payload.self) throws -> Payload {
        try JSONDecoder().decode(Payload.self, from: Data(payload.utf8))
    }

    private enum CodingKeys: String, CodingKey { case id, type, payload, attempt, crashes, enqueuedAt, requestID }

    /// Lenient: a producer that omits `attempt`, `enqueuedAt` or `requestID` (a script pushing by hand) is
    /// accepted, and a payload given as a JSON object instead of text is kept as its JSON text.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        type = try container.decode(String.self, forKey: .type)
        if let text = try? container.decode(String.self, forKey: .payload) {
            payload = text
        } else if let value = try? container.decode(JSONValue.self, forKey: .payload) {
            payload = String(decoding: try JSONEncoder().encode(value), as: UTF8.self)
        } else {
            payload = "null"
        }
        attempt = try container.decodeIfPresent(Int.self, forKey: .attempt) ?? 0
        crashes = try container.decodeIfPresent(Int.self, forKey: .crashes) ?? 0
        enqueuedAt = try container.decodeIfPresent(Double.self, forKey: .enqueuedAt) ?? 0
        requestID = try container.decodeIfPresent(String.self, forKey: .requestID)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(type, forKey: .type)
        try container.encode(payload, forKey: .payload)
        try container.encode(attempt, forKey: .attempt)
        if crashes > 0 { try container.encode(crashes, forKey: .crashes) }
        try container.encode(enqueuedAt, forKey: .enqueuedAt)
        try container.encode(requestID, forKey: .requestID)
    }

    func encoded() throws -> [UInt8] { Array(try JSONEncoder().encode(self)) }

    static func decoded(from raw: [UInt8]) throws -> JobMessage { try JSONDecoder().decode(JobMessage.self, from: Data(raw)) }

    /// Stands in for bytes that are not a message, so they can be dead-lettered and shown.
    static func undecodable(_ raw: [UInt8]) -> JobMessage {
        JobMessage(id: "undecodable", type: "undecodable", payload: String(decoding: raw.prefix(4096), as: UTF8.self), enqueuedAt: 0)
    }
}

/// A message taken from a queue by one consumer. Settle it with exactly one of `acknowledge`,
/// `retryLater`, `deadLetter` or `requeue`.
public struct Delivery: Sendable {
    public let message: JobMessage
    public let queue: QueueName
    /// The exact bytes stored in the consumer's processing list (what acknowledging removes).
    let raw: [UInt8]
    /// The consumer whose processing list holds it.
    let consumer: String

    init(message: JobMessage, queue: QueueName, raw: [UInt8], consumer: String) {
        self.message = message
        self.queue = queue
        self.raw = raw
        self.consumer = consumer
    }
}

/// How many messages sit in each part of a queue.
public struct QueueDepth: Sendable, Codable, Equatable {
    public var ready: Int
    public var processing: Int
    public var delayed: Int
    public var dead: Int

    public init(ready: Int = 0, processing: Int = 0, delayed: Int = 0, dead: Int = 0) {
        self.ready = ready
        self.processing = processing
        self.delayed = delayed
        self.dead = dead
    }
}

/// A message parked on `<queue>:dead`, with the last error and when it was parked.
public struct DeadLetter: Sendable, Codable, Equatable {
    public var message: JobMessage
    public var error: String
    /// Unix time in seconds.
    public var failedAt: Double

    public init(message: JobMessage, error: String, failedAt: Double) {
        self.message = message
        self.error = error
        self.failedAt = failedAt
    }

    private enum CodingKeys: String, CodingKey { case message, error, failedAt, raw }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if let message = try? container.decode(JobMessage.self, forKey: .message) {
            self.message = message
        } else {
            let raw = try container.decodeIfPresent(String.self, forKey: .raw) ?? ""
            self.message = JobMessage.undecodable(Array(raw.utf8))
        }
        error = try container.decodeIfPresent(String.self, forKey: .error) ?? ""
        failedAt = try container.decodeIfPresent(Double.self, forKey: .failedAt) ?? 0
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(message, forKey: .message)
        try container.encode(error, forKey: .error)
        try container.encode(failedAt, forKey: .failedAt)
    }

    func encoded() throws -> [UInt8] { Array(try JSONEncoder().encode(self)) }

    static func decoded(from raw: [UInt8]) -> DeadLetter {
        (try? JSONDecoder().decode(DeadLetter.self, from: Data(raw)))
            ?? DeadLetter(message: .undecodable(raw), error: "undecodable dead-letter entry", failedAt: 0)
    }
}

/// What one reclaim pass did: messages put back on the queue and messages dead-lettered because their
/// delivery attempts ran out.
public struct ReclaimResult: Sendable {
    public var requeued: Int
    public var deadLettered: [DeadLetter]
    public init(requeued: Int = 0, deadLettered: [DeadLetter] = []) {
        self.requeued = requeued
        self.deadLettered = deadLettered
    }
    /// Every message moved out of a dead consumer's processing list.
    public var count: Int { requeued + deadLettered.count }
}

/// Wall-clock time for message and dead-letter timestamps.
public enum JobClock {
    public static func now() -> Double { Date().timeIntervalSince1970 }
}

/// Any JSON value, to keep a payload that arrives as an object.
private enum JSONValue: Codable {
    case null, bool(Bool), number(Double), string(String), array([JSONValue]), object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Double.self) { self = .number(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([JSONValue].self) { self = .array(value) }
        else { self = .object(try container.decode([String: JSONValue].self)) }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }
}
