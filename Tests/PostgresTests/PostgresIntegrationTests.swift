import Foundation
import Postgres
import Testing

/// Against the real PostgreSQL from scripts/dev-servers.sh. Serialized: one test restarts the server.
@Suite("Postgres against a real server", .serialized)
struct PostgresIntegrationTests {
    static let texts = [
        "", "plain", "Zürich — 東京 🚀 ñ", "tab\there", "line\nbreak\r\nand CR\r", "back\\slash \\x00 \\N \\.",
        "quote ' and \" and $1 and %s", "  spaces  ",
    ]

    @Test func roundTripsEveryTypeIncludingNull() async throws {
        try await TestDatabase.withClient { client in
            let table = TestDatabase.tableName("roundtrip")
            try await client.withConnection { connection in
                try connection.execute(unsafeScript: """
                    CREATE TABLE \(table) (id int PRIMARY KEY, b boolean, i8 bigint, i4 integer, f8 double precision,
                                           t text, by bytea, n numeric, ts timestamptz);
                    """)
                let allBytes = (0...255).map(UInt8.init)
                let doubles = [Double.pi, -0.5, 1e-300, 1.7976931348623157e308, .infinity, -.infinity, 0]
                for (index, text) in Self.texts.enumerated() {
                    let big = index.isMultiple(of: 2) ? Int64.max : Int64.min
                    let double = doubles[index % doubles.count]
                    try connection.execute(
                        "INSERT INTO \(unescaped: table) VALUES (\(index), \(index.isMultiple(of: 2)), \(big), \(Int32.max - Int32(index)), \(double), \(text), \(allBytes), \(12.25), \("2024-02-29 13:45:00+00"))"
                    )
                }
                try connection.execute(
                    "INSERT INTO \(unescaped: table) VALUES (\(100), \(nil as Bool?), \(nil as Int64?), \(nil as Int32?), \(nil as Double?), \(nil as String?), \(nil as [UInt8]?), \(PostgresData.null), NULL)"
                )
                try connection.execute("INSERT INTO \(unescaped: table) (id, by, f8) VALUES (\(101), \([UInt8]()), \(Double.nan))")

                let rows = try connection.query("SELECT * FROM \(unescaped: table) WHERE id < 100 ORDER BY id")
                #expect(rows.count == Self.texts.count)
                for (index, row) in rows.enumerated() {
                    #expect(row.columns == ["id", "b", "i8", "i4", "f8", "t", "by", "n", "ts"])
                    #expect(try row.decode(Int.self, at: 0) == index)
                    #expect(try row.decode(Bool.self, named: "b") == index.isMultiple(of: 2))
                    #expect(try row.decode(Int64.self, named: "i8") == (index.isMultiple(of: 2) ? Int64.max : Int64.min))
                    #expect(try row.decode(Int32.self, named: "i4") == Int32.max - Int32(index))
                    #expect(try row.decode(Double.self, named: "f8") == doubles[index % doubles.count])
                    #expect(try row.decode(String.self, named: "t") == Self.texts[index])
                    #expect(try row.decode([UInt8].self, named: "by") == allBytes)
                    #expect(try row.decode(Double.self, named: "n") == 12.25)
                    #expect(try row.decode(String.self, named: "ts") == "2024-02-29 13:45:00+00", "sessions run in UTC")
                }

                let nullRow = try #require(try connection.query("SELECT * FROM \(unescaped: table) WHERE id = \(100)").first)
                for column in 1..<nullRow.columns.count {
                    #expect(nullRow.isNull(at: column))
                }
                #expect(try nullRow.decode(Bool?.self, named: "b") == nil)
                #expect(try nullRow.decode(Int64?.self, named: "i8") == nil)
                #expect(try nullRow.decode(String?.self, named: "t") == nil)
                #expect(try nullRow.decode([UInt8]?.self, named: "by") == nil)

                let special = try #require(try connection.query("SELECT by, f8 FROM \(unescaped: table) WHERE id = \(101)").first)
                #expect(try special.decode([UInt8].self, at: 0) == [])
                #expect(try special.decode(Double.self, at: 1).isNaN)

                // Typed parameters resolve expressions without casts.
                let typed = try #require(
                    try connection.query("SELECT \(Int64.max) AS big, \(2) + \(3) AS sum, \(1.5) * \(2) AS product, \(true) AND \(false) AS b").first)
                #expect(try typed.decode(Int64.self, named: "big") == Int64.max)
                #expect(try typed.decode(Int.self, named: "sum") == 5)
                #expect(try typed.decode(Double.self, named: "product") == 3)
                #expect(try typed.decode(Bool.self, named: "b") == false)
                try connection.execute(unsafeScript: "DROP TABLE \(table)")
            }
        }
    }

    @Test func parameterBindingMakesInjectionTextInert() async throws {
        try await TestDatabase.withClient { client in
            let table = TestDatabase.tableName("injection")
            let evil = "Robert'); DROP TABLE \(table); --"
            let tautology = "' OR '1'='1"
            try await client.withConnection { connection in
                try connection.execute(unsafeScript: "CREATE TABLE \(table) (name text NOT NULL)")
                try connection.execute("INSERT INTO \(unescaped: table) (name) VALUES (\(evil)), (\("alice"))")
                let stored = try connection.query("SELECT name FROM \(unescaped: table) WHERE name = \(evil)")
                #expect(try stored.map { try $0.decode(String.self, at: 0) } == [evil])
                let none = try connection.query("SELECT name FROM \(unescaped: table) WHERE name = \(tautology)")
                #expect(none.isEmpty)
                let count = try connection.query("SELECT count(*) FROM \(unescaped: table)")
                #expect(try count[0].decode(Int.self, at: 0) == 2, "the table still exists with both rows")
                try connection.execute(unsafeScript: "DROP TABLE \(table)")
            }
        }
    }

    @Test func reportsSQLStateForUniqueViolationAndSyntaxError() async throws {
        try await TestDatabase.withClient(poolSize: 1) { client in
            let table = TestDatabase.tableName("unique")
            try await client.execute(PostgresQuery(unsafeSQL: "CREATE TABLE \(table) (id int PRIMARY KEY, code text UNIQUE)"))
            try await client.execute("INSERT INTO \(unescaped: table) VALUES (\(1), \("a"))")
            let unique = try await #require(throws: PostgresError.self) {
                try await client.execute("INSERT INTO \(unescaped: table) VALUES (\(2), \("a"))")
            }
            #expect(unique.isUniqueViolation)
            #expect(unique.sqlState == "23505")
            #expect(unique.code == .server)
            #expect(unique.constraint == "\(table)_code_key")
            #expect(unique.detail?.contains("already exists") == true)
            #expect(!unique.isConnectionFailure)
            #expect(unique.query?.contains("INSERT INTO") == true)

            let syntax = try await #require(throws: PostgresError.self) {
                try await client.query("SELEC \(1)")
            }
            #expect(syntax.sqlState == "42601")
            #expect(syntax.isSyntaxError)
            #expect(syntax.description.contains("42601"))

            // The one connection is still usable after both errors.
            #expect(try await client.query("SELECT 1 AS one")[0].decode(Int.self, named: "one") == 1)
            try await client.execute(PostgresQuery(unsafeSQL: "DROP TABLE \(table)"))
        }
    }

    @Test func decodingErrorsAreClear() async throws {
        try await TestDatabase.withClient(poolSize: 1) { client in
            let row = try #require(try await client.query("SELECT 'abc'::text AS word, NULL::int AS nothing").first)
            let notInt = try #require(throws: PostgresError.self) { try row.decode(Int.self, named: "word") }
            #expect(notInt.code == .decoding)
            #expect(notInt.message.contains("'word'") && notInt.message.contains("Int"))
            let null = try #require(throws: PostgresError.self) { try row.decode(Int.self, named: "nothing") }
            #expect(null.message.contains("NULL"))
            #expect(try row.decode(Int?.self, named: "nothing") == nil)
            let unknown = try #require(throws: PostgresError.self) { try row.decode(Int.self, named: "missing") }
            #expect(unknown.message.contains("no column named 'missing'"))
            #expect(throws: PostgresError.self) { try row.decode(String.self, at: 7) }

            let nul = try await #require(throws: PostgresError.self) { try await client.query("SELECT \("a\u{0}b")") }
            #expect(nul.code == .invalidUsage)
        }
    }

    @Test func executeReturnsAffectedRowsAndScriptsRunSeveralStatements() async throws {
        try await TestDatabase.withClient(poolSize: 1) { client in
            let table = TestDatabase.tableName("affected")
            try await client.withConnection { connection in
                try connection.execute(unsafeScript: """
                    CREATE TABLE \(table) (id int PRIMARY KEY, v int);
                    INSERT INTO \(table) VALUES (1, 0), (2, 0), (3, 5);
                    """)
                #expect(try connection.execute("UPDATE \(unescaped: table) SET v = v + 1 WHERE v = \(0)") == 2)
                #expect(try connection.execute("DELETE FROM \(unescaped: table) WHERE id > \(100)") == 0)
                #expect(try connection.query("SELECT id FROM \(unescaped: table) WHERE v = \(1) ORDER BY id").map { try $0.decode(Int.self, at: 0) } == [1, 2])
                try connection.execute(unsafeScript: "DROP TABLE \(table)")
            }
        }
    }

    @Test func transactionThatThrowsLeavesNothingBehind() async throws {
        try await TestDatabase.withClient(poolSize: 1) { client in
            let table = TestDatabase.tableName("tx")
            try await client.execute(PostgresQuery(unsafeSQL: "CREATE TABLE \(table) (id int PRIMARY KEY)"))
            await #expect(throws: ExpectedFailure.self) {
                try await client.withTransaction { connection in
                    try connection.execute("INSERT INTO \(unescaped: table) VALUES (\(1)), (\(2))")
                    throw ExpectedFailure()
                }
            }
            #expect(try await client.query("SELECT count(*) FROM \(unescaped: table)")[0].decode(Int.self, at: 0) == 0)

            // A failed statement whose error is swallowed cannot commit: everything is rolled back.
            let swallowed = try await #require(throws: PostgresError.self) {
                try await client.withTransaction { connection in
                    try connection.execute("INSERT INTO \(unescaped: table) VALUES (\(1))")
                    _ = try? connection.execute("INSERT INTO \(unescaped: table) VALUES (\(1))")
                }
            }
            #expect(swallowed.code == .invalidUsage)
            #expect(try await client.query("SELECT count(*) FROM \(unescaped: table)")[0].decode(Int.self, at: 0) == 0)

            // Nested transactions are savepoints: the inner failure is undone, the outer work commits.
            let kept = try await client.withTransaction { connection in
                try connection.execute("INSERT INTO \(unescaped: table) VALUES (\(1))")
                _ = try? connection.transaction {
                    try connection.execute("INSERT INTO \(unescaped: table) VALUES (\(2))")
                    throw ExpectedFailure()
                }
                try connection.execute("INSERT INTO \(unescaped: table) VALUES (\(3))")
                return try connection.query("SELECT id FROM \(unescaped: table) ORDER BY id").map { try $0.decode(Int.self, at: 0) }
            }
            #expect(kept == [1, 3])
            try await client.execute(PostgresQuery(unsafeSQL: "DROP TABLE \(table)"))
        }
    }

    @Test func copiesOneHundredThousandRows() async throws {
        try await TestDatabase.withClient(poolSize: 1) { client in
            let table = TestDatabase.tableName("copy")
            let count = 100_000
            try await client.execute(
                PostgresQuery(unsafeSQL: "CREATE TABLE \(table) (id bigint PRIMARY KEY, name text NOT NULL, note text, value double precision)"))
            let start = ContinuousClock.now
            let stored = try await client.withConnection { connection in
                try connection.copyFrom("COPY \(table) (id, name, note, value) FROM STDIN") { writer in
                    for id in 0..<count {
                        let name = id % 1000 == 7 ? "tab\there\nnewline\\backslash\r\\N" : "row \(id)"
                        let note: String? = id.isMultiple(of: 10) ? nil : "note \(id)"
                        try writer.appendRow([String(id), name, note, String(Double(id) / 4)])
                    }
                    #expect(writer.rowCount == count)
                }
            }
            let seconds = Self.seconds(ContinuousClock.now - start)
            print("COPY: \(count) rows in \(String(format: "%.3f", seconds)) s = \(Int(Double(count) / seconds)) rows/s (\(buildMode) build)")
            #expect(stored == count)
            #expect(try await client.query("SELECT count(*) FROM \(unescaped: table)")[0].decode(Int.self, at: 0) == count)
            let rows = try await client.query("SELECT id, name, note, value FROM \(unescaped: table) WHERE id IN (\(7), \(10), \(99_999)) ORDER BY id")
            #expect(rows.count == 3)
            #expect(try rows[0].decode(String.self, named: "name") == "tab\there\nnewline\\backslash\r\\N")
            #expect(try rows[0].decode(String?.self, named: "note") == "note 7")
            #expect(try rows[1].decode(String?.self, named: "note") == nil)
            #expect(try rows[1].decode(Double.self, named: "value") == 2.5)
            #expect(try rows[2].decode(String.self, named: "name") == "row 99999")
            try await client.execute(PostgresQuery(unsafeSQL: "DROP TABLE \(table)"))
        }
    }

    @Test func failedCopyLeavesNothingAndTheConnectionStillWorks() async throws {
        try await TestDatabase.withClient(poolSize: 1) { client in
            let table = TestDatabase.tableName("copyfail")
            try await client.execute(PostgresQuery(unsafeSQL: "CREATE TABLE \(table) (id int PRIMARY KEY, v int NOT NULL)"))
            try await client.withConnection { connection in
                let bad = try #require(throws: PostgresError.self) {
                    try connection.copyFrom("COPY \(table) (id, v) FROM STDIN") { writer in
                        for id in 0..<100_000 {
                            try writer.appendRow([String(id), id == 50_000 ? "not-a-number" : String(id)])
                        }
                    }
                }
                #expect(bad.sqlState == "22P02", "\(bad)")
                #expect(!bad.isConnectionFailure)
                #expect(try connection.query("SELECT count(*) FROM \(unescaped: table)")[0].decode(Int.self, at: 0) == 0)

                // The body throwing aborts the COPY the same way.
                #expect(throws: ExpectedFailure.self) {
                    try connection.copyFrom("COPY \(table) (id, v) FROM STDIN") { writer in
                        for id in 0..<20_000 { try writer.appendRow([String(id), String(id)]) }
                        throw ExpectedFailure()
                    }
                }
                #expect(try connection.query("SELECT count(*) FROM \(unescaped: table)")[0].decode(Int.self, at: 0) == 0)

                // A statement that is not COPY FROM STDIN is refused clearly.
                let notCopy = try #require(throws: PostgresError.self) { try connection.copyFrom("SELECT 1") { _ in } }
                #expect(notCopy.code == .invalidUsage)

                // Same connection, still in step with the server.
                #expect(try connection.copyFrom("COPY \(table) (id, v) FROM STDIN") { try $0.appendRow(["1", "2"]) } == 1)
                #expect(try connection.query("SELECT v FROM \(unescaped: table)")[0].decode(Int.self, at: 0) == 2)
                try connection.execute(unsafeScript: "DROP TABLE \(table)")
            }
        }
    }

    @Test func fiftyConcurrentQueriesShareAPoolOfFour() async throws {
        try await TestDatabase.withClient(poolSize: 4) { client in
            let start = ContinuousClock.now
            let results = try await withThrowingTaskGroup(of: (Int, Int, Int).self) { group in
                for index in 0..<50 {
                    group.addTask {
                        let row = try await client.query(
                            "SELECT pg_backend_pid() AS pid, \(index)::int AS i, pg_sleep(0.02)::text AS slept")[0]
                        return (index, try row.decode(Int.self, named: "i"), try row.decode(Int.self, named: "pid"))
                    }
                }
                var results: [(Int, Int, Int)] = []
                for try await result in group { results.append(result) }
                return results
            }
            let elapsed = Self.seconds(ContinuousClock.now - start)
            #expect(results.count == 50)
            #expect(results.allSatisfy { $0.0 == $0.1 })
            let backends = Set(results.map(\.2))
            #expect(backends.count <= 4, "at most poolSize connections")
            #expect(elapsed >= 0.2, "50 × 20 ms over 4 connections cannot finish in under 0.25 s")
            print("pool: 50 queries of 20 ms over \(backends.count) connections in \(String(format: "%.3f", elapsed)) s")
        }
    }

    @Test func cancelledWaiterLeavesThePoolAndShutdownRefusesNewWork() async throws {
        var configuration = try TestDatabase.configuration()
        configuration.applicationName = "almanac-tests"
        let client = PostgresClient(configuration: configuration, poolSize: 1, logger: TestDatabase.logger)
        let busy = Task { try await client.query("SELECT pg_sleep(0.5)::text") }
        try await Task.sleep(for: .milliseconds(100))
        let waiter = Task { try await client.query("SELECT 1") }
        try await Task.sleep(for: .milliseconds(50))
        waiter.cancel()
        await #expect(throws: CancellationError.self) { try await waiter.value }
        _ = try await busy.value
        #expect(try await client.query("SELECT current_setting('application_name')")[0].decode(String.self, at: 0) == "almanac-tests")
        await client.shutdown()
        let refused = try await #require(throws: PostgresError.self) { try await client.query("SELECT 1") }
        #expect(refused.code == .clientShutdown)
    }

    @Test func reconnectsAfterTheServerKillsTheConnection() async throws {
        try await TestDatabase.withClient(poolSize: 1) { client in
            let before = try await client.query("SELECT pg_backend_pid()")[0].decode(Int.self, at: 0)
            try await TestDatabase.withClient(poolSize: 1) { admin in
                _ = try await admin.query("SELECT pg_terminate_backend(\(before)::int)")
            }
            let after = try await Self.callAfterOutage(client)
            #expect(after != before)

            // Lost in the middle of a lease: that call throws a connection failure, the next lease reconnects.
            let lost = try await #require(throws: PostgresError.self) {
                try await client.withTransaction { connection in
                    try connection.execute("SELECT pg_terminate_backend(pg_backend_pid())")
                }
            }
            #expect(lost.isConnectionFailure, "\(lost)")
            let third = try await client.query("SELECT pg_backend_pid()")[0].decode(Int.self, at: 0)
            #expect(third != after)
        }
    }

    @Test func reconnectsAfterTheServerRestarts() async throws {
        guard ProcessInfo.processInfo.environment["ALMANAC_TEST_SERVERS_DIR"] != nil else {
            Issue.record("ALMANAC_TEST_SERVERS_DIR is not set: run the tests under scripts/dev-servers.sh")
            return
        }
        try await TestDatabase.withClient(poolSize: 2) { client in
            // Open both connections.
            async let a = client.query("SELECT pg_backend_pid(), pg_sleep(0.05)::text")
            async let b = client.query("SELECT pg_backend_pid(), pg_sleep(0.05)::text")
            _ = try await (a, b)

            #expect(try await Self.waitForExit(Self.restartPostgres(pauseSeconds: 0)) == 0, "restart-postgres.sh failed")
            _ = try await Self.callAfterOutage(client)
            for _ in 0..<4 { _ = try await client.query("SELECT 1") }

            // Server down for ~2 s while a call comes in: the lease keeps reconnecting with backoff.
            let restart = try Self.restartPostgres(pauseSeconds: 2)
            try await Task.sleep(for: .milliseconds(700))
            let start = ContinuousClock.now
            _ = try await Self.callAfterOutage(client)
            print("reconnect: a call made while PostgreSQL was down succeeded after \(String(format: "%.2f", Self.seconds(ContinuousClock.now - start))) s")
            #expect(try await Self.waitForExit(restart) == 0, "restart-postgres.sh failed")
            for _ in 0..<4 { _ = try await client.query("SELECT 1") }
        }
    }

    /// Runs `SELECT pg_backend_pid()`; at most one call may fail, with `isConnectionFailure`.
    static func callAfterOutage(_ client: PostgresClient) async throws -> Int {
        do {
            return try await client.query("SELECT pg_backend_pid()")[0].decode(Int.self, at: 0)
        } catch let error as PostgresError {
            #expect(error.isConnectionFailure, "\(error)")
            print("one call failed after the outage, as allowed: \(error)")
            return try await client.query("SELECT pg_backend_pid()")[0].decode(Int.self, at: 0)
        }
    }

    /// Runs scripts/lib/restart-postgres.sh and returns its pid. (Foundation's `Process.waitUntilExit`
    /// hung here on Linux with the child already a zombie, so this spawns and reaps the child itself.)
    static func restartPostgres(pauseSeconds: Int) throws -> pid_t {
        let script = TestDatabase.repositoryRoot.appendingPathComponent("scripts/lib/restart-postgres.sh").path
        let arguments = ["/bin/bash", script, String(pauseSeconds)]
        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, "/bin/bash", nil, nil, argv, environ)
        guard status == 0 else { throw POSIXError(POSIXErrorCode(rawValue: status) ?? .EINVAL) }
        return pid
    }

    /// Polls for the child's exit without blocking a thread; returns its exit status.
    static func waitForExit(_ pid: pid_t) async throws -> Int32 {
        var status: Int32 = 0
        while true {
            let reaped = waitpid(pid, &status, WNOHANG)
            if reaped == pid { return (status >> 8) & 0xff }
            if reaped < 0 { return -1 }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
