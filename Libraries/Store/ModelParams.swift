import Postgres
import SQLite

/// A named parameter set for one model type (seed 002); the active one per type is used by forecasts.
public struct ModelParamsRecord: Codable, Sendable, Equatable {
    public var id: Int
    public var modelType: String
    public var name: String
    /// A JSON object.
    public var parameters: String
    public var isActive: Bool
    public var createdAt: String
    public var activatedAt: String?

    enum CodingKeys: String, CodingKey {
        case id, name, parameters
        case modelType = "model_type", isActive = "is_active", createdAt = "created_at", activatedAt = "activated_at"
    }
}

extension PostgresStore {
    static let modelParamsColumns = """
        id, model_type, name, parameters, is_active, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        to_char(activated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
        """

    static func decodeModelParams(_ r: PostgresRow) throws -> ModelParamsRecord {
        ModelParamsRecord(
            id: try r.decode(Int.self, at: 0), modelType: try r.decode(String.self, at: 1), name: try r.decode(String.self, at: 2),
            parameters: try r.decode(String.self, at: 3), isActive: try r.decode(Bool.self, at: 4),
            createdAt: try r.decode(String.self, at: 5), activatedAt: try r.decode(String?.self, at: 6))
    }

    public func createModelParams(modelType: String, name: String, parameters: String) async throws -> ModelParamsRecord {
        let rows = try await client.query("""
            INSERT INTO model_params (model_type, name, parameters) VALUES (\(modelType), \(name), \(parameters))
            RETURNING \(unescaped: Self.modelParamsColumns)
            """)
        guard let row = rows.first else { throw StoreError("model_params insert returned no row") }
        return try Self.decodeModelParams(row)
    }

    public func modelParams(modelType: String?) async throws -> [ModelParamsRecord] {
        var sql: PostgresQuery = "SELECT \(unescaped: Self.modelParamsColumns) FROM model_params"
        if let modelType { sql.append(" WHERE model_type = \(modelType)") }
        sql.append(" ORDER BY id")
        return try await client.query(sql).map(Self.decodeModelParams)
    }

    public func activateModelParams(id: Int) async throws -> ModelParamsRecord? {
        try await client.withTransaction { conn in
            guard let row = try conn.query("SELECT model_type FROM model_params WHERE id = \(id) FOR UPDATE").first else { return nil }
            let type = try row.decode(String.self, at: 0)
            _ = try conn.execute("UPDATE model_params SET is_active = FALSE WHERE model_type = \(type) AND is_active AND id <> \(id)")
            let updated = try conn.query("""
                UPDATE model_params SET is_active = TRUE, activated_at = now() WHERE id = \(id)
                RETURNING \(unescaped: Self.modelParamsColumns)
                """)
            return try updated.first.map(Self.decodeModelParams)
        }
    }
}

extension SQLiteStore {
    static let modelParamsColumns = "id, model_type, name, parameters, is_active, created_at, activated_at"

    static func decodeModelParams(_ r: SQLiteRow) throws -> ModelParamsRecord {
        ModelParamsRecord(
            id: try r.decode(Int.self, at: 0), modelType: try r.decode(String.self, at: 1), name: try r.decode(String.self, at: 2),
            parameters: try r.decode(String.self, at: 3), isActive: try r.decode(Bool.self, at: 4),
            createdAt: try r.decode(String.self, at: 5), activatedAt: try r.decode(String?.self, at: 6))
    }

    public func createModelParams(modelType: String, name: String, parameters: String) async throws -> ModelParamsRecord {
        try await db.withTransaction { conn in
            _ = try conn.execute("INSERT INTO model_params (model_type, name, parameters) VALUES (\(modelType), \(name), \(parameters))")
            let rows = try conn.query("SELECT \(unescaped: Self.modelParamsColumns) FROM model_params WHERE id = last_insert_rowid()")
            guard let row = rows.first else { throw StoreError("model_params insert returned no row") }
            return try Self.decodeModelParams(row)
        }
    }

    public func modelParams(modelType: String?) async throws -> [ModelParamsRecord] {
        var sql: SQLiteQuery = "SELECT \(unescaped: Self.modelParamsColumns) FROM model_params"
        if let modelType { sql.append(" WHERE model_type = \(modelType)") }
        sql.append(" ORDER BY id")
        let query = sql
        return try await db.withConnection { conn in try conn.query(query).map(Self.decodeModelParams) }
    }

    public func activateModelParams(id: Int) async throws -> ModelParamsRecord? {
        try await db.withTransaction { conn in
            guard let row = try conn.query("SELECT model_type FROM model_params WHERE id = \(id)").first else { return nil }
            let type = try row.decode(String.self, at: 0)
            _ = try conn.execute("UPDATE model_params SET is_active = 0 WHERE model_type = \(type) AND is_active = 1 AND id <> \(id)")
            _ = try conn.execute("UPDATE model_params SET is_active = 1, activated_at = \(unescaped: Self.now) WHERE id = \(id)")
            return try conn.query("SELECT \(unescaped: Self.modelParamsColumns) FROM model_params WHERE id = \(id)").first.map(Self.decodeModelParams)
        }
    }
}
