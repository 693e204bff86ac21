import Foundation
import Postgres
import SQLite

/// What the forecast retention removed (or, in a dry run, would remove).
public struct ForecastRetention: Sendable, Equatable {
    /// `forecast_data` rows computed before the cutoff.
    public var forecasts: Int
    /// `forecast_accuracy` rows (the backtests of those fits) computed before the cutoff.
    public var accuracyRows: Int

    public init(forecasts: Int, accuracyRows: Int) {
        self.forecasts = forecasts
        self.accuracyRows = accuracyRows
    }
}

// A forecast expires by when it was computed (`forecast_data.created_at`, set again by every fit that writes
// the row), never by the day it forecasts: a fit of 2024 history forecasts 2024 days, and those rows are as
// new as any. The backtest accuracy of a fit (`forecast_accuracy.fitted_at`) expires by the same rule.

extension PostgresStore {
    public func deleteForecasts(computedBefore cutoff: Date, dryRun: Bool) async throws -> ForecastRetention {
        let seconds = cutoff.timeIntervalSince1970
        return try await client.withTransaction { conn in
            if dryRun {
                let rows = try conn.query("""
                    SELECT (SELECT count(*) FROM forecast_data WHERE created_at < to_timestamp(\(seconds)))
                           + (SELECT count(*) FROM product_forecast_data WHERE created_at < to_timestamp(\(seconds))),
                           (SELECT count(*) FROM forecast_accuracy WHERE fitted_at < to_timestamp(\(seconds)))
                    """)
                return ForecastRetention(forecasts: try rows[0].decode(Int.self, at: 0), accuracyRows: try rows[0].decode(Int.self, at: 1))
            }
            let forecasts = try conn.execute("DELETE FROM forecast_data WHERE created_at < to_timestamp(\(seconds))")
                + conn.execute("DELETE FROM product_forecast_data WHERE created_at < to_timestamp(\(seconds))")
            let accuracy = try conn.execute("DELETE FROM forecast_accuracy WHERE fitted_at < to_timestamp(\(seconds))")
            // A category left without forecasts forgets the fingerprint of its data, so its next job fits again.
            _ = try conn.execute("DELETE FROM forecast_runs WHERE NOT EXISTS (SELECT 1 FROM forecast_data f WHERE f.category = forecast_runs.category)")
            return ForecastRetention(forecasts: forecasts, accuracyRows: accuracy)
        }
    }
}

extension SQLiteStore {
    public func deleteForecasts(computedBefore cutoff: Date, dryRun: Bool) async throws -> ForecastRetention {
        // The timestamps are text in one fixed format (`SQLiteStore.now`), so they compare as text.
        let seconds = cutoff.timeIntervalSince1970
        return try await db.withTransaction { conn in
            if dryRun {
                let rows = try conn.query("""
                    SELECT (SELECT count(*) FROM forecast_data WHERE created_at < strftime('%Y-%m-%dT%H:%M:%fZ', \(seconds), 'unixepoch'))
                           + (SELECT count(*) FROM product_forecast_data WHERE created_at < strftime('%Y-%m-%dT%H:%M:%fZ', \(seconds), 'unixepoch')),
                           (SELECT count(*) FROM forecast_accuracy WHERE fitted_at < strftime('%Y-%m-%dT%H:%M:%fZ', \(seconds), 'unixepoch'))
                    """)
                return ForecastRetention(forecasts: try rows[0].decode(Int.self, at: 0), accuracyRows: try rows[0].decode(Int.self, at: 1))
            }
            let forecasts = try conn.execute("DELETE FROM forecast_data WHERE created_at < strftime('%Y-%m-%dT%H:%M:%fZ', \(seconds), 'unixepoch')")
                + conn.execute("DELETE FROM product_forecast_data WHERE created_at < strftime('%Y-%m-%dT%H:%M:%fZ', \(seconds), 'unixepoch')")
            let accuracy = try conn.execute("DELETE FROM forecast_accuracy WHERE fitted_at < strftime('%Y-%m-%dT%H:%M:%fZ', \(seconds), 'unixepoch')")
            _ = try conn.execute("DELETE FROM forecast_runs WHERE NOT EXISTS (SELECT 1 FROM forecast_data f WHERE f.category = forecast_runs.category)")
            return ForecastRetention(forecasts: forecasts, accuracyRows: accuracy)
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
