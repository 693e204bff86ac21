import Postgres
import SQLite
import Testing
@testable import Store

/// The shared repository's query type: values bound in order, fragments renumbered after the values before them.
@Suite("StoreSQL")
struct StoreSQLTests {
    @Test func interpolatedValuesAreBoundInOrder() {
        let name: String? = nil
        let q: StoreSQL = "SELECT 1 WHERE a = \(7) AND b = \("x'; DROP TABLE t") AND c = \(name)"
        #expect(q.sql == "SELECT 1 WHERE a = $1 AND b = $2 AND c = $3")
        #expect(q.binds == [.int(7), .text("x'; DROP TABLE t"), .null])
    }

    @Test func fragmentsAndAppendsAreRenumbered() {
        let fragment = StoreDialect.postgres.olderThan("updated_at", seconds: 30)
        var q: StoreSQL = "SELECT id FROM jobs WHERE status = \("queued") AND \(fragment)"
        q.append(" LIMIT \(5) OFFSET \(10)")
        #expect(q.sql == "SELECT id FROM jobs WHERE status = $1 AND updated_at < now() - make_interval(secs => $2) LIMIT $3 OFFSET $4")
        #expect(q.binds == [.text("queued"), .double(30), .int(5), .int(10)])
    }

    @Test func eachDialectBindsTheSameValuesInItsOwnTypes() {
        let q: StoreSQL = "SELECT \(true), \(Int64(3)), \(1.5)"
        #expect(q.postgres.binds == [.bool(true), .int(3), .double(1.5)])
        #expect(q.sqlite.binds == [.integer(1), .integer(3), .real(1.5)])
        let ids = StoreDialect.sqlite.textRows(["a", "b\"c"])
        #expect(ids.sql == "SELECT value FROM json_each($1)")
        #expect(ids.binds == [.text(#"["a","b\"c"]"#)])
    }
}
