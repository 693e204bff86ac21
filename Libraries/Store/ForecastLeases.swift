import Postgres
import SQLite

extension PostgresStore {
    public func acquireForecastLease(category: String, owner: String, ttlSeconds: Double) async throws -> Bool {
        let rows = try await client.query("""
            INSERT INTO forecast_leases (category, owner, expires_at)
            VALUES (\(category), \(owner), now() + make_interval(secs => \(ttlSeconds)))
            ON CONFLICT (category) DO UPDATE SET owner = EXCLUDED.owner, expires_at = EXCLUDED.expires_at
            WHERE forecast_leases.owner = EXCLUDED.owner OR forecast_leases.expires_at < now()
            RETURNING owner
            """)
        return !rows.isEmpty
    }
}

extension SQLiteStore {
    public func acquireForecastLease(category: String, owner: String, ttlSeconds: Double) async throws -> Bool {
        try await db.withConnection { conn in
            let rows = try conn.query("""
                INSERT INTO forecast_leases (category, owner, expires_at)
                VALUES (\(category), \(owner), ((julianday('now') - 2440587.5) * 86400.0) + \(ttlSeconds))
                ON CONFLICT (category) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
                WHERE forecast_leases.owner = excluded.owner OR forecast_leases.expires_at < ((julianday('now') - 2440587.5) * 86400.0)
                RETURNING owner
                """)
            return !rows.isEmpty
        }
    }
}
