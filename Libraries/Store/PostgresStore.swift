import Foundation
import Logging
import Postgres

/// The production store on PostgreSQL through the `Postgres` wrapper.
public final class PostgresStore: SQLRepository {
    public let dialect = StoreDialect.postgres
    let client: PostgresClient
    let logger: Logger
    /// Key of the advisory lock that serialises migrations across processes.
    static let migrationLock: Int64 = 0x414C_4D41_4E41_4301
    /// Key of the advisory lock that serialises the upsert phase of ETL batches.
    static let ingestLock: Int64 = 0x414C_4D41_4E41_4302

    public init(url: String, poolSize: Int, logger: Logger) throws {
        let configuration = try PostgresConfiguration(url: url)
        self.client = PostgresClient(configuration: configuration, poolSize: poolSize, logger: logger)
        self.logger = logger
    }

    public var database: PostgresClient { client }

    public func shutdown() async { await client.shutdown() }

    // MARK: migrations

    @discardableResult
    public func migrate() async throws -> [String] {
        let migrations = try Migrations.all(for: .postgres)
        return try await client.withTransaction { conn in
            _ = try conn.query("SELECT pg_advisory_xact_lock(\(Self.migrationLock))")
            try conn.execute(unsafeScript: """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version VARCHAR(32) PRIMARY KEY,
                    name TEXT NOT NULL,
                    applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
                )
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
        try await client.query("SELECT version FROM schema_migrations ORDER BY version").map { try $0.decode(String.self, at: 0) }
    }

    // MARK: uploads

    public func insertUpload(_ u: NewUpload, job: NewJob) async throws -> UploadInsertResult {
        do {
            return try await client.withTransaction { conn in
                let rows = try conn.query("""
                    INSERT INTO upload_metadata (batch_num, original_filename, stored_filename, file_hash, on_error, request_id)
                    VALUES (\(u.batchNum), \(u.originalFilename), \(u.storedFilename), \(u.fileHash), \(u.onError.rawValue), \(u.requestID))
                    RETURNING \(unescaped: self.uploadColumns)
                    """)
                try self.insertJob(conn, job)
                return .accepted(try UploadRecord(row: rows[0]))
            }
        } catch let error as PostgresError where error.isUniqueViolation {
            // The unique index covers batches that have not failed: a failed batch's file may be uploaded again.
            let rows = try await client.query("SELECT batch_num FROM upload_metadata WHERE file_hash = \(u.fileHash) AND status <> 'failed'")
            if let first = rows.first { return .duplicate(batchNum: try first.decode(String.self, at: 0)) }
            throw error
        }
    }

    public func ingest(
        batchNum: String,
        produce: @escaping @Sendable (_ emit: (SalesRow) throws -> Void) throws -> ScanSummary
    ) async throws -> IngestOutcome {
        let result: IngestResult = try await client.withTransaction { conn in
            let head = try conn.query("""
                SELECT status, upload_seq, file_hash, on_error FROM upload_metadata WHERE batch_num = \(batchNum) FOR UPDATE
                """)
            guard let row = head.first else { return .outcome(.unknownBatch) }
            let status = try row.decode(String.self, at: 0)
            if status == BatchStatus.completed.rawValue { return .outcome(.alreadyCompleted) }
            if status == BatchStatus.failed.rawValue { return .outcome(.failed(errorLog: "batch already failed")) }
            let seq = try row.decode(Int64.self, at: 1)
            let hash = try row.decode(String.self, at: 2)
            let onError = OnError(rawValue: try row.decode(String.self, at: 3)) ?? .fail

            // A batch's sorts and index build fit in memory instead of spilling to disk (measured: a 5M-row batch
            // took 12x the time of 1M with the defaults); JIT compiles for longer than these plain statements run.
            try conn.execute(unsafeScript: """
                SET LOCAL work_mem = '256MB';
                SET LOCAL maintenance_work_mem = '256MB';
                SET LOCAL jit = off;
                CREATE TEMP TABLE etl_staging (
                    line BIGINT NOT NULL, date DATE NOT NULL, product_id TEXT NOT NULL, category TEXT NOT NULL,
                    sales NUMERIC(12, 2)
                ) ON COMMIT DROP
                """)
            var summary = ScanSummary()
            let stagedRows = try conn.copyFrom("COPY etl_staging (line, date, product_id, category, sales) FROM STDIN") { writer in
                summary = try produce { row in
                    try writer.appendRow([
                        String(row.line), DayNumber.format(row.day), row.productID, row.category,
                        row.sales.map(Money.format),
                    ])
                }
            }
            if let fatal = summary.fatal {
                return .rollback(errorLog: fatal, summary: summary)
            }
            if onError == .fail && !summary.errors.isEmpty {
                return .rollback(errorLog: Self.errorLog(summary), summary: summary)
            }
            // Serialise the merge with other batches: counts and "later upload wins" need a stable view.
            _ = try conn.query("SELECT pg_advisory_xact_lock(\(Self.ingestLock))")
            // One sort of the staged rows by series and date does three things: a key repeated in the file keeps
            // its last line (DISTINCT ON), a missing value finds the series' latest earlier value in the file (a
            // running max over the series of [day, value], whose first element decides), and the folded rows
            // come out grouped by series for the insert. Only a missing value then looks at the stored rows: the
            // latest earlier stored value wins when it is later than the file's (on the same day the file wins).
            // Measured on a 1M-row batch: this replaces a second sort, an index build over the folded rows and
            // an UPDATE of the missing ones (see BENCHMARKS.md).
            let foldedRows = try conn.execute("""
                CREATE TEMP TABLE etl_folded ON COMMIT DROP AS
                SELECT w.date, w.product_id, w.category, w.sales IS NULL AS is_imputed,
                       CASE WHEN w.sales IS NOT NULL THEN w.sales ELSE COALESCE((
                           SELECT c.v FROM (
                               SELECT w.prev[1] AS d, w.prev[2] AS v, 1 AS file WHERE w.prev IS NOT NULL
                               UNION ALL
                               (SELECT (i.date - DATE '1970-01-01')::numeric, i.sales, 0 FROM invoice_data i
                                WHERE i.product_id = w.product_id AND i.category = w.category AND i.date < w.date
                                ORDER BY i.date DESC LIMIT 1)
                           ) AS c ORDER BY c.d DESC, c.file DESC LIMIT 1), 0) END AS sales
                FROM (
                    SELECT d.date, d.product_id, d.category, d.sales,
                           max(CASE WHEN d.sales IS NOT NULL THEN ARRAY[(d.date - DATE '1970-01-01')::numeric, d.sales] END)
                               OVER (PARTITION BY d.product_id, d.category ORDER BY d.date
                                     ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev
                    FROM (
                        SELECT DISTINCT ON (product_id, category, date) date, product_id, category, sales
                        FROM etl_staging ORDER BY product_id, category, date, line DESC
                    ) AS d
                ) AS w
                """)
            var counters = BatchCounters()
            counters.total = summary.totalRows
            counters.missing = summary.missingRows
            counters.rejected = summary.rejectedRows
            counters.repeated = stagedRows - foldedRows
            // New, changed and imputed keys per category, in one pass over the folded rows.
            let classified = try conn.query("""
                SELECT f.category, count(*) FILTER (WHERE i.date IS NULL),
                       count(*) FILTER (WHERE i.date IS NOT NULL AND i.upload_seq < \(seq)
                                        AND (i.sales <> f.sales OR i.is_imputed <> f.is_imputed)),
                       count(*) FILTER (WHERE f.is_imputed)
                FROM etl_folded f LEFT JOIN invoice_data i USING (date, product_id, category)
                GROUP BY f.category ORDER BY f.category
                """)
            var categories: [String] = []
            for row in classified {
                let inserted = try row.decode(Int.self, at: 1)
                let updated = try row.decode(Int.self, at: 2)
                counters.inserted += inserted
                counters.updated += updated
                counters.imputed += try row.decode(Int.self, at: 3)
                if inserted + updated > 0 { categories.append(try row.decode(String.self, at: 0)) }
            }
            counters.categories = categories
            counters.unchanged = foldedRows - counters.inserted - counters.updated
            // Stored keys this batch also carries and is newer than: a changed value is updated (version + 1); an
            // identical one only records this batch's sequence, so an older batch never overwrites it later. Then
            // new keys with a plain INSERT: the advisory lock above makes this transaction the only writer of
            // invoice_data, and a plain insert skips the per-row speculative insertion of ON CONFLICT (measured:
            // 10.7 s of an 18 s 1M-row batch went to the ON CONFLICT upsert).
            _ = try conn.execute("""
                UPDATE invoice_data i SET
                    sales = f.sales, is_imputed = f.is_imputed, upload_seq = \(seq),
                    batch_num = CASE WHEN i.sales <> f.sales OR i.is_imputed <> f.is_imputed THEN \(batchNum) ELSE i.batch_num END,
                    file_hash = CASE WHEN i.sales <> f.sales OR i.is_imputed <> f.is_imputed THEN \(hash) ELSE i.file_hash END,
                    updated_at = CASE WHEN i.sales <> f.sales OR i.is_imputed <> f.is_imputed THEN now() ELSE i.updated_at END,
                    version = i.version + CASE WHEN i.sales <> f.sales OR i.is_imputed <> f.is_imputed THEN 1 ELSE 0 END
                FROM etl_folded f
                WHERE i.date = f.date AND i.product_id = f.product_id AND i.category = f.category AND i.upload_seq < \(seq)
                """)
            _ = try conn.execute("""
                INSERT INTO invoice_data (date, product_id, category, sales, is_imputed, batch_num, file_hash, upload_seq)
                SELECT f.date, f.product_id, f.category, f.sales, f.is_imputed, \(batchNum), \(hash), \(seq) FROM etl_folded f
                WHERE NOT EXISTS (
                    SELECT 1 FROM invoice_data i WHERE i.date = f.date AND i.product_id = f.product_id AND i.category = f.category)
                """)
            let jobs = ForecastJob.jobs(batchNum: batchNum, categories: counters.categories)
            for job in jobs { try self.insertJob(conn, job) }
            let log: String? = summary.errors.isEmpty ? nil : Self.errorLog(summary)
            _ = try conn.execute("""
                UPDATE upload_metadata SET status = 'completed', processed_at = now(), error_log = \(log),
                    num_total_rows = \(counters.total), num_missing_rows = \(counters.missing),
                    num_imputed_rows = \(counters.imputed), num_inserted_rows = \(counters.inserted),
                    num_updated_rows = \(counters.updated), num_unchanged_rows = \(counters.unchanged),
                    num_rejected_rows = \(counters.rejected), num_repeated_rows = \(counters.repeated)
                WHERE batch_num = \(batchNum)
                """)
            return .outcome(.completed(counters: counters, forecastJobs: jobs))
        }
        switch result {
        case .outcome(let outcome):
            if case .completed(let counters, _) = outcome, counters.inserted > 0 {
                try? await client.withConnection { conn in try Self.analyzeIfGrown(conn) }
            }
            return outcome
        case .rollback(let log, let summary):
            _ = try await client.execute("""
                UPDATE upload_metadata SET status = 'failed', error_log = \(log), processed_at = now(),
                    num_total_rows = \(summary.totalRows), num_missing_rows = \(summary.missingRows),
                    num_rejected_rows = \(summary.rejectedRows)
                WHERE batch_num = \(batchNum) AND status <> 'completed'
                """)
            return .failed(errorLog: log)
        }
    }

    static func errorLog(_ summary: ScanSummary) -> String {
        if let fatal = summary.fatal { return fatal }
        var lines = summary.errors.prefix(20).joined(separator: "\n")
        if summary.rejectedRows > 20 { lines += "\n… and \(summary.rejectedRows - 20) more bad rows" }
        return lines
    }

    // MARK: queries

    // MARK: forecasting


    /// Refreshes invoice_data's planner statistics once the table has doubled (in pages) since the last ANALYZE,
    /// instead of waiting for autovacuum's next round (a minute apart). A backlog loaded into a young table
    /// otherwise merges against statistics of a table a fraction of its size: the UPDATE and the key classification
    /// hashed the whole table for every batch (300 ms at 530,000 rows for a batch of 6,000 new keys, growing with
    /// the table; 5 ms with fresh statistics), and the insert's NOT EXISTS sought (category, date) and filtered
    /// product_id over the day's rows (1.1 s). A drain of 100 such batches took 17-56 s without this, depending on
    /// when autovacuum came round, and 17-23 s with it (BENCHMARKS.md). Run after the batch's commit, so the
    /// sampling (0.2 s at 600,000 rows) does not lengthen the merge other batches queue behind; a failure here
    /// changes nothing. Doubling, not autovacuum's tenth: analyzing every tenth made the drains 26-30 s. Pages,
    /// not the statistics collector's change counts: those are flushed after the commit, so a batch's own rows
    /// counted again as changes after its ANALYZE.
    static func analyzeIfGrown(_ conn: PostgresConnection) throws {
        let rows = try conn.query("""
            SELECT relpages::int8, pg_relation_size(oid) / current_setting('block_size')::int8
            FROM pg_class WHERE oid = 'invoice_data'::regclass
            """)
        guard let row = rows.first else { return }
        let analyzed = try row.decode(Int64.self, at: 0)  // pages when statistics were last taken (0 before any)
        let now = try row.decode(Int64.self, at: 1)
        if Double(now) > 2 * Double(max(analyzed, 0)) + 10 {
            _ = try conn.execute("ANALYZE invoice_data")
        }
    }

    // MARK: jobs

}

enum IngestResult: Sendable {
    case outcome(IngestOutcome)
    case rollback(errorLog: String, summary: ScanSummary)
}

