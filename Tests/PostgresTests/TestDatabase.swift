import Foundation
import Logging
import Postgres
import Testing

struct MissingTestDatabase: Error, CustomStringConvertible {
    var description: String {
        "ALMANAC_TEST_DATABASE_URL is not set: run the tests under scripts/dev-servers.sh, which starts a throwaway PostgreSQL and sets it"
    }
}

enum TestDatabase {
    /// The test server's URL; throws (failing the test, never skipping it) when it is missing.
    static func configuration() throws -> PostgresConfiguration {
        guard let url = ProcessInfo.processInfo.environment["ALMANAC_TEST_DATABASE_URL"], !url.isEmpty else {
            throw MissingTestDatabase()  // a thrown error fails the test; it never skips
        }
        return try PostgresConfiguration(url: url)
    }

    static var logger: Logger {
        var logger = Logger(label: "almanac.postgres.tests")
        logger.logLevel = .info
        return logger
    }

    /// Runs `body` with a fresh client and always shuts it down.
    static func withClient<T>(
        poolSize: Int = 4, configure: (inout PostgresConfiguration) -> Void = { _ in },
        _ body: (PostgresClient) async throws -> T
    ) async throws -> T {
        var configuration = try configuration()
        configure(&configuration)
        let client = PostgresClient(configuration: configuration, poolSize: poolSize, logger: logger)
        do {
            let result = try await body(client)
            await client.shutdown()
            return result
        } catch {
            await client.shutdown()
            throw error
        }
    }

    /// A table name unique to one test run (identifiers come from this constant-shaped helper, not input).
    static func tableName(_ prefix: String) -> String {
        "\(prefix)_\(UInt32.random(in: 0...UInt32.max))"
    }

    /// The repository checkout holding this file (the dev package reaches it through a symlink).
    static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }
}

struct ExpectedFailure: Error {}

#if DEBUG
let buildMode = "debug"
#else
let buildMode = "release"
#endif
