import Foundation
import SQLite
import Testing

/// Runs `body` with a database in a fresh temporary file, then closes it and removes the files.
func withTemporaryDatabase<T>(_ body: (SQLiteDatabase, String) async throws -> T) async throws -> T {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("almanac-sqlite-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let path = directory.appendingPathComponent("test.sqlite").path
    let database = try SQLiteDatabase(path: path)
    do {
        let result = try await body(database, path)
        await database.close()
        return result
    } catch {
        await database.close()
        throw error
    }
}

struct ExpectedFailure: Error {}

@Suite("SQLite")
struct SQLiteTests {
    static let texts = [
        "", "plain", "Zürich — 東京 🚀 ñ", "tab\there", "line\nbreak\r\n", "back\\slash", "quote ' and \" and $1",
        "nul \u{0} inside",
    ]

    @Test func interpolationProducesNumberedParameters() {
        let name = "x'; DROP TABLE t; --"
        let query: SQLiteQuery = "SELECT * FROM \(unescaped: "t") WHERE a = \(1) AND b = \(name) AND c = \(nil as Double?) AND d = \(true)"
        #expect(query.sql == "SELECT * FROM t WHERE a = $1 AND b = $2 AND c = $3 AND d = $4")
        #expect(query.binds == [.integer(1), .text(name), .null, .integer(1)])
    }

    @Test func opensInWALModeWithForeignKeys() async throws {
        try await withTemporaryDatabase { database, path in
            let settings = try await database.withConnection { connection in
                (
                    try connection.query("PRAGMA journal_mode")[0].decode(String.self, at: 0),
                    try connection.query("PRAGMA foreign_keys")[0].decode(Int.self, at: 0),
                    try connection.query("PRAGMA synchronous")[0].decode(Int.self, at: 0),
                    try connection.query("PRAGMA busy_timeout")[0].decode(Int.self, at: 0)
                )
            }
            #expect(settings.0 == "wal")
            #expect(settings.1 == 1)
            #expect(settings.2 == 1, "synchronous = NORMAL")
            #expect(settings.3 == 5000)
            #expect(FileManager.default.fileExists(atPath: path))
        }
    }

    @Test func roundTripsEveryTypeIncludingNull() async throws {
        try await withTemporaryDatabase { database, _ in
            let allBytes = (0...255).map(UInt8.init)
            try await database.withConnection { connection in
                try connection.execute(unsafeScript: "CREATE TABLE t (id INTEGER PRIMARY KEY, i INTEGER, r REAL, s TEXT, b BLOB, flag INTEGER)")
                for (index, text) in Self.texts.enumerated() {
                    let big = index.isMultiple(of: 2) ? Int64.max : Int64.min
                    try connection.execute(
                        "INSERT INTO t (id, i, r, s, b, flag) VALUES (\(index), \(big), \(Double.pi * Double(index)), \(text), \(allBytes), \(index.isMultiple(of: 3)))")
                }
                try connection.execute("INSERT INTO t (id, i, r, s, b, flag) VALUES (\(100), \(nil as Int?), \(nil as Double?), \(nil as String?), \(nil as [UInt8]?), \(SQLiteValue.null))")
                try connection.execute("INSERT INTO t (id, s, b) VALUES (\(101), \(""), \([UInt8]()))")

                let rows = try connection.query("SELECT id, i, r, s, b, flag FROM t WHERE id < 100 ORDER BY id")
                #expect(rows.count == Self.texts.count)
                for (index, row) in rows.enumerated() {
                    #expect(row.columns == ["id", "i", "r", "s", "b", "flag"])
                    #expect(try row.decode(Int.self, at: 0) == index)
                    #expect(try row.decode(Int64.self, named: "i") == (index.isMultiple(of: 2) ? Int64.max : Int64.min))
                    #expect(try row.decode(Double.self, named: "r") == Double.pi * Double(index))
                    #expect(try row.decode(String.self, named: "s") == Self.texts[index])
                    #expect(try row.decode([UInt8].self, named: "b") == allBytes)
                    #expect(try row.decode(Bool.self, named: "flag") == index.isMultiple(of: 3))
                }
                let nullRow = try connection.query("SELECT i, r, s, b, flag FROM t WHERE id = \(100)")[0]
                for column in 0..<5 { #expect(nullRow.isNull(at: column)) }
                #expect(try nullRow.decode(Int?.self, named: "i") == nil)
                #expect(try nullRow.decode(String?.self, named: "s") == nil)
                let empty = try connection.query("SELECT s, b, typeof(s), typeof(b) FROM t WHERE id = \(101)")[0]
                #expect(try empty.decode(String.self, at: 0) == "", "an empty string is not NULL")
                #expect(try empty.decode([UInt8].self, at: 1) == [], "an empty blob is not NULL")
                #expect(try empty.decode(String.self, at: 2) == "text")
                #expect(try empty.decode(String.self, at: 3) == "blob")
            }
        }
    }

    @Test func bindingMakesInjectionInertAndReusesParameters() async throws {
        try await withTemporaryDatabase { database, _ in
            let evil = "Robert'); DROP TABLE students; --"
            let count = try await database.withConnection { connection in
                try connection.execute(unsafeScript: "CREATE TABLE students (name TEXT NOT NULL)")
                try connection.execute("INSERT INTO students (name) VALUES (\(evil)), (\("alice"))")
                #expect(try connection.query("SELECT name FROM students WHERE name = \("' OR '1'='1")").isEmpty)
                // `$1` used twice binds the same value.
                let same = try connection.query(SQLiteQuery(unsafeSQL: "SELECT $1 = $1, $2 || $1", binds: [.text("a"), .text("b")]))[0]
                #expect(try same.decode(Bool.self, at: 0))
                #expect(try same.decode(String.self, at: 1) == "ba")
                let anonymous = try connection.query(SQLiteQuery(unsafeSQL: "SELECT ? + ?", binds: [.integer(2), .integer(3)]))[0]
                #expect(try anonymous.decode(Int.self, at: 0) == 5)
                let tooFew = try #require(throws: SQLiteError.self) {
                    try connection.query(SQLiteQuery(unsafeSQL: "SELECT $1, $2", binds: [.integer(1)]))
                }
                #expect(tooFew.message.contains("only 1 were bound"))
                return try connection.query("SELECT count(*) FROM students WHERE name = \(evil)")[0].decode(Int.self, at: 0)
            }
            #expect(count == 1)
        }
    }

    @Test func transactionThatThrowsRollsBack() async throws {
        try await withTemporaryDatabase { database, _ in
            try await database.withConnection { try $0.execute(unsafeScript: "CREATE TABLE t (id INTEGER PRIMARY KEY)") }
            await #expect(throws: ExpectedFailure.self) {
                try await database.withTransaction { connection in
                    try connection.execute("INSERT INTO t VALUES (\(1)), (\(2))")
                    throw ExpectedFailure()
                }
            }
            let ids = try await database.withTransaction { connection in
                try connection.execute("INSERT INTO t VALUES (\(1))")
                _ = try? connection.transaction {
                    try connection.execute("INSERT INTO t VALUES (\(2))")
                    throw ExpectedFailure()
                }
                return try connection.query("SELECT id FROM t ORDER BY id").map { try $0.decode(Int.self, at: 0) }
            }
            #expect(ids == [1], "the nested savepoint was rolled back, the outer transaction committed")
        }
    }

    @Test func detectsUniqueAndOtherConstraintViolations() async throws {
        try await withTemporaryDatabase { database, _ in
            try await database.withConnection { connection in
                try connection.execute(unsafeScript: """
                    CREATE TABLE parent (id INTEGER PRIMARY KEY, code TEXT UNIQUE, label TEXT NOT NULL);
                    CREATE TABLE child (parent_id INTEGER NOT NULL REFERENCES parent(id));
                    """)
                try connection.execute("INSERT INTO parent VALUES (\(1), \("a"), \("x"))")
                let unique = try #require(throws: SQLiteError.self) {
                    try connection.execute("INSERT INTO parent VALUES (\(2), \("a"), \("y"))")
                }
                #expect(unique.isUniqueViolation && unique.isConstraintViolation)
                #expect(unique.code == SQLiteError.constraintUnique)
                #expect(unique.query?.contains("INSERT INTO parent") == true)
                let primaryKey = try #require(throws: SQLiteError.self) {
                    try connection.execute("INSERT INTO parent VALUES (\(1), \("b"), \("y"))")
                }
                #expect(primaryKey.isUniqueViolation)
                let notNull = try #require(throws: SQLiteError.self) {
                    try connection.execute("INSERT INTO parent VALUES (\(3), \("c"), \(nil as String?))")
                }
                #expect(notNull.isConstraintViolation && !notNull.isUniqueViolation)
                let foreignKey = try #require(throws: SQLiteError.self) {
                    try connection.execute("INSERT INTO child VALUES (\(99))")
                }
                #expect(foreignKey.isForeignKeyViolation)
                let syntax = try #require(throws: SQLiteError.self) { try connection.query("SELEC 1") }
                #expect(!syntax.isConstraintViolation)
                #expect(try connection.query("SELECT count(*) FROM parent")[0].decode(Int.self, at: 0) == 1)
            }
        }
    }

    @Test func reportsLastInsertRowIDChangesAndDecodingErrors() async throws {
        try await withTemporaryDatabase { database, _ in
            try await database.withConnection { connection in
                try connection.execute(unsafeScript: "CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, v INTEGER)")
                try connection.execute("INSERT INTO t (v) VALUES (\(10))")
                #expect(connection.lastInsertRowID == 1)
                try connection.execute("INSERT INTO t (v) VALUES (\(10)), (\(20))")
                #expect(connection.lastInsertRowID == 3)
                #expect(try connection.execute("UPDATE t SET v = v + 1 WHERE v = \(10)") == 2)
                #expect(connection.changes == 2)
                let row = try connection.query("SELECT 'abc' AS word, NULL AS absent")[0]
                let notInt = try #require(throws: SQLiteError.self) { try row.decode(Int.self, named: "word") }
                #expect(notInt.message.contains("'word'"))
                let null = try #require(throws: SQLiteError.self) { try row.decode(Int.self, named: "absent") }
                #expect(null.message.contains("NULL"))
                #expect(throws: SQLiteError.self) { try row.decode(Int.self, named: "missing") }
                #expect(throws: SQLiteError.self) { try connection.query("SELECT 1; SELECT 2") }
            }
        }
    }

    @Test func insertsOneHundredThousandRowsInOneTransaction() async throws {
        try await withTemporaryDatabase { database, _ in
            let count = 100_000
            try await database.withConnection {
                try $0.execute(unsafeScript: "CREATE TABLE points (id INTEGER PRIMARY KEY, series TEXT NOT NULL, value REAL, note TEXT)")
            }
            let start = ContinuousClock.now
            try await database.withTransaction { connection in
                for id in 0..<count {
                    // Same SQL text each time: prepared once, then only bound and stepped.
                    try connection.execute(
                        "INSERT INTO points (id, series, value, note) VALUES (\(id), \("series \(id % 50)"), \(Double(id) * 0.5), \(id.isMultiple(of: 7) ? nil : "n\t\(id)"))")
                }
            }
            let elapsed = ContinuousClock.now - start
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            print("SQLite: \(count) inserts in one transaction in \(String(format: "%.3f", seconds)) s = \(Int(Double(count) / seconds)) rows/s (\(buildMode) build)")
            let check = try await database.withConnection { connection in
                (
                    try connection.query("SELECT count(*) FROM points")[0].decode(Int.self, at: 0),
                    try connection.query("SELECT note, value FROM points WHERE id = \(99_998)")[0]
                )
            }
            #expect(check.0 == count)
            #expect(try check.1.decode(String?.self, at: 0) == "n\t99998")
            #expect(try check.1.decode(Double.self, at: 1) == 49_999)
        }
    }

    @Test func serialisesConcurrentCallsAndRefusesAfterClose() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("almanac-sqlite-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = try SQLiteDatabase(path: directory.appendingPathComponent("c.sqlite").path)
        try await database.withConnection { try $0.execute(unsafeScript: "CREATE TABLE c (n INTEGER)") }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<50 {
                group.addTask {
                    _ = try await database.withTransaction { try $0.execute("INSERT INTO c VALUES (\(index))") }
                }
            }
            try await group.waitForAll()
        }
        #expect(try await database.withConnection { try $0.query("SELECT count(*) FROM c")[0].decode(Int.self, at: 0) } == 50)
        await database.close()
        await database.close()
        let closed = await #expect(throws: SQLiteError.self) { try await database.withConnection { _ in 1 } }
        #expect(closed?.message.contains("closed") == true)
    }

    @Test func failsClearlyWhenTheFolderIsMissing() {
        let error = #expect(throws: SQLiteError.self) { try SQLiteDatabase(path: "/nonexistent-almanac-dir/x.sqlite") }
        #expect(error?.message.contains("/nonexistent-almanac-dir/x.sqlite") == true)
    }
}

#if DEBUG
let buildMode = "debug"
#else
let buildMode = "release"
#endif
