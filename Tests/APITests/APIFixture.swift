import API
import Config
import Foundation
import Hummingbird
import HummingbirdTesting
import Jobs
import Logging
import NIOCore
import Runtime
import Workflows
import Redis
import ServiceLifecycle
import Store
import TestSupport
import Testing

/// The two ways Almanac runs: the embedded default (SQLite, in-process queue) and the distributed one
/// (PostgreSQL, Redis). Every API test runs against both, on fresh databases and a private Redis key prefix.
enum Backend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case embedded, distributed
    var testDescription: String { rawValue }
}

struct APIFixture: Sendable {
    let runtime: AlmanacRuntime
    let directory: String
    let redis: RedisClient?

    static func make(_ backend: Backend, env extra: [String: String] = [:]) async throws -> APIFixture {
        let directory = try TestEnvironment.temporaryDirectory("api")
        var env = ["DATA_DIR": directory, "RETRY_BASE_DELAY_SECONDS": "0.05", "REQUEUE_AFTER_SECONDS": "1", "RATE_LIMIT_PER_MINUTE": "0"]
        var logger = Logger(label: "api-test")
        logger.logLevel = .warning
        let store: any Store
        let queue: any JobQueueDriver
        var redis: RedisClient?
        switch backend {
        case .embedded:
            store = try SQLiteStore(path: directory + "/almanac.sqlite", logger: logger)
            queue = MemoryJobQueue()
        case .distributed:
            let url = try await TestEnvironment.freshDatabase("api")
            env["DATABASE_URL"] = url
            env["REDIS_URL"] = try TestEnvironment.redisURL()
            store = try PostgresStore(url: url, poolSize: 4, logger: logger)
            let client = RedisClient(configuration: try RedisConfiguration(url: try TestEnvironment.redisURL()), poolSize: 4, blockingConnections: 8)
            queue = RedisJobQueue(client: client, keyPrefix: "t-\(UUID().uuidString.prefix(8)):")
            redis = client
        }
        for (k, v) in extra { env[k] = v }
        let config = try AlmanacConfiguration.load(from: env)
        try FileManager.default.createDirectory(atPath: config.uploadDirectory, withIntermediateDirectories: true)
        try await store.migrate()
        return APIFixture(runtime: AlmanacRuntime(config: config, store: store, queue: queue, logger: logger), directory: directory, redis: redis)
    }

    /// Runs `body` against the router; with `workers`, the ETL, forecast and train workers run in-process too.
    /// With `live`, through a real HTTP server on a loopback port (`client.port`) instead of the router alone.
    func test<Value: Sendable>(
        workers: Bool = false, live: Bool = false, _ body: @Sendable @escaping (any TestClientProtocol) async throws -> Value
    ) async throws -> Value {
        let services = workers ? AlmanacServices.embeddedWorkers(runtime: runtime) : []
        let app = try AlmanacApp.buildApplication(runtime: runtime, services: services)
        return try await app.test(live ? .live : .router) { client in try await body(client) }
    }

    func close() async {
        await runtime.store.shutdown()
        await redis?.shutdown()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Files in the upload directory (to check nothing is left behind by a refused upload).
    func uploadedFiles() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: runtime.config.uploadDirectory).sorted()
    }
}

/// A multipart/form-data body, built by hand as a browser or curl would send it.
struct Multipart {
    static let boundary = "----almanac-test-boundary-7d3f"

    static func body(file: [UInt8], filename: String = "sales.csv", field: String = "file", extraFields: [String: String] = [:]) -> ByteBuffer {
        var buffer = ByteBuffer()
        for (name, value) in extraFields.sorted(by: { $0.key < $1.key }) {
            buffer.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n")
        }
        buffer.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(field)\"; filename=\"\(filename)\"\r\nContent-Type: text/csv\r\n\r\n")
        buffer.writeBytes(file)
        buffer.writeString("\r\n--\(boundary)--\r\n")
        return buffer
    }

    static var headers: HTTPFields { [.contentType: "multipart/form-data; boundary=\(boundary)"] }
}

extension TestClientProtocol {
    func upload(_ csv: String, filename: String = "sales.csv", query: String = "") async throws -> TestResponse {
        try await execute(uri: "/upload" + query, method: .post, headers: Multipart.headers, body: Multipart.body(file: Array(csv.utf8), filename: filename))
    }

    func get(_ uri: String) async throws -> TestResponse { try await execute(uri: uri, method: .get) }
}

extension TestResponse {
    var json: Any? { try? JSONSerialization.jsonObject(with: Data(body.readableBytesView), options: [.fragmentsAllowed]) }
    var object: [String: Any] { json as? [String: Any] ?? [:] }
    var array: [[String: Any]] { json as? [[String: Any]] ?? [] }
    /// The rows of a paged answer, `{"data": [...], "pagination": {...}}` (seed 003's `/invoice-data`).
    var page: [[String: Any]] { object["data"] as? [[String: Any]] ?? [] }
    var error: String { object["error"] as? String ?? "<no error field in \(String(buffer: body).prefix(200))>" }
}

/// Polls until `condition` returns a value, or fails after `timeout`.
func eventually<T: Sendable>(timeout: Duration = .seconds(60), _ what: String, _ condition: @Sendable () async throws -> T?) async throws -> T {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while clock.now < deadline {
        if let v = try await condition() { return v }
        try await Task.sleep(for: .milliseconds(50))
    }
    throw EventuallyTimeout(description: "timed out waiting for \(what)")
}

/// A daily sales file: `days` days from 2024-01-01 for each category, two products per category.
func salesCSV(categories: [String] = ["alpha"], days: Int = 60, scale: Double = 1, start: String = "2024-01-01") -> String {
    var lines = ["Date,product_id,category,sales"]
    let first = DayNumber.parse(start)!
    for (ci, category) in categories.enumerated() {
        for d in 0..<days {
            let date = DayNumber.format(first + Int32(d))
            for p in 0..<2 {
                let weekly = [1.0, 1.2, 1.1, 0.9, 1.3, 0.6, 0.5][d % 7]
                let value = scale * (Double(10 + 5 * ci + p) * weekly + Double(d % 5))
                lines.append("\(date),P\(ci)-\(p),\(category),\(String(format: "%.2f", value))")
            }
        }
    }
    return lines.joined(separator: "\n") + "\n"
}

struct EventuallyTimeout: Error, CustomStringConvertible { var description: String }
