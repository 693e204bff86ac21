import Foundation
import Jobs
import Logging
import Redis
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

enum Backend: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case redis, memory
    var testDescription: String { rawValue }
}

struct MissingPrerequisite: Error, CustomStringConvertible {
    var description: String
}

/// A driver for one test: Redis under a unique key prefix, or a fresh in-memory queue.
final class TestQueue: Sendable {
    let driver: any JobQueueDriver
    let client: RedisClient?
    let keyPrefix: String

    init(_ backend: Backend) throws {
        keyPrefix = "test:\(UUID().uuidString.prefix(8)):"
        switch backend {
        case .memory:
            driver = MemoryJobQueue()
            client = nil
        case .redis:
            let client = RedisClient(configuration: try RedisConfiguration(url: try Self.redisURL()), poolSize: 2, blockingConnections: 4)
            self.client = client
            driver = RedisJobQueue(client: client, keyPrefix: keyPrefix)
        }
    }

    /// Another driver over the same data (a second worker process would have its own client).
    func secondDriver() throws -> (any JobQueueDriver, RedisClient?) {
        guard let client else { return (driver, nil) }
        let other = RedisClient(configuration: client.configuration, poolSize: 2, blockingConnections: 2)
        return (RedisJobQueue(client: other, keyPrefix: keyPrefix), other)
    }

    func close(_ queues: QueueName...) async {
        for queue in queues { try? await driver.purge(queue: queue) }
        await client?.shutdown()
    }

    static func redisURL() throws -> String {
        guard let url = ProcessInfo.processInfo.environment["ALMANAC_TEST_REDIS_URL"], !url.isEmpty else {
            Issue.record("ALMANAC_TEST_REDIS_URL is not set: run the tests under scripts/dev-servers.sh or scripts/test.sh")
            throw MissingPrerequisite(description: "ALMANAC_TEST_REDIS_URL is not set")
        }
        return url
    }
}

func message(_ id: String, attempt: Int = 0) -> JobMessage {
    JobMessage(id: id, type: "test", payload: #"{"n":1}"#, attempt: attempt)
}

func testLogger() -> Logger {
    var logger = Logger(label: "jobs-tests")
    logger.logLevel = .warning
    return logger
}

/// Polls `condition` until it holds or `timeout` passes.
func eventually(
    timeout: Duration = .seconds(10), _ what: String = "", sourceLocation: SourceLocation = #_sourceLocation,
    _ condition: () async throws -> Bool
) async throws {
    let clock = ContinuousClock()
    let deadline = clock.now.advanced(by: timeout)
    while clock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(25))
    }
    Issue.record("timed out waiting: \(what)", sourceLocation: sourceLocation)
    throw MissingPrerequisite(description: "timed out waiting: \(what)")
}

/// Records every hook call.
final class RecordingHooks: JobHooks {
    enum Event: Equatable, Sendable {
        case started(String, attempt: Int)
        case succeeded(String)
        case willRetry(String, attempt: Int, error: String)
        case failed(String, attempt: Int, error: String, deadLettered: Bool)
    }

    private let events = Mutex<[Event]>([])
    var all: [Event] { events.withLock { $0 } }

    func started(_ message: JobMessage, queue: QueueName) async {
        events.withLock { $0.append(.started(message.id, attempt: message.attempt)) }
    }
    func succeeded(_ message: JobMessage, queue: QueueName) async {
        events.withLock { $0.append(.succeeded(message.id)) }
    }
    func willRetry(_ message: JobMessage, queue: QueueName, error: String, delay: Duration) async {
        events.withLock { $0.append(.willRetry(message.id, attempt: message.attempt, error: error)) }
    }
    func failed(_ message: JobMessage, queue: QueueName, error: String, deadLettered: Bool) async {
        events.withLock { $0.append(.failed(message.id, attempt: message.attempt, error: error, deadLettered: deadLettered)) }
    }
}

// MARK: The queue-probe executable

enum QueueProbe {
    /// Finds the `queue-probe` executable built next to the tests: `ALMANAC_QUEUE_PROBE`, else the folder of
    /// the running test binary (`.build/<triple>/debug`), else the test bundle's folder, else a `.build/debug`
    /// above this source file (the dev package linking these sources, or the root package).
    static func path() throws -> String {
        let fileManager = FileManager.default
        var candidates: [String] = []
        if let explicit = ProcessInfo.processInfo.environment["ALMANAC_QUEUE_PROBE"] { candidates.append(explicit) }
        if let executable = try? fileManager.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            candidates.append(URL(fileURLWithPath: executable).deletingLastPathComponent().appendingPathComponent("queue-probe").path)
        }
        candidates.append(Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("queue-probe").path)
        candidates.append(Bundle.main.bundleURL.appendingPathComponent("queue-probe").path)
        for start in [URL(fileURLWithPath: #filePath), URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()] {
            var directory = start.deletingLastPathComponent()
            while directory.path != "/" {
                candidates.append(directory.appendingPathComponent(".build/debug/queue-probe").path)
                directory = directory.deletingLastPathComponent()
            }
        }
        if let found = candidates.first(where: { fileManager.isExecutableFile(atPath: $0) }) { return found }
        let message = "queue-probe executable not found (build it with `swift build`; looked in \(candidates.prefix(4)))"
        Issue.record(Comment(rawValue: message))
        throw MissingPrerequisite(description: message)
    }
}

/// A running `queue-probe consume` process.
final class ProbeProcess {
    let pid: pid_t
    let stdoutPath: String
    private(set) var exitStatus: Int32?

    init(_ arguments: [String]) throws {
        let executable = try QueueProbe.path()
        stdoutPath = NSTemporaryDirectory() + "probe-\(UUID().uuidString.prefix(8)).out"
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = ProcessInfo.processInfo.environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, stdoutPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, stdoutPath + ".err", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, nil, argv, envp)
        guard result == 0 else { throw MissingPrerequisite(description: "cannot start queue-probe: \(result)") }
        self.pid = pid
    }

    /// Waits for "ready" on the probe's stdout.
    func waitUntilReady() async throws {
        try await eventually(timeout: .seconds(20), "queue-probe ready") {
            if (try? String(contentsOfFile: stdoutPath, encoding: .utf8))?.contains("ready") == true { return true }
            if let status = try? pollExit() {
                throw MissingPrerequisite(description: "queue-probe exited with \(status) before ready: \(stderrText)")
            }
            return false
        }
    }

    /// Waits for `line` on the probe's stdout (`started <id>` when a handler begins).
    func waitForLine(_ line: String) async throws {
        try await eventually(timeout: .seconds(20), "queue-probe: \(line)") {
            (try? String(contentsOfFile: stdoutPath, encoding: .utf8))?.split(separator: "\n").contains { $0 == line } == true
        }
    }

    var stderrText: String { (try? String(contentsOfFile: stdoutPath + ".err", encoding: .utf8)) ?? "" }

    func signal(_ signal: Int32) { kill(pid, signal) }

    /// The exit code (or 128 + signal) if the process has ended.
    func pollExit() throws -> Int32? {
        if let exitStatus { return exitStatus }
        var status: Int32 = 0
        guard waitpid(pid, &status, WNOHANG) == pid else { return nil }
        let code = status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        exitStatus = code
        return code
    }

    func waitForExit(timeout: Duration = .seconds(20)) async throws -> Int32 {
        try await eventually(timeout: timeout, "queue-probe exit") { try pollExit() != nil }
        return exitStatus ?? -1
    }

    /// Kills the process if it still runs and removes its output files.
    func cleanUp() {
        if (try? pollExit()) == nil {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
        }
        try? FileManager.default.removeItem(atPath: stdoutPath)
        try? FileManager.default.removeItem(atPath: stdoutPath + ".err")
    }
}

func recordedLines(_ path: String) -> [String] {
    ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
}
