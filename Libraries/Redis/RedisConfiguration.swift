/// Where and how to connect, usually built from a URL such as `redis://:secret@redis.internal:6379/0`.
public struct RedisConfiguration: Sendable, Hashable {
    public var host: String
    public var port: Int
    /// ACL user name (Redis 6+); nil authenticates as the default user.
    public var username: String?
    public var password: String?
    /// The logical database selected after connecting (`SELECT`).
    public var database: Int
    /// How long one connection attempt may take.
    public var connectTimeout: Duration = .seconds(5)
    /// The socket read/write timeout for a command. It must exceed the server-side timeout of any blocking
    /// command sent without an explicit `readTimeout` (BLMOVE, BLPOP); `RedisConnection.send(_:readTimeout:)`
    /// lets one blocking command wait longer.
    public var commandTimeout: Duration = .seconds(10)
    /// How long a lease keeps trying to (re)connect, with short backoff, before it throws `.connection`.
    public var reconnectWindow: Duration = .seconds(10)

    public init(host: String, port: Int = 6379, username: String? = nil, password: String? = nil, database: Int = 0) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
    }

    /// Parses `redis://[[user]:password@]host[:port][/database]`. User and password are percent-decoded; an
    /// IPv6 host goes in brackets. Throws a `RedisError` of kind `.configuration` naming what is wrong (the
    /// password never appears in the message).
    public init(url: String) throws {
        func fail(_ problem: String) -> RedisError {
            RedisError(kind: .configuration, message: "invalid Redis URL: \(problem)")
        }
        let trimmed = Self.trimmed(url)
        guard !trimmed.isEmpty else { throw fail("the URL is empty") }
        let parts = trimmed.split(separator: "://", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2 else {
            throw fail("expected redis://[:password@]host[:port][/database]")
        }
        let scheme = parts[0].lowercased()
        if scheme == "rediss" { throw fail("TLS (rediss://) is not supported by this client") }
        guard scheme == "redis" else { throw fail("unsupported scheme '\(scheme)' (expected redis://)") }
        var rest = parts[1]
        if let query = rest.firstIndex(where: { $0 == "?" || $0 == "#" }) {
            throw fail("unexpected '\(rest[query])' part (options are not supported in the URL)")
        }

        var username: String?
        var password: String?
        if let at = rest.lastIndex(of: "@") {
            let userInfo = rest[..<at]
            rest = rest[rest.index(after: at)...]
            if let colon = userInfo.firstIndex(of: ":") {
                let user = userInfo[..<colon]
                guard let decodedUser = Self.percentDecoded(user) else { throw fail("the user name is not valid percent-encoding") }
                guard let decodedPassword = Self.percentDecoded(userInfo[userInfo.index(after: colon)...]) else {
                    throw fail("the password is not valid percent-encoding")
                }
                username = decodedUser.isEmpty ? nil : decodedUser
                password = decodedPassword.isEmpty ? nil : decodedPassword
            } else if !userInfo.isEmpty {
                // redis://secret@host: a lone user-info part is the password (as redis-cli and redis-py read it).
                guard let decoded = Self.percentDecoded(userInfo) else { throw fail("the password is not valid percent-encoding") }
                password = decoded
            }
        }

        var database = 0
        if let slash = rest.firstIndex(of: "/") {
            let path = rest[rest.index(after: slash)...]
            rest = rest[..<slash]
            if !path.isEmpty {
                guard let number = Int(path), number >= 0 else {
                    throw fail("the database '\(path)' is not a non-negative number")
                }
                database = number
            }
        }

        var host: Substring
        var portText: Substring?
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { throw fail("unterminated IPv6 address '\(rest)'") }
            host = rest[rest.index(after: rest.startIndex)..<close]
            let after = rest[rest.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw fail("unexpected '\(after)' after the IPv6 address") }
                portText = after.dropFirst()
            }
        } else if let colon = rest.lastIndex(of: ":") {
            host = rest[..<colon]
            portText = rest[rest.index(after: colon)...]
        } else {
            host = rest
        }
        guard !host.isEmpty else { throw fail("the host is missing") }
        var port = 6379
        if let portText {
            guard let number = Int(portText), (1...65535).contains(number) else {
                throw fail("the port '\(portText)' is not a number between 1 and 65535")
            }
            port = number
        }
        self.init(host: String(host), port: port, username: username, password: password, database: database)
    }

    /// The URL without the password, safe to log.
    public var redactedURL: String {
        let auth = password == nil ? (username.map { "\($0)@" } ?? "") : "\(username ?? ""):***@"
        let shownHost = host.contains(":") ? "[\(host)]" : host
        return "redis://\(auth)\(shownHost):\(port)/\(database)"
    }

    private static func percentDecoded(_ text: Substring) -> String? {
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%") {
                guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                    return nil
                }
                bytes.append(high << 4 | low)
            } else {
                bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    private static func trimmed(_ text: String) -> String {
        var slice = Substring(text)
        while let first = slice.first, first.isWhitespace { slice.removeFirst() }
        while let last = slice.last, last.isWhitespace { slice.removeLast() }
        return String(slice)
    }
}
