import Foundation
import Logging
import Postgres

/// Where the throwaway servers started by scripts/test.sh are, and fresh databases for isolated tests.
public enum TestEnvironment {
    public struct Missing: Error, CustomStringConvertible {
        public var variable: String
        public var description: String { "\(variable) is not set: run the tests through scripts/test.sh (or scripts/dev-servers.sh)" }
    }

    public static func require(_ name: String) throws -> String {
        guard let v = ProcessInfo.processInfo.environment[name], !v.isEmpty else { throw Missing(variable: name) }
        return v
    }

    public static func databaseURL() throws -> String { try require("ALMANAC_TEST_DATABASE_URL") }
    public static func redisURL() throws -> String { try require("ALMANAC_TEST_REDIS_URL") }

    /// Creates an empty PostgreSQL database and returns its URL.
    public static func freshDatabase(_ prefix: String = "t") async throws -> String {
        let base = try databaseURL()
        let name = prefix.lowercased().filter { $0.isLetter || $0.isNumber } + "_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(12)
        let client = PostgresClient(configuration: try PostgresConfiguration(url: base), poolSize: 1, logger: Logger(label: "test"))
        _ = try await client.execute(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"))
        await client.shutdown()
        guard let slash = base.range(of: "/", options: .backwards) else { throw Missing(variable: "ALMANAC_TEST_DATABASE_URL") }
        var rest = String(base[slash.upperBound...])
        var query = ""
        if let q = rest.firstIndex(of: "?") { query = String(rest[q...]); rest = String(rest[..<q]) }
        return String(base[..<slash.upperBound]) + name + query
    }

    /// A TCP port on 127.0.0.1 that was free a moment ago (the kernel's pick for port 0).
    public static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EMFILE) }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw POSIXError(.EADDRNOTAVAIL) }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// A new empty temporary directory.
    public static func temporaryDirectory(_ prefix: String = "almanac") throws -> String {
        let path = NSTemporaryDirectory() + "/\(prefix)-" + UUID().uuidString.lowercased()
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Runs a shell command and returns its exit status. Spawned with posix_spawn and reaped by polling
    /// `waitpid`: Foundation's `Process.waitUntilExit` can hang when other tests spawn processes at once.
    @discardableResult
    public static func shell(_ command: String, environment: [String: String] = [:]) async throws -> Int32 {
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        let argv = ["/bin/bash", "-c", command]
        let envp = env.map { "\($0.key)=\($0.value)" }
        var pid: pid_t = 0
        let rc = withCStrings(argv) { cArgv in
            withCStrings(envp) { cEnv in posix_spawn(&pid, "/bin/bash", nil, nil, cArgv, cEnv) }
        }
        guard rc == 0 else { throw SpawnError(code: rc) }
        var status: Int32 = 0
        while true {
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid { break }
            if r < 0 && errno != EINTR { throw SpawnError(code: errno) }
            try await Task.sleep(for: .milliseconds(20))
        }
        // WIFEXITED / WEXITSTATUS by hand (the C macros are not imported).
        return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }

    public struct SpawnError: Error { public var code: Int32 }

    static func withCStrings<R>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
        let pointers = strings.map { strdup($0) } + [nil]
        defer { pointers.forEach { free($0) } }
        return body(pointers)
    }

    /// The repository root (for scripts and data).
    public static var repositoryRoot: String {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }
}
