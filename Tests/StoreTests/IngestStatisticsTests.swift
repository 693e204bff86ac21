import Foundation
import Logging
import Postgres
import Testing
import TestSupport
@testable import Store

/// PostgreSQL plans an ingest's key lookups from invoice_data's statistics: they must follow the table as a
/// backlog grows it.
@Suite("Ingest statistics (PostgreSQL)")
struct IngestStatisticsTests {
    static func statistics(_ store: PostgresStore) async throws -> (tuples: Double, analyzed: Bool) {
        let rows = try await store.client.query("""
            SELECT c.reltuples::float8, s.last_analyze IS NOT NULL
            FROM pg_class c JOIN pg_stat_user_tables s ON s.relid = c.oid WHERE c.oid = 'invoice_data'::regclass
            """)
        return (try rows[0].decode(Double.self, at: 0), try rows[0].decode(Bool.self, at: 1))
    }

    static func rows(_ count: Int, product: String) -> [(String, String, String, Double?)] {
        (0..<count).map { i in (DayNumber.format(day("2026-01-01") + Int32(i % 200)), "\(product)-\(i / 200)", "C\(i % 3)", Double(i)) }
    }

    @Test func aBatchThatDoublesTheTableRefreshesItsStatistics() async throws {
        let store = try PostgresStore(url: try await TestEnvironment.freshDatabase("stats"), poolSize: 2, logger: Logger(label: "t"))
        try await store.migrate()
        _ = try await upload(store, "s1")
        _ = try await ingest(store, "s1", Self.rows(3000, product: "a"))
        var stats = try await Self.statistics(store)
        #expect(stats.analyzed)
        #expect(stats.tuples == 3000)
        // 1,000 more rows do not double the table (plus 10 pages): no ANALYZE.
        _ = try await upload(store, "s2")
        _ = try await ingest(store, "s2", Self.rows(1000, product: "b"))
        stats = try await Self.statistics(store)
        #expect(stats.tuples == 3000)
        // 5,000 more do: statistics of all 9,000 rows.
        _ = try await upload(store, "s3")
        _ = try await ingest(store, "s3", Self.rows(5000, product: "c"))
        stats = try await Self.statistics(store)
        #expect(stats.tuples == 9000)
    }
}
