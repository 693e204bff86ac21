// queue-probe: a real, separate consumer process for the queue tests (and a handy admin tool).
//
//   queue-probe consume --redis URL --queue NAME --consumer ID [--sleep-ms N] [--concurrency N]
//                       [--record PATH] [--heartbeat-ttl-ms N] [--grace-ms N] [--reaper-ms N]
//                       [--max-attempts N] [--fail transient|permanent] [--key-prefix P]
//       Runs a JobWorker in a ServiceGroup (SIGTERM/SIGINT: graceful shutdown). The handler sleeps N ms,
//       then appends the message id to PATH (one line per completed handling), or throws with --fail.
//       Prints "ready" on stdout once consuming.
//   queue-probe push --redis URL --queue NAME --id ID [--type T] [--payload JSON] [--key-prefix P]
//   queue-probe depth --redis URL --queue NAME [--key-prefix P]

import Jobs
import Logging
import Redis
import ServiceLifecycle
import UnixSignals

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

struct ProbeError: Error, CustomStringConvertible {
    var description: String
}

struct Options {
    var command: String
    var values: [String: String] = [:]

    init(_ arguments: [String]) throws {
        guard let command = arguments.first else {
            throw ProbeError(description: "usage: queue-probe consume|push|depth --redis URL --queue NAME …")
        }
        self.command = command
        var index = 1
        while index < arguments.count {
            let name = arguments[index]
            guard name.hasPrefix("--"), index + 1 < arguments.count else {
                throw ProbeError(description: "expected --option value, got '\(name)'")
            }
            values[String(name.dropFirst(2))] = arguments[index + 1]
            index += 2
        }
    }

    func string(_ name: String) throws -> String {
        guard let value = values[name] else { throw ProbeError(description: "missing --\(name)") }
        return value
    }

    func int(_ name: String, default value: Int) throws -> Int {
        guard let text = values[name] else { return value }
        guard let number = Int(text) else { throw ProbeError(description: "--\(name) must be a whole number") }
        return number
    }
}

/// Appends lines to a file with O_APPEND, one write per line, so concurrent handlings never interleave.
final class RecordFile: Sendable {
    private let fd: Int32
    init(path: String) throws {
        fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        guard fd >= 0 else { throw ProbeError(description: "cannot open \(path)") }
    }
    func append(_ line: String) {
        let bytes = Array((line + "\n").utf8)
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        fsync(fd)
    }
}

/// Writes one unbuffered line to a file descriptor (1 stdout, 2 stderr), so a test reading the pipe sees it at once.
func writeLine(_ line: String, to fd: Int32) {
    let bytes = Array((line + "\n").utf8)
    _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
}

func consume(_ options: Options, driver: RedisJobQueue) async throws {
    let queue = QueueName(try options.string("queue"))
    let sleep = Duration.milliseconds(try options.int("sleep-ms", default: 0))
    let record = try options.values["record"].map(RecordFile.init(path:))
    let failure: JobFailure? = switch options.values["fail"] {
    case nil: nil
    case "transient": .transient("probe failure (transient)")
    case "permanent": .permanent("probe failure (permanent)")
    case let other?: throw ProbeError(description: "--fail must be transient or permanent, not \(other)")
    }
    var logger = Logger(label: "queue-probe")
    logger.logLevel = .info
    var worker = JobWorker(
        driver: driver,
        queue: queue,
        consumerID: try options.string("consumer"),
        concurrency: try options.int("concurrency", default: 1),
        retry: RetryPolicy(maxAttempts: try options.int("max-attempts", default: 3), baseDelay: .milliseconds(100), maxDelay: .seconds(1)),
        heartbeatTTL: .milliseconds(try options.int("heartbeat-ttl-ms", default: 10_000)),
        pollTimeout: .milliseconds(try options.int("poll-ms", default: 500)),
        gracePeriod: .milliseconds(try options.int("grace-ms", default: 6_000)),
        reaperInterval: .milliseconds(try options.int("reaper-ms", default: 3_000)),
        logger: logger
    ) { message in
        // A test waits for this line to signal a worker whose handler is running, not one that has only taken it.
        writeLine("started \(message.id)", to: 1)
        try await Task.sleep(for: sleep)
        if let failure { throw failure }
        record?.append(message.id)
    }
    worker.onReady = { writeLine("ready", to: 1) }
    let group = ServiceGroup(
        configuration: .init(
            services: [.init(service: worker)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            cancellationSignals: [],
            logger: logger))
    try await group.run()
}

LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }

do {
    let options = try Options(Array(CommandLine.arguments.dropFirst()))
    let client = RedisClient(configuration: try RedisConfiguration(url: try options.string("redis")), poolSize: 2, blockingConnections: 2)
    let driver = RedisJobQueue(client: client, keyPrefix: options.values["key-prefix"] ?? "")
    do {
        switch options.command {
        case "consume":
            try await consume(options, driver: driver)
        case "push":
            let message = JobMessage(
                id: try options.string("id"), type: options.values["type"] ?? "probe", payload: options.values["payload"] ?? "{}")
            try await driver.push(message, to: QueueName(try options.string("queue")))
        case "depth":
            let depth = try await driver.depth(of: QueueName(try options.string("queue")))
            writeLine("ready=\(depth.ready) processing=\(depth.processing) delayed=\(depth.delayed) dead=\(depth.dead)", to: 1)
        default:
            throw ProbeError(description: "unknown command '\(options.command)' (consume, push, depth)")
        }
    } catch {
        await client.shutdown()
        throw error
    }
    await client.shutdown()
} catch {
    writeLine("queue-probe: \(error)", to: 2)
    exit(1)
}
