import Foundation

/// Numbered SQL migrations shipped with the store (`sql/<dialect>/NNN_name.sql`).
public struct Migration: Sendable, Equatable {
    public var version: String
    public var name: String
    public var sql: String
}

public enum Migrations {
    /// The migrations of a dialect, in order.
    public static func all(for dialect: StoreDialect) throws -> [Migration] {
        guard let base = Bundle.module.resourceURL?.appendingPathComponent("sql").appendingPathComponent(dialect.rawValue) else {
            throw StoreError("migration files not found in the bundle")
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: base.path).filter { $0.hasSuffix(".sql") }.sorted()
        return try files.map { file in
            let version = String(file.prefix { $0.isNumber })
            guard !version.isEmpty else { throw StoreError("migration \(file) has no number") }
            let sql = try String(contentsOf: base.appendingPathComponent(file), encoding: .utf8)
            return Migration(version: version, name: String(file.dropLast(4)), sql: sql)
        }
    }
}
