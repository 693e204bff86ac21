import Postgres
import SQLite

extension PostgresStore {
    public func deleteForecasts(before day: String, dryRun: Bool) async throws -> Int {
        if dryRun {
            let rows = try await client.query("SELECT count(*) FROM forecast_data WHERE forecast_date < CAST(\(day) AS DATE)")
            return try rows.first?.decode(Int.self, at: 0) ?? 0
        }
        return try await client.execute("DELETE FROM forecast_data WHERE forecast_date < CAST(\(day) AS DATE)")
    }
}

extension SQLiteStore {
    public func deleteForecasts(before day: String, dryRun: Bool) async throws -> Int {
        try await db.withConnection { conn in
            if dryRun {
                return try conn.query("SELECT count(*) FROM forecast_data WHERE forecast_date < \(day)").first?.decode(Int.self, at: 0) ?? 0
            }
            return try conn.execute("DELETE FROM forecast_data WHERE forecast_date < \(day)")
        }
    }
}
