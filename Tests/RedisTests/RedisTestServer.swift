import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing
import TestSupport

/// The test Redis started by `scripts/dev-servers.sh` / `scripts/test.sh`.
enum RedisTestServer {
    /// `ALMANAC_TEST_REDIS_URL`; records a failure naming the fix when it is missing.
    static func url() throws -> String {
        guard let url = ProcessInfo.processInfo.environment["ALMANAC_TEST_REDIS_URL"], !url.isEmpty else {
            Issue.record("ALMANAC_TEST_REDIS_URL is not set: run the tests under scripts/dev-servers.sh or scripts/test.sh")
            throw MissingServer()
        }
        return url
    }

    struct MissingServer: Error {}

    /// The repository root, found from this source file with symlinks resolved (so it works from a dev
    /// package that links the test folder).
    static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    static func uniqueKey(_ name: String = #function) -> String {
        "test:\(name.prefix { $0 != "(" }):\(UUID().uuidString.prefix(8))"
    }
}

/// A private, restartable Redis (append-only file on) for tests that restart the server, so the shared test
/// Redis other suites use concurrently is never interrupted. Restarts go through
/// `scripts/lib/restart-redis.sh`, pointed at this server.
final class PrivateRedisServer {
    let port: Int
    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("almanac-redis-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        port = try TestEnvironment.freePort()
        let config = """
            port \(port)
            bind 127.0.0.1
            dir \(directory.path)
            appendonly yes
            appendfsync everysec
            save ""
            daemonize yes
            pidfile \(directory.path)/redis.pid
            logfile \(directory.path)/redis.log

            """
        try config.write(to: directory.appendingPathComponent("redis.conf"), atomically: true, encoding: .utf8)
        try Self.run("/usr/bin/env", ["redis-server", directory.appendingPathComponent("redis.conf").path])
        for _ in 0..<50 {
            if (try? Self.run("/usr/bin/env", ["redis-cli", "-p", "\(port)", "ping"])) != nil { return }
            Thread.sleep(forTimeInterval: 0.1)
        }
        throw CocoaError(.fileReadUnknown)
    }

    var url: String { "redis://127.0.0.1:\(port)/0" }

    /// Runs `scripts/lib/restart-redis.sh [downSeconds]` against this server and waits for it.
    func restart(downSeconds: Double = 0) throws {
        let script = RedisTestServer.repositoryRoot.appendingPathComponent("scripts/lib/restart-redis.sh").path
        try Self.run(
            "/usr/bin/env", ["bash", script, String(downSeconds)],
            environment: ["ALMANAC_TEST_SERVERS_DIR": directory.path, "ALMANAC_TEST_REDIS_PORT": "\(port)"])
    }

    /// Starts the restart without waiting; returns its pid (see `wait(for:)`).
    func startRestart(downSeconds: Double) throws -> pid_t {
        let script = RedisTestServer.repositoryRoot.appendingPathComponent("scripts/lib/restart-redis.sh").path
        return try Self.spawn(
            "/usr/bin/env", ["bash", script, String(downSeconds)],
            environment: ["ALMANAC_TEST_SERVERS_DIR": directory.path, "ALMANAC_TEST_REDIS_PORT": "\(port)"])
    }

    func stop() {
        _ = try? Self.run("/usr/bin/env", ["redis-cli", "-p", "\(port)", "shutdown", "nosave"])
        try? FileManager.default.removeItem(at: directory)
    }

    /// Runs a command and waits for it. Uses posix_spawn and waitpid rather than Foundation's `Process`,
    /// whose exit monitoring waits for a daemon the command leaves behind (redis-server --daemonize).
    @discardableResult
    static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws -> Int32 {
        let pid = try spawn(executable, arguments, environment: environment)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let exitCode = (status >> 8) & 0xff
        guard status & 0x7f == 0, exitCode == 0 else {
            throw CommandFailed(command: ([executable] + arguments).joined(separator: " "), status: exitCode)
        }
        return exitCode
    }

    /// Starts a command with stdout and stderr sent to /dev/null and returns its pid.
    static func spawn(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws -> pid_t {
        var merged = ProcessInfo.processInfo.environment
        for (key, value) in environment { merged[key] = value }
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = merged.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, nil, argv, envp)
        guard result == 0 else {
            throw CommandFailed(command: ([executable] + arguments).joined(separator: " "), status: result)
        }
        return pid
    }

    /// Waits for a spawned process without blocking a thread of the cooperative pool.
    static func wait(for pid: pid_t) async {
        var status: Int32 = 0
        while waitpid(pid, &status, WNOHANG) == 0 {
            try? await Task.sleep(for: .milliseconds(50))
        }
    }

    struct CommandFailed: Error, CustomStringConvertible {
        var command: String
        var status: Int32
        var description: String { "\(command) exited with \(status)" }
    }
}
