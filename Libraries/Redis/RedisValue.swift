/// A RESP2 reply. Error replies are never values: they are thrown as `RedisError` with kind `.server`.
public enum RedisValue: Sendable, Hashable {
    case null
    case integer(Int64)
    case bulk([UInt8])
    case status(String)
    case array([RedisValue])

    /// A bulk string decoded as UTF-8, or a status reply; nil otherwise.
    public var string: String? {
        switch self {
        case .bulk(let bytes): String(decoding: bytes, as: UTF8.self)
        case .status(let text): text
        default: nil
        }
    }

    /// The raw bytes of a bulk string or status reply.
    public var bytes: [UInt8]? {
        switch self {
        case .bulk(let bytes): bytes
        case .status(let text): Array(text.utf8)
        default: nil
        }
    }

    /// An integer reply, or a bulk/status reply holding a decimal integer.
    public var int: Int64? {
        switch self {
        case .integer(let value): value
        case .bulk, .status: string.flatMap { Int64($0) }
        default: nil
        }
    }

    /// The elements of an array reply.
    public var array: [RedisValue]? {
        if case .array(let values) = self { return values }
        return nil
    }

    public var isNull: Bool { self == .null }
}

extension RedisValue: CustomStringConvertible {
    public var description: String {
        switch self {
        case .null: "(nil)"
        case .integer(let value): "(integer) \(value)"
        case .bulk(let bytes): "\"\(String(decoding: bytes, as: UTF8.self))\""
        case .status(let text): text
        case .array(let values): "[" + values.map(\.description).joined(separator: ", ") + "]"
        }
    }
}
