import Foundation
import Logging
import SQLite

/// The embedded store on a SQLite file (WAL) through the `SQLite` wrapper; same behaviour as `PostgresStore`.
public final class SQLiteStore: SQLRepository {
    public let dialect = StoreDialect.sqlite
    let db: SQLiteDatabase
    let logger: Logger
    static let now = StoreDialect.sqlite.now

    public init(path: String, logger: Logger) throws {
        self.db = try SQLiteDatabase(path: path)
        self.logger = logger
    }

    public var database: SQLiteDatabase { db }

    public func shutdown() async { await db.close() }

    @discardableResult
    public func migrate() async throws -> [String] {
        let migrations = try Migrations.all(for: .sqlite)
        return try await db.withTransaction { conn in
            try conn.execute(unsafeScript: """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version TEXT PRIMARY KEY, name TEXT NOT NULL,
                    applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')))
                """)
            let done = Set(try conn.query("SELECT version FROM schema_migrations").map { try $0.decode(String.self, at: 0) })
            var applied: [String] = []
            for m in migrations where !done.contains(m.version) {
                try conn.execute(unsafeScript: m.sql)
                _ = try conn.execute("INSERT INTO schema_migrations (version, name) VALUES (\(m.version), \(m.name))")
                applied.append(m.version)
            }
            return applied
        }
    }

    public func appliedMigrations() async throws -> [String] {
        try await db.withConnection { conn in
            try conn.query("SELECT version FROM schema_migrations ORDER BY version").map { try $0.decode(String.self, at: 0) }
        }
    }

    // MARK: uploads

    public func insertUpload(_ u: NewUpload, job: NewJob) async throws -> UploadInsertResult {
        try await db.withTransaction { conn in
            // A failed batch does not count: its file may be uploaded again (the unique index skips failed rows too).
            let existing = try conn.query("SELECT batch_num FROM upload_metadata WHERE file_hash = \(u.fileHash) AND status <> 'failed'")
            if let first = existing.first { return .duplicate(batchNum: try first.decode(String.self, at: 0)) }
            do {
                _ = try conn.execute("""
                    INSERT INTO upload_metadata (batch_num, original_filename, stored_filename, file_hash, on_error, request_id, upload_seq)
                    VALUES (\(u.batchNum), \(u.originalFilename), \(u.storedFilename), \(u.fileHash), \(u.onError.rawValue), \(u.requestID),
                            (SELECT coalesce(max(upload_seq), 0) + 1 FROM upload_metadata))
                    """)
            } catch let error as SQLiteError where error.isUniqueViolation {
                let again = try conn.query("SELECT batch_num FROM upload_metadata WHERE file_hash = \(u.fileHash) AND status <> 'failed'")
                if let first = again.first { return .duplicate(batchNum: try first.decode(String.self, at: 0)) }
                throw error
            }
            try self.insertJob(conn, job)
            let rows = try conn.query("SELECT \(unescaped: self.uploadColumns) FROM upload_metadata WHERE batch_num = \(u.batchNum)")
            return .accepted(try UploadRecord(row: rows[0]))
        }
    }

    public func ingest(
        batchNum: String,
        produce: @escaping @Sendable (_ emit: (SalesRow) throws -> Void) throws -> ScanSummary
    ) async throws -> IngestOutcome {
        let result: IngestResult = try await db.withTransaction { conn in
            let head = try conn.query("SELECT status, upload_seq, file_hash, on_error FROM upload_metadata WHERE batch_num = \(batchNum)")
            guard let row = head.first else { return .outcome(.unknownBatch) }
            let status = try row.decode(String.self, at: 0)
            if status == BatchStatus.completed.rawValue { return .outcome(.alreadyCompleted) }
            if status == BatchStatus.failed.rawValue { return .outcome(.failed(errorLog: "batch already failed")) }
            let seq = try row.decode(Int64.self, at: 1)
            let hash = try row.decode(String.self, at: 2)
            let onError = OnError(rawValue: try row.decode(String.self, at: 3)) ?? .fail
            try conn.execute(unsafeScript: """
                DROP TABLE IF EXISTS temp.etl_staging;
                DROP TABLE IF EXISTS temp.etl_folded;
                CREATE TEMP TABLE etl_staging (line INTEGER NOT NULL, date TEXT NOT NULL, product_id TEXT NOT NULL,
                                               category TEXT NOT NULL, sales REAL);
                """)
            let summary = try produce { row in
                _ = try conn.execute("""
                    INSERT INTO etl_staging (line, date, product_id, category, sales)
                    VALUES (\(row.line), \(DayNumber.format(row.day)), \(row.productID), \(row.category), \(row.sales.map(Money.round)))
                    """)
            }
            if let fatal = summary.fatal { return .rollback(errorLog: fatal, summary: summary) }
            if onError == .fail && !summary.errors.isEmpty {
                return .rollback(errorLog: PostgresStore.errorLog(summary), summary: summary)
            }
            try conn.execute(unsafeScript: """
                CREATE TEMP TABLE etl_folded AS
                    SELECT date, product_id, category, sales, sales IS NULL AS is_imputed FROM etl_staging
                    WHERE line IN (SELECT max(line) FROM etl_staging GROUP BY date, product_id, category);
                CREATE INDEX temp.etl_folded_key ON etl_folded (product_id, category, date);
                """)
            let staged = try conn.query("SELECT (SELECT count(*) FROM etl_staging), (SELECT count(*) FROM etl_folded)")
            let stagedCount = try staged[0].decode(Int.self, at: 0), foldedCount = try staged[0].decode(Int.self, at: 1)
            var counters = BatchCounters()
            counters.total = summary.totalRows
            counters.missing = summary.missingRows
            counters.rejected = summary.rejectedRows
            counters.repeated = stagedCount - foldedCount
            counters.imputed = try conn.execute("""
                UPDATE etl_folded AS f SET sales = coalesce((
                    SELECT c.v FROM (
                        SELECT * FROM (
                            SELECT s.date AS d, s.sales AS v FROM etl_folded s
                            WHERE s.product_id = f.product_id AND s.category = f.category AND s.date < f.date AND s.sales IS NOT NULL
                            ORDER BY s.date DESC LIMIT 1)
                        UNION ALL
                        SELECT * FROM (
                            SELECT i.date, i.sales FROM invoice_data i
                            WHERE i.product_id = f.product_id AND i.category = f.category AND i.date < f.date
                            ORDER BY i.date DESC LIMIT 1)
                    ) AS c ORDER BY c.d DESC LIMIT 1), 0)
                WHERE f.sales IS NULL
                """)
            let changed = "i.upload_seq < \(seq) AND (i.sales <> f.sales OR i.is_imputed <> f.is_imputed)"
            let classified = try conn.query("""
                SELECT count(*) FILTER (WHERE i.date IS NULL),
                       count(*) FILTER (WHERE i.date IS NOT NULL AND \(unescaped: changed))
                FROM etl_folded f LEFT JOIN invoice_data i USING (date, product_id, category)
                """)
            counters.inserted = try classified[0].decode(Int.self, at: 0)
            counters.updated = try classified[0].decode(Int.self, at: 1)
            counters.unchanged = foldedCount - counters.inserted - counters.updated
            counters.categories = try conn.query("""
                SELECT DISTINCT f.category FROM etl_folded f LEFT JOIN invoice_data i USING (date, product_id, category)
                WHERE i.date IS NULL OR (\(unescaped: changed)) ORDER BY 1
                """).map { try $0.decode(String.self, at: 0) }
            _ = try conn.execute("""
                INSERT INTO invoice_data (date, product_id, category, sales, is_imputed, batch_num, file_hash, upload_seq)
                SELECT date, product_id, category, sales, is_imputed, \(batchNum), \(hash), \(seq) FROM etl_folded WHERE TRUE
                ON CONFLICT (date, product_id, category) DO UPDATE SET
                    sales = excluded.sales, is_imputed = excluded.is_imputed, batch_num = excluded.batch_num,
                    file_hash = excluded.file_hash, updated_at = \(unescaped: Self.now), version = invoice_data.version + 1,
                    upload_seq = excluded.upload_seq
                WHERE invoice_data.upload_seq < excluded.upload_seq
                  AND (invoice_data.sales <> excluded.sales OR invoice_data.is_imputed <> excluded.is_imputed)
                """)
            _ = try conn.execute("""
                UPDATE invoice_data AS i SET upload_seq = \(seq) FROM etl_folded f
                WHERE i.date = f.date AND i.product_id = f.product_id AND i.category = f.category AND i.upload_seq < \(seq)
                """)
            let jobs = ForecastJob.jobs(batchNum: batchNum, categories: counters.categories)
            for job in jobs { try self.insertJob(conn, job) }
            let log: String? = summary.errors.isEmpty ? nil : PostgresStore.errorLog(summary)
            _ = try conn.execute("""
                UPDATE upload_metadata SET status = 'completed', processed_at = \(unescaped: Self.now), error_log = \(log),
                    num_total_rows = \(counters.total), num_missing_rows = \(counters.missing),
                    num_imputed_rows = \(counters.imputed), num_inserted_rows = \(counters.inserted),
                    num_updated_rows = \(counters.updated), num_unchanged_rows = \(counters.unchanged),
                    num_rejected_rows = \(counters.rejected), num_repeated_rows = \(counters.repeated)
                WHERE batch_num = \(batchNum)
                """)
            try conn.execute(unsafeScript: "DROP TABLE temp.etl_staging; DROP TABLE temp.etl_folded;")
            return .outcome(.completed(counters: counters, forecastJobs: jobs))
        }
        switch result {
        case .outcome(let outcome):
            return outcome
        case .rollback(let log, let summary):
            try await db.withTransaction { conn in
                try conn.execute(unsafeScript: "DROP TABLE IF EXISTS temp.etl_staging; DROP TABLE IF EXISTS temp.etl_folded;")
                _ = try conn.execute("""
                    UPDATE upload_metadata SET status = 'failed', error_log = \(log), processed_at = \(unescaped: Self.now),
                        num_total_rows = \(summary.totalRows), num_missing_rows = \(summary.missingRows),
                        num_rejected_rows = \(summary.rejectedRows)
                    WHERE batch_num = \(batchNum) AND status <> 'completed'
                    """)
            }
            return .failed(errorLog: log)
        }
    }

    // MARK: queries


    // MARK: jobs

}
