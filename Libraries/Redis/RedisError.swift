/// The one error type of the `Redis` library.
///
/// `kind` says what failed: the server refused a command (`.server`, with the server's error code such as
/// `WRONGTYPE` in `serverCode`), the connection could not be made or was lost (`.connection`), a reply did
/// not arrive in time (`.timeout`), the reply could not be understood (`.protocol`), the configuration is
/// invalid (`.configuration`) or the client has been shut down (`.clientShutdown`).
///
/// After `.connection` and `.timeout` the connection is discarded and the next lease reconnects, so the
/// caller may retry; whether the command ran on the server is unknown.
public struct RedisError: Error, Sendable, CustomStringConvertible {
    public struct Kind: Sendable, Hashable, CustomStringConvertible {
        fileprivate enum Base: Sendable, Hashable { case server, connection, timeout, `protocol`, configuration, clientShutdown }
        fileprivate let base: Base
        fileprivate init(_ base: Base) { self.base = base }

        /// The server answered with an error reply (`-ERR …`, `-WRONGTYPE …`, `-NOSCRIPT …`).
        public static let server = Kind(.server)
        /// The connection could not be made or was lost (I/O error, EOF).
        public static let connection = Kind(.connection)
        /// No reply within the read timeout; the connection is discarded.
        public static let timeout = Kind(.timeout)
        /// A reply hiredis or this wrapper could not understand.
        public static let `protocol` = Kind(.protocol)
        /// The URL or configuration is invalid.
        public static let configuration = Kind(.configuration)
        /// The client has been shut down.
        public static let clientShutdown = Kind(.clientShutdown)

        public var description: String {
            switch base {
            case .server: "server"
            case .connection: "connection"
            case .timeout: "timeout"
            case .protocol: "protocol"
            case .configuration: "configuration"
            case .clientShutdown: "clientShutdown"
            }
        }
    }

    public var kind: Kind
    public var message: String

    public init(kind: Kind, message: String) {
        self.kind = kind
        self.message = message
    }

    /// For `.server` errors, the first word of the server's message (`ERR`, `WRONGTYPE`, `NOSCRIPT`…).
    public var serverCode: String? {
        guard kind == .server else { return nil }
        return message.split(separator: " ", maxSplits: 1).first.map(String.init)
    }

    /// The connection failed or timed out: the caller may retry, the next lease reconnects.
    public var isConnectionFailure: Bool { kind == .connection || kind == .timeout }

    public var description: String { "Redis \(kind) error: \(message)" }
}
