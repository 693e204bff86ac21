/// Where and how to connect. Built from a URL such as
/// `postgres://user:secret@db.example.com:5432/almanac?sslmode=require`.
public struct PostgresConfiguration: Sendable, Hashable {
    /// TLS negotiation, as libpq's `sslmode`.
    public enum SSLMode: String, Sendable, Hashable, CaseIterable {
        case disable, allow, prefer, require
        case verifyCA = "verify-ca"
        case verifyFull = "verify-full"
    }

    /// Host name, IP address, or (starting with `/`) the directory of a Unix socket.
    public var host: String
    public var port: Int
    public var user: String
    public var password: String?
    public var database: String
    public var sslMode: SSLMode
    /// How long one connection attempt may take (libpq rounds to whole seconds, minimum 2).
    public var connectTimeout: Duration
    /// How long a lease keeps trying to (re)connect, with backoff, before it throws.
    public var reconnectWindow: Duration = .seconds(10)
    /// Shown in `pg_stat_activity`.
    public var applicationName: String
    /// Session time zone set at connect (so `timestamptz` text is in a known zone); nil keeps the server's.
    public var timeZone: String?
    /// Further libpq connection keywords passed through unchanged (`sslrootcert`, `options`…).
    public var parameters: [String: String]

    /// The query parameters a URL may carry besides `sslmode`, `connect_timeout` and `application_name`.
    public static let passThroughParameters: Set<String> = [
        "sslrootcert", "sslcert", "sslkey", "sslcrl", "options", "target_session_attrs",
        "keepalives", "keepalives_idle", "keepalives_interval", "keepalives_count", "tcp_user_timeout",
    ]

    public init(
        host: String, port: Int = 5432, user: String = "postgres", password: String? = nil, database: String? = nil,
        sslMode: SSLMode = .prefer, connectTimeout: Duration = .seconds(10), applicationName: String = "almanac",
        timeZone: String? = "UTC", parameters: [String: String] = [:]
    ) {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.database = database ?? user
        self.sslMode = sslMode
        self.connectTimeout = connectTimeout
        self.applicationName = applicationName
        self.timeZone = timeZone
        self.parameters = parameters
    }

    /// Parses `postgres://` or `postgresql://[user[:password]@]host[:port][/database][?key=value&…]`.
    /// User, password, host, database and parameter values are percent-decoded; an IPv6 host goes in
    /// brackets; a percent-encoded path as host (`%2Fvar%2Frun%2Fpostgresql`) selects a Unix socket.
    /// Throws a `PostgresError` with code `.invalidConfiguration` naming what is wrong; the password
    /// never appears in the message.
    public init(url: String) throws {
        func fail(_ message: String) -> PostgresError {
            PostgresError(code: .invalidConfiguration, message: "invalid database URL: \(message)")
        }
        var rest = Substring(url.trimmingWhitespace())
        guard let schemeEnd = rest.firstRange(of: "://") else {
            throw fail("expected it to start with postgres:// or postgresql://")
        }
        let scheme = rest[..<schemeEnd.lowerBound].lowercased()
        guard scheme == "postgres" || scheme == "postgresql" else {
            throw fail("unsupported scheme '\(scheme)' (expected postgres or postgresql)")
        }
        rest = rest[schemeEnd.upperBound...]
        if rest.contains("#") { throw fail("a fragment ('#…') is not allowed") }

        var query: Substring = ""
        if let q = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: q)...]
            rest = rest[..<q]
        }
        var path: Substring? = nil
        if let slash = rest.firstIndex(of: "/") {
            path = rest[rest.index(after: slash)...]
            rest = rest[..<slash]
        }
        // Authority: [userinfo@]host[:port]; the password may itself contain '@' only percent-encoded,
        // but be lenient and split at the last '@'.
        var user = "postgres"
        var password: String? = nil
        if let at = rest.lastIndex(of: "@") {
            let userInfo = rest[..<at]
            rest = rest[rest.index(after: at)...]
            let userPart: Substring
            if let colon = userInfo.firstIndex(of: ":") {
                userPart = userInfo[..<colon]
                guard let decoded = Self.percentDecode(userInfo[userInfo.index(after: colon)...]) else {
                    throw fail("the password contains an invalid percent-escape")
                }
                password = decoded
            } else {
                userPart = userInfo
            }
            guard let decodedUser = Self.percentDecode(userPart) else {
                throw fail("the user name contains an invalid percent-escape")
            }
            guard !decodedUser.isEmpty else { throw fail("the user name before '@' is empty") }
            user = decodedUser
        }

        var hostPart = rest
        var portPart: Substring? = nil
        if hostPart.hasPrefix("[") {
            guard let close = hostPart.firstIndex(of: "]") else {
                throw fail("the IPv6 host '\(hostPart)' has no closing ']'")
            }
            let after = hostPart[hostPart.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw fail("unexpected '\(after)' after the IPv6 host") }
                portPart = after.dropFirst()
            }
            hostPart = hostPart[hostPart.index(after: hostPart.startIndex)..<close]
        } else if let colon = hostPart.lastIndex(of: ":") {
            portPart = hostPart[hostPart.index(after: colon)...]
            hostPart = hostPart[..<colon]
        }
        guard !hostPart.isEmpty else { throw fail("the host is missing") }
        guard let host = Self.percentDecode(hostPart) else { throw fail("the host contains an invalid percent-escape") }
        if host.contains(where: { $0 == "," }) { throw fail("multiple hosts are not supported") }

        var port = 5432
        if let portPart {
            guard !portPart.isEmpty, portPart.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int(portPart),
                (1...65535).contains(value)
            else {
                throw fail("the port '\(portPart)' is not a number between 1 and 65535")
            }
            port = value
        }

        var database = user
        if let path, !path.isEmpty {
            guard let decoded = Self.percentDecode(path) else {
                throw fail("the database name contains an invalid percent-escape")
            }
            if decoded.contains("/") { throw fail("the database name '\(decoded)' contains '/'") }
            database = decoded
        }

        self.init(host: host, port: port, user: user, password: password, database: database)

        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let key: String
            let value: String
            if let eq = pair.firstIndex(of: "=") {
                guard let k = Self.percentDecode(pair[..<eq]), let v = Self.percentDecode(pair[pair.index(after: eq)...])
                else { throw fail("the parameter '\(pair[..<eq])' contains an invalid percent-escape") }
                key = k
                value = v
            } else {
                throw fail("the parameter '\(pair)' has no value ('key=value' expected)")
            }
            switch key {
            case "sslmode":
                guard let mode = SSLMode(rawValue: value) else {
                    let allowed = SSLMode.allCases.map(\.rawValue).joined(separator: ", ")
                    throw fail("sslmode '\(value)' is not one of \(allowed)")
                }
                sslMode = mode
            case "connect_timeout":
                guard let seconds = Int(value), seconds >= 0 else {
                    throw fail("connect_timeout '\(value)' is not a whole number of seconds")
                }
                connectTimeout = .seconds(seconds)
            case "application_name":
                applicationName = value
            default:
                guard Self.passThroughParameters.contains(key) else {
                    let allowed = (["sslmode", "connect_timeout", "application_name"] + Self.passThroughParameters.sorted())
                        .joined(separator: ", ")
                    throw fail("unknown parameter '\(key)' (supported: \(allowed))")
                }
                parameters[key] = value
            }
        }
    }

    /// libpq keywords and values for `PQconnectdbParams`.
    var libpqKeywords: [(String, String)] {
        var pairs: [(String, String)] = [
            ("host", host), ("port", String(port)), ("user", user), ("dbname", database),
            ("sslmode", sslMode.rawValue), ("application_name", applicationName), ("client_encoding", "UTF8"),
        ]
        if let password { pairs.append(("password", password)) }
        let seconds = connectTimeout.components.seconds + (connectTimeout.components.attoseconds > 0 ? 1 : 0)
        if seconds > 0 { pairs.append(("connect_timeout", String(max(2, seconds)))) }
        var options = parameters["options"] ?? ""
        if let timeZone {
            options += (options.isEmpty ? "" : " ") + "-c TimeZone=\(timeZone.replacingSpaces())"
        }
        if !options.isEmpty { pairs.append(("options", options)) }
        for (key, value) in parameters.sorted(by: { $0.key < $1.key }) where key != "options" {
            pairs.append((key, value))
        }
        return pairs
    }

    static func percentDecode(_ text: Substring) -> String? {
        guard text.contains("%") else { return String(text) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
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
}

extension PostgresConfiguration: CustomStringConvertible {
    /// The URL with the password masked.
    public var description: String {
        let hostText = host.contains(":") ? "[\(host)]" : host
        return "postgres://\(user)\(password == nil ? "" : ":***")@\(hostText):\(port)/\(database)?sslmode=\(sslMode.rawValue)"
    }
}

extension String {
    fileprivate func trimmingWhitespace() -> Substring {
        var text = Substring(self)
        while let first = text.first, first.isWhitespace { text.removeFirst() }
        while let last = text.last, last.isWhitespace { text.removeLast() }
        return text
    }

    /// libpq's `options` value separates words by spaces; escape them with a backslash.
    fileprivate func replacingSpaces() -> String {
        var out = ""
        for character in self {
            if character == " " || character == "\\" { out.append("\\") }
            out.append(character)
        }
        return out
    }
}
