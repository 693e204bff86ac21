import Foundation
import Logging
import Postgres
import Testing
import TestSupport
@testable import Store

/// Migration 005's BI access: the read-only role `almanac_bi` reads the documented views and nothing else.
@Suite("BI access (PostgreSQL)")
struct BIAccessTests {
    @Test func readOnlyRoleSelectsTheViewsAndCannotWrite() async throws {
        let store = try PostgresStore(url: try await TestEnvironment.freshDatabase("bi"), poolSize: 2, logger: Logger(label: "test"))
        defer { Task { await store.shutdown() } }
        try await store.migrate()
        // Migrating a second database in the same cluster (the role exists already) succeeds too.
        let other = try PostgresStore(url: try await TestEnvironment.freshDatabase("bi"), poolSize: 1, logger: Logger(label: "test"))
        try await other.migrate()
        await other.shutdown()

        _ = try await upload(store, "b1")
        _ = try await ingest(store, "b1", [("2024-01-01", "p1", "tools", 10), ("2024-01-01", "p2", "tools", 5), ("2024-01-02", "p1", "tools", 7)])
        try await store.saveForecasts(
            category: "tools", fingerprint: "f", lastDate: "2024-01-02",
            forecasts: [CategoryForecast(modelType: .prophet, points: [(date: "2024-01-03", value: 8, lower: 6, upper: 10)])],
            accuracy: [AccuracyRecord(category: "tools", modelType: "prophet", smape: 12.5, mase: 0.8, coverage80: 0.8, coverage95: 0.95, windows: 3, isBest: true, form: nil, error: nil)],
            batchNum: "b1", notes: nil)

        func asBI(_ sql: String) async throws -> [PostgresRow] {
            try await store.client.withTransaction { conn in
                _ = try conn.execute("SET LOCAL ROLE almanac_bi")
                return try conn.query(PostgresQuery(unsafeSQL: sql))
            }
        }
        let daily = try await asBI("SELECT date::text, total_sales::float8, product_rows FROM bi_daily_sales_by_category ORDER BY date")
        #expect(daily.count == 2)
        #expect(try daily[0].decode(Double.self, at: 1) == 15)
        #expect(try daily[0].decode(Int.self, at: 2) == 2)
        let latest = try await asBI("SELECT category, model_type, forecast_value::float8, history_last_date::text FROM bi_latest_forecast")
        #expect(latest.count == 1)
        #expect(try latest[0].decode(String.self, at: 3) == "2024-01-02")
        let accuracy = try await asBI("SELECT smape, is_best FROM bi_forecast_accuracy")
        #expect(try accuracy.first?.decode(Double.self, at: 0) == 12.5)
        // The hierarchy's view (migration 008): a product's reconciled forecast with both bands.
        try await store.saveProductForecasts(category: "tools", reconciliation: "mint_shrink", products: [
            ProductForecast(productID: "p1", base: "theta", points: [ForecastPoint(date: "2024-01-03", value: 5, lower80: 4, upper80: 6, lower95: 3, upper95: 7)]),
        ], batchNum: "b1")
        let products = try await asBI("SELECT product_id, forecast_value::float8, lower_80::float8, upper_bound::float8, reconciliation, base FROM bi_product_forecast")
        #expect(products.count == 1)
        #expect(try products.first?.decode(String.self, at: 0) == "p1" && products.first?.decode(Double.self, at: 2) == 4)
        #expect(try products.first?.decode(String.self, at: 4) == "mint_shrink" && products.first?.decode(Double.self, at: 3) == 7)

        for statement in [
            "INSERT INTO invoice_data (date, product_id, category, sales, batch_num, file_hash, upload_seq) VALUES ('2024-02-01', 'x', 'y', 1, 'b', 'h', 1)",
            "DELETE FROM forecast_data",
            "UPDATE model_params SET is_active = TRUE",
            "SELECT * FROM invoice_data",
            "SELECT * FROM upload_metadata",
            "CREATE TABLE bi_scratch (x int)",
            "DELETE FROM bi_forecast_accuracy",
        ] {
            do {
                _ = try await asBI(statement)
                Issue.record("almanac_bi could run: \(statement)")
            } catch let error as PostgresError {
                #expect(error.sqlState == "42501", "\(statement): \(error)")
            }
        }
        // The views and their columns are documented in the catalog.
        let comments = try await store.client.query("""
            SELECT count(*) FROM pg_description d JOIN pg_class c ON c.oid = d.objoid
            WHERE c.relname IN ('bi_daily_sales_by_category', 'bi_latest_forecast', 'bi_forecast_accuracy') AND d.objsubid = 0
            """)
        #expect(try comments.first?.decode(Int.self, at: 0) == 3)
    }
}
