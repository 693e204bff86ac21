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

extension PostgresStore {
    public func deleteOldModelVersions(keep: Int, dryRun: Bool) async throws -> Int {
        let keep = max(1, keep)
        if dryRun {
            let rows = try await client.query("""
                SELECT count(*) FROM (
                    SELECT row_number() OVER (PARTITION BY kind, subject ORDER BY version DESC) AS position FROM model_versions
                ) AS ranked WHERE position > \(keep)
                """)
            return try rows.first?.decode(Int.self, at: 0) ?? 0
        }
        return try await client.execute("""
            DELETE FROM model_versions WHERE id IN (
                SELECT id FROM (
                    SELECT id, row_number() OVER (PARTITION BY kind, subject ORDER BY version DESC) AS position FROM model_versions
                ) AS ranked WHERE position > \(keep))
            """)
    }
}

extension SQLiteStore {
    public func deleteOldModelVersions(keep: Int, dryRun: Bool) async throws -> Int {
        let keep = max(1, keep)
        return try await db.withConnection { conn in
            if dryRun {
                return try conn.query("""
                    SELECT count(*) FROM (
                        SELECT row_number() OVER (PARTITION BY kind, subject ORDER BY version DESC) AS position FROM model_versions
                    ) AS ranked WHERE position > \(keep)
                    """).first?.decode(Int.self, at: 0) ?? 0
            }
            return try conn.execute("""
                DELETE FROM model_versions WHERE id IN (
                    SELECT id FROM (
                        SELECT id, row_number() OVER (PARTITION BY kind, subject ORDER BY version DESC) AS position FROM model_versions
                    ) AS ranked WHERE position > \(keep))
                """)
        }
    }
}
