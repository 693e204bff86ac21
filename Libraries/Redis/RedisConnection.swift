import CHiredis

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One hiredis connection (RESP2). Not `Sendable`: it is only used inside a `RedisClient` lease, on the
/// client's own thread pool, where blocking calls are fine. Never let it escape the lease closure.
///
/// After an I/O error or a timeout the hiredis context is unusable: the connection marks itself broken and
/// throws `.connection` / `.timeout`; the next lease reconnects it (`redisReconnect`).
public final class RedisConnection {
    private var context: UnsafeMutablePointer<redisContext>?
    private var isBroken = false
    private var isClosed = false
    private var appliedTimeout: Duration?
    let configuration: RedisConfiguration

    init(configuration: RedisConfiguration) {
        self.configuration = configuration
    }

    deinit {
        if let context { redisFree(context) }
    }

    // MARK: Commands

    /// Sends one command and waits for its reply. Error replies are thrown as `.server`.
    public func send(_ args: [String]) throws -> RedisValue {
        try send(args.map { Array($0.utf8) }, readTimeout: nil)
    }

    /// Sends one binary-safe command (each argument passed with its length) and waits for its reply.
    public func send(_ args: [[UInt8]]) throws -> RedisValue {
        try send(args, readTimeout: nil)
    }

    /// Sends one command whose reply may take longer than `configuration.commandTimeout`, such as a blocking
    /// `BLMOVE … <seconds>`: the socket waits up to `readTimeout` for this command only. Pass the blocking
    /// timeout plus a margin.
    public func send(_ args: [String], readTimeout: Duration?) throws -> RedisValue {
        try send(args.map { Array($0.utf8) }, readTimeout: readTimeout)
    }

    /// Binary-safe form of `send(_:readTimeout:)`.
    public func send(_ args: [[UInt8]], readTimeout: Duration?) throws -> RedisValue {
        guard !args.isEmpty else { throw RedisError(kind: .protocol, message: "a command needs at least one argument") }
        let context = try usableContext()
        try applyTimeout(readTimeout ?? configuration.commandTimeout, to: context)
        let raw = Self.withArgv(args) { argc, argv, lengths in redisCommandArgv(context, argc, argv, lengths) }
        guard let raw else { throw failure(context, command: args[0]) }
        let reply = raw.assumingMemoryBound(to: redisReply.self)
        defer { freeReplyObject(raw) }
        return try Self.value(of: reply)
    }

    /// Sends several commands in one round trip (pipelining) and returns each reply or server error in order.
    /// A connection failure throws for the whole batch.
    public func pipeline(_ commands: [[String]]) throws -> [Result<RedisValue, RedisError>] {
        let context = try usableContext()
        try applyTimeout(configuration.commandTimeout, to: context)
        for command in commands {
            guard !command.isEmpty else { throw RedisError(kind: .protocol, message: "a command needs at least one argument") }
            let status = Self.withArgv(command.map { Array($0.utf8) }) { argc, argv, lengths in
                redisAppendCommandArgv(context, argc, argv, lengths)
            }
            guard status == REDIS_OK else { throw failure(context, command: Array(command[0].utf8)) }
        }
        var results: [Result<RedisValue, RedisError>] = []
        results.reserveCapacity(commands.count)
        for command in commands {
            var raw: UnsafeMutableRawPointer?
            guard redisGetReply(context, &raw) == REDIS_OK, let raw else {
                throw failure(context, command: Array(command[0].utf8))
            }
            defer { freeReplyObject(raw) }
            do {
                results.append(.success(try Self.value(of: raw.assumingMemoryBound(to: redisReply.self))))
            } catch let error as RedisError {
                results.append(.failure(error))
            }
        }
        return results
    }

    // MARK: Lifecycle (used by the client)

    /// Makes the connection ready for a lease: connects when never opened, reconnects when marked broken or
    /// when the socket shows the server closed it while idle (for example after a restart).
    func prepareForUse() throws {
        guard !isClosed else { throw RedisError(kind: .clientShutdown, message: "the Redis client has been shut down") }
        if let context, !isBroken {
            if !Self.socketLooksClosed(context) { return }
            isBroken = true
        }
        try reconnect()
    }

    func close() {
        isClosed = true
        if let context { redisFree(context) }
        context = nil
    }

    private func usableContext() throws -> UnsafeMutablePointer<redisContext> {
        if isBroken || context == nil { try prepareForUse() }
        guard let context else { throw RedisError(kind: .connection, message: "not connected") }
        return context
    }

    /// Connects (or reconnects the existing context), retrying with capped exponential backoff for up to
    /// `configuration.reconnectWindow`, then authenticates and selects the database.
    private func reconnect() throws {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: configuration.reconnectWindow)
        var delay = Duration.milliseconds(20)
        while true {
            do {
                try connectOnce()
                isBroken = false
                return
            } catch let error as RedisError where error.kind == .connection || error.kind == .timeout {
                if clock.now.advanced(by: delay) >= deadline { throw error }
                Self.sleep(delay)
                delay = min(delay * 2, .milliseconds(500))
            }
        }
    }

    private func connectOnce() throws {
        appliedTimeout = nil
        if let existing = context {
            guard redisReconnect(existing) == REDIS_OK else { throw connectError(existing) }
        } else {
            let created = configuration.host.withCString { host in
                redisConnectWithTimeout(host, Int32(configuration.port), Self.makeTimeval(configuration.connectTimeout))
            }
            guard let created else {
                throw RedisError(kind: .connection, message: "cannot allocate a hiredis context")
            }
            context = created
            guard created.pointee.err == 0 else { throw connectError(created) }
        }
        guard let context else { return }
        _ = redisEnableKeepAlive(context)
        isBroken = false
        if let password = configuration.password {
            var auth = ["AUTH"]
            if let username = configuration.username { auth.append(username) }
            auth.append(password)
            do {
                _ = try send(auth)
            } catch let error as RedisError where error.kind == .server {
                isBroken = true
                throw RedisError(kind: .connection, message: "authentication failed: \(error.message)")
            }
        }
        if configuration.database != 0 {
            _ = try send(["SELECT", String(configuration.database)])
        }
    }

    private func connectError(_ context: UnsafeMutablePointer<redisContext>) -> RedisError {
        isBroken = true
        let text = Self.errorString(context)
        return RedisError(
            kind: .connection,
            message: "cannot connect to \(configuration.host):\(configuration.port): \(text.isEmpty ? "unknown error" : text)")
    }

    private func applyTimeout(_ timeout: Duration, to context: UnsafeMutablePointer<redisContext>) throws {
        guard appliedTimeout != timeout else { return }
        guard redisSetTimeout(context, Self.makeTimeval(timeout)) == REDIS_OK else {
            throw failure(context, command: Array("SETTIMEOUT".utf8))
        }
        appliedTimeout = timeout
    }

    /// Turns a failed hiredis call into an error and marks the context broken (hiredis requires a reconnect).
    private func failure(_ context: UnsafeMutablePointer<redisContext>, command: [UInt8]) -> RedisError {
        isBroken = true
        let name = String(decoding: command.prefix(32), as: UTF8.self).uppercased()
        let text = Self.errorString(context)
        let timedOut = context.pointee.err == REDIS_ERR_IO
            && (text == String(cString: strerror(EAGAIN)) || text == String(cString: strerror(EWOULDBLOCK)))
        if timedOut {
            return RedisError(kind: .timeout, message: "\(name): no reply within the read timeout")
        }
        switch context.pointee.err {
        case REDIS_ERR_PROTOCOL, REDIS_ERR_OOM:
            return RedisError(kind: .protocol, message: "\(name): \(text)")
        default:
            return RedisError(kind: .connection, message: "\(name): \(text.isEmpty ? "connection lost" : text)")
        }
    }

    // MARK: Helpers

    private static func errorString(_ context: UnsafeMutablePointer<redisContext>) -> String {
        withUnsafeBytes(of: context.pointee.errstr) { buffer in
            let bytes = buffer.prefix { $0 != 0 }
            return String(decoding: bytes, as: UTF8.self)
        }
    }

    /// True when an idle connection's socket is readable (EOF or reset: nothing else is expected from a
    /// RESP2 server between commands) or in error.
    private static func socketLooksClosed(_ context: UnsafeMutablePointer<redisContext>) -> Bool {
        let fd = context.pointee.fd
        guard fd >= 0 else { return true }
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let ready = poll(&descriptor, 1, 0)
        return ready != 0
    }

    private static func makeTimeval(_ duration: Duration) -> timeval {
        let (seconds, attoseconds) = duration.components
        return timeval(tv_sec: Int(max(0, seconds)), tv_usec: Int(max(0, attoseconds) / 1_000_000_000_000))
    }

    private static func sleep(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        var request = timespec(tv_sec: Int(seconds), tv_nsec: Int(attoseconds / 1_000_000_000))
        var remaining = timespec()
        while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
    }

    /// Lays the arguments out in one buffer and calls `body` with argc, argv and the argument lengths.
    private static func withArgv<R>(
        _ args: [[UInt8]],
        _ body: (Int32, UnsafeMutablePointer<UnsafePointer<CChar>?>, UnsafePointer<Int>) -> R
    ) -> R {
        var storage: [UInt8] = []
        storage.reserveCapacity(args.reduce(1) { $0 + $1.count })
        var offsets: [Int] = []
        var lengths: [Int] = []
        offsets.reserveCapacity(args.count)
        lengths.reserveCapacity(args.count)
        for arg in args {
            offsets.append(storage.count)
            lengths.append(arg.count)
            storage.append(contentsOf: arg)
        }
        storage.append(0)  // never an empty buffer, so there is always a base address
        return storage.withUnsafeBufferPointer { bytes in
            let base = UnsafeRawPointer(bytes.baseAddress!).assumingMemoryBound(to: CChar.self)
            var argv: [UnsafePointer<CChar>?] = offsets.map { base + $0 }
            return argv.withUnsafeMutableBufferPointer { argvBuffer in
                lengths.withUnsafeBufferPointer { lengthBuffer in
                    body(Int32(args.count), argvBuffer.baseAddress!, lengthBuffer.baseAddress!)
                }
            }
        }
    }

    private static func value(of reply: UnsafeMutablePointer<redisReply>) throws -> RedisValue {
        let node = reply.pointee
        switch node.type {
        case REDIS_REPLY_STRING:
            return .bulk(bytes(node.str, node.len))
        case REDIS_REPLY_STATUS:
            return .status(String(decoding: bytes(node.str, node.len), as: UTF8.self))
        case REDIS_REPLY_INTEGER:
            return .integer(Int64(node.integer))
        case REDIS_REPLY_NIL:
            return .null
        case REDIS_REPLY_ERROR:
            throw RedisError(kind: .server, message: String(decoding: bytes(node.str, node.len), as: UTF8.self))
        case REDIS_REPLY_ARRAY:
            var values: [RedisValue] = []
            values.reserveCapacity(node.elements)
            for index in 0..<node.elements {
                guard let element = node.element[index] else { values.append(.null); continue }
                values.append(try value(of: element))
            }
            return .array(values)
        default:
            throw RedisError(kind: .protocol, message: "unexpected reply type \(node.type)")
        }
    }

    private static func bytes(_ pointer: UnsafeMutablePointer<CChar>?, _ count: Int) -> [UInt8] {
        guard let pointer, count > 0 else { return [] }
        return Array(UnsafeRawBufferPointer(start: pointer, count: count).bindMemory(to: UInt8.self))
    }
}
