import Foundation
import Logging
import SQLite

/// The embedded store on a SQLite file (WAL) through the `SQLite` wrapper; same behaviour as `PostgresStore`.
public final class SQLiteStore: Store {
    public let dialect = StoreDialect.sqlite
    let db: SQLiteDatabase
    let logger: Logger
    static let now = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"

    public init(path: String, logger: Logger) throws {
        self.db = try SQLiteDatabase(path: path)
        self.logger = logger
    }

    public func shutdown() async { await db.close() }

    public func ping() async throws {
        _ = try await db.withConnection { try $0.query("SELECT 1") }
    }

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

    static let uploadColumns = """
        batch_num, original_filename, stored_filename, file_hash, uploaded_at,
        num_total_rows, num_missing_rows, num_imputed_rows, num_inserted_rows, num_updated_rows,
        status, error_log, upload_seq, num_unchanged_rows, num_rejected_rows, num_repeated_rows, on_error, processed_at
        """

    static func decodeUpload(_ r: SQLiteRow) throws -> UploadRecord {
        UploadRecord(
            batchNum: try r.decode(String.self, at: 0), originalFilename: try r.decode(String.self, at: 1),
            storedFilename: try r.decode(String.self, at: 2), fileHash: try r.decode(String.self, at: 3),
            uploadedAt: try r.decode(String.self, at: 4), numTotalRows: try r.decode(Int.self, at: 5),
            numMissingRows: try r.decode(Int.self, at: 6), numImputedRows: try r.decode(Int.self, at: 7),
            numInsertedRows: try r.decode(Int.self, at: 8), numUpdatedRows: try r.decode(Int.self, at: 9),
            status: BatchStatus(rawValue: try r.decode(String.self, at: 10)) ?? .failed,
            errorLog: try r.decode(String?.self, at: 11), uploadSeq: try r.decode(Int64.self, at: 12),
            numUnchangedRows: try r.decode(Int.self, at: 13), numRejectedRows: try r.decode(Int.self, at: 14),
            numRepeatedRows: try r.decode(Int.self, at: 15), onError: OnError(rawValue: try r.decode(String.self, at: 16)) ?? .fail,
            processedAt: try r.decode(String?.self, at: 17))
    }

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
            try Self.insertJob(conn, job)
            let rows = try conn.query("SELECT \(unescaped: Self.uploadColumns) FROM upload_metadata WHERE batch_num = \(u.batchNum)")
            return .accepted(try Self.decodeUpload(rows[0]))
        }
    }

    public func upload(batchNum: String) async throws -> UploadRecord? {
        try await db.withConnection { conn in
            try conn.query("SELECT \(unescaped: Self.uploadColumns) FROM upload_metadata WHERE batch_num = \(batchNum)").first.map(Self.decodeUpload)
        }
    }

    public func uploads(limit: Int, offset: Int) async throws -> [UploadRecord] {
        try await db.withConnection { conn in
            try conn.query("""
                SELECT \(unescaped: Self.uploadColumns) FROM upload_metadata
                ORDER BY uploaded_at DESC, upload_seq DESC LIMIT \(limit) OFFSET \(offset)
                """).map(Self.decodeUpload)
        }
    }

    public func markProcessing(batchNum: String) async throws -> BatchStatus? {
        try await db.withTransaction { conn in
            _ = try conn.execute("UPDATE upload_metadata SET status = 'processing' WHERE batch_num = \(batchNum) AND status = 'uploaded'")
            return try conn.query("SELECT status FROM upload_metadata WHERE batch_num = \(batchNum)").first
                .flatMap { BatchStatus(rawValue: try $0.decode(String.self, at: 0)) }
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
            let jobs = ForecastJobs.make(batchNum: batchNum, categories: counters.categories)
            for job in jobs { try Self.insertJob(conn, job) }
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

    public func invoices(_ q: InvoiceQuery) async throws -> [InvoiceRow] {
        var sql: SQLiteQuery = """
            SELECT date, product_id, category, CAST(sales AS REAL), is_imputed, batch_num, file_hash,
                   substr(created_at, 1, 19) || 'Z', substr(updated_at, 1, 19) || 'Z', version
            FROM invoice_data WHERE 1
            """
        Self.appendFilters(q, to: &sql)
        sql.append(q.order == .newestFirst ? " ORDER BY date DESC, category, product_id" : " ORDER BY date, category, product_id")
        sql.append(" LIMIT \(q.limit) OFFSET \(q.offset)")
        let query = sql
        return try await db.withConnection { conn in
            try conn.query(query).map { r in
                InvoiceRow(
                    date: try r.decode(String.self, at: 0), productID: try r.decode(String.self, at: 1),
                    category: try r.decode(String.self, at: 2), sales: try r.decode(Double.self, at: 3),
                    isImputed: try r.decode(Bool.self, at: 4), batchNum: try r.decode(String.self, at: 5),
                    fileHash: try r.decode(String.self, at: 6), createdAt: try r.decode(String.self, at: 7),
                    updatedAt: try r.decode(String.self, at: 8), version: try r.decode(Int.self, at: 9))
            }
        }
    }

    public func invoiceCount(_ q: InvoiceQuery) async throws -> Int {
        var sql: SQLiteQuery = "SELECT count(*) FROM invoice_data WHERE 1"
        Self.appendFilters(q, to: &sql)
        let query = sql
        return try await db.withConnection { conn in
            try conn.query(query).first.map { try $0.decode(Int.self, at: 0) } ?? 0
        }
    }

    public func invoiceDataVersion() async throws -> String {
        try await db.withConnection { conn in
            try conn.query("SELECT count(*) || ':' || coalesce(max(processed_at), '') FROM upload_metadata WHERE status = 'completed'")
                .first.map { try $0.decode(String.self, at: 0) } ?? ""
        }
    }

    /// The WHERE terms of an invoice query, after a `WHERE 1`.
    static func appendFilters(_ q: InvoiceQuery, to sql: inout SQLiteQuery) {
        if let c = q.category { sql.append(" AND category = \(c)") }
        if let p = q.productID { sql.append(" AND product_id = \(p)") }
        if let b = q.batchNum { sql.append(" AND batch_num = \(b)") }
        if let s = q.startDate { sql.append(" AND date >= \(s)") }
        if let e = q.endDate { sql.append(" AND date <= \(e)") }
    }

    /// One page of forecasts, by model (`forecast_data`, key `model_type`) or by product (`product_forecast_data`,
    /// key `product_id`): the category, key and date filters, the order (newest day first for seed 003), the page.
    static func appendForecastPage(_ q: ForecastQuery, key: String, value: String?, to sql: inout SQLiteQuery) {
        if let c = q.category { sql.append(" AND category = \(c)") }
        if let v = value { sql.append(" AND \(unescaped: key) = \(v)") }
        if let s = q.startDate { sql.append(" AND forecast_date >= \(s)") }
        if let e = q.endDate { sql.append(" AND forecast_date <= \(e)") }
        sql.append(q.order == .newestFirst ? " ORDER BY forecast_date DESC, category, \(unescaped: key)" : " ORDER BY category, \(unescaped: key), forecast_date")
        sql.append(" LIMIT \(q.limit) OFFSET \(q.offset)")
    }

    public func forecasts(_ q: ForecastQuery) async throws -> [ForecastRow] {
        var sql: SQLiteQuery = """
            SELECT id, forecast_date, category, model_type, CAST(forecast_value AS REAL), CAST(lower_bound AS REAL),
                   CAST(upper_bound AS REAL), substr(created_at, 1, 19) || 'Z', batch_num, CAST(lower_80 AS REAL), CAST(upper_80 AS REAL)
            FROM forecast_data WHERE 1
            """
        Self.appendForecastPage(q, key: "model_type", value: q.modelType?.rawValue, to: &sql)
        let query = sql
        return try await db.withConnection { conn in
            try conn.query(query).map { r in
                try ForecastRow(row: r)
            }
        }
    }

    public func accuracy(category: String?) async throws -> [AccuracyRecord] {
        var sql: SQLiteQuery = """
            SELECT category, model_type, smape, mase, coverage_80, coverage_95, windows, is_best, form, error,
                   substr(fitted_at, 1, 19) || 'Z'
            FROM forecast_accuracy WHERE 1
            """
        if let category { sql.append(" AND category = \(category)") }
        sql.append(" ORDER BY category, model_type")
        let query = sql
        return try await db.withConnection { conn in
            try conn.query(query).map { r in
                try AccuracyRecord(row: r)
            }
        }
    }

    public func categories() async throws -> [String] {
        try await db.withConnection { conn in
            try conn.query("SELECT DISTINCT category FROM invoice_data ORDER BY 1").map { try $0.decode(String.self, at: 0) }
        }
    }

    public func categorySeries(_ category: String) async throws -> CategorySeries {
        try await db.withConnection { conn in
            let rows = try conn.query("SELECT date, sum(sales) FROM invoice_data WHERE category = \(category) GROUP BY date ORDER BY date")
            let fp = try conn.query("""
                SELECT count(*) || ':' || coalesce(sum(version), 0) || ':' || printf('%.2f', coalesce(sum(sales), 0))
                FROM invoice_data WHERE category = \(category)
                """)
            return CategorySeries(
                days: try rows.map { r in
                    let text = try r.decode(String.self, at: 0)
                    guard let d = DayNumber.parse(text) else { throw StoreError("bad stored date \(text)") }
                    return d
                },
                totals: try rows.map { try $0.decode(Double.self, at: 1) },
                fingerprint: try fp[0].decode(String.self, at: 0))
        }
    }

    public func forecastFingerprint(category: String) async throws -> String? {
        try await db.withConnection { conn in
            try conn.query("SELECT data_fingerprint FROM forecast_runs WHERE category = \(category)").first.map { try $0.decode(String.self, at: 0) }
        }
    }

    public func saveForecasts(
        category: String, fingerprint: String, lastDate: String,
        forecasts: [CategoryForecast], accuracy: [AccuracyRecord], batchNum: String?, notes: String?
    ) async throws {
        try await db.withTransaction { conn in
            for f in forecasts {
                for (k, p) in f.points.enumerated() {
                    let band = f.band80?[k]
                    _ = try conn.execute("""
                        INSERT INTO forecast_data (forecast_date, category, model_type, forecast_value, lower_bound, upper_bound, lower_80, upper_80, batch_num)
                        VALUES (\(p.date), \(category), \(f.modelType.rawValue), \(Money.round(p.value)), \(Money.round(p.lower)), \(Money.round(p.upper)),
                                \(band.map { Money.round($0.lower) }), \(band.map { Money.round($0.upper) }), \(batchNum))
                        ON CONFLICT (forecast_date, category, model_type) DO UPDATE SET
                            forecast_value = excluded.forecast_value, lower_bound = excluded.lower_bound,
                            upper_bound = excluded.upper_bound, lower_80 = excluded.lower_80, upper_80 = excluded.upper_80,
                            batch_num = excluded.batch_num, created_at = \(unescaped: Self.now)
                        """)
                }
                let first = f.points.first?.date ?? "", last = f.points.last?.date ?? ""
                _ = try conn.execute("""
                    DELETE FROM forecast_data WHERE category = \(category) AND model_type = \(f.modelType.rawValue)
                    AND (forecast_date < \(first) OR forecast_date > \(last))
                    """)
            }
            _ = try conn.execute("DELETE FROM forecast_accuracy WHERE category = \(category)")
            for a in accuracy {
                _ = try conn.execute("""
                    INSERT INTO forecast_accuracy (category, model_type, smape, mase, coverage_80, coverage_95, windows, is_best, form, error, calibration)
                    VALUES (\(category), \(a.modelType), \(a.smape), \(a.mase), \(a.coverage80), \(a.coverage95),
                            \(a.windows), \(a.isBest), \(a.form), \(a.error), \(a.calibration))
                    """)
            }
            _ = try conn.execute("""
                INSERT INTO forecast_runs (category, data_fingerprint, last_date, notes) VALUES (\(category), \(fingerprint), \(lastDate), \(notes))
                ON CONFLICT (category) DO UPDATE SET data_fingerprint = excluded.data_fingerprint,
                    last_date = excluded.last_date, notes = excluded.notes, fitted_at = \(unescaped: Self.now)
                """)
        }
    }

    // MARK: jobs

    static func insertJob(_ conn: SQLiteConnection, _ job: NewJob) throws {
        _ = try conn.execute("""
            INSERT INTO jobs (id, type, queue, payload, request_id) VALUES (\(job.id), \(job.type), \(job.queue), \(job.payload), \(job.requestID))
            ON CONFLICT (id) DO NOTHING
            """)
    }

    public func createJob(_ job: NewJob) async throws -> Bool {
        try await db.withTransaction { conn in
            try Self.insertJob(conn, job)
            return conn.changes == 1
        }
    }

    static let jobColumns = """
        id, type, queue, status, progress, attempts, payload, result, error, request_id, created_at, updated_at, started_at, finished_at
        """

    static func decodeJob(_ r: SQLiteRow) throws -> JobRecord { try JobRecord(row: r) }

    public func job(id: String) async throws -> JobRecord? {
        try await db.withConnection { conn in
            try conn.query("SELECT \(unescaped: Self.jobColumns) FROM jobs WHERE id = \(id)").first.map(Self.decodeJob)
        }
    }

    public func jobs(type: String?, status: JobStatus?, limit: Int, offset: Int) async throws -> [JobRecord] {
        var sql: SQLiteQuery = "SELECT \(unescaped: Self.jobColumns) FROM jobs WHERE 1"
        if let type { sql.append(" AND type = \(type)") }
        if let status { sql.append(" AND status = \(status.rawValue)") }
        sql.append(" ORDER BY created_at DESC, id LIMIT \(limit) OFFSET \(offset)")
        let query = sql
        return try await db.withConnection { conn in try conn.query(query).map(Self.decodeJob) }
    }

    public func jobStarted(id: String, attempt: Int) async throws {
        _ = try await db.withConnection { conn in
            try conn.execute("""
                UPDATE jobs SET status = CASE WHEN status IN ('completed', 'skipped') THEN status ELSE 'running' END,
                    attempts = max(attempts, \(attempt + 1)), started_at = coalesce(started_at, \(unescaped: Self.now)),
                    updated_at = \(unescaped: Self.now)
                WHERE id = \(id)
                """)
        }
    }

    public func jobProgress(id: String, progress: Double) async throws {
        _ = try await db.withConnection { conn in
            try conn.execute("UPDATE jobs SET progress = \(progress), updated_at = \(unescaped: Self.now) WHERE id = \(id)")
        }
    }

    public func jobFinished(id: String, status: JobStatus, result: String?, error: String?) async throws {
        _ = try await db.withConnection { conn in
            try conn.execute("""
                UPDATE jobs SET status = \(status.rawValue), result = coalesce(\(result), result), error = \(error),
                    progress = CASE WHEN \(status.rawValue) IN ('completed', 'skipped') THEN 1 ELSE progress END,
                    finished_at = \(unescaped: Self.now), updated_at = \(unescaped: Self.now)
                WHERE id = \(id) AND status NOT IN ('completed', 'skipped')
                """)
        }
    }

    public func jobRetrying(id: String, error: String) async throws {
        _ = try await db.withConnection { conn in
            try conn.execute("UPDATE jobs SET status = 'queued', error = \(error), updated_at = \(unescaped: Self.now) WHERE id = \(id) AND status = 'running'")
        }
    }

    public func unfinishedJobs(idleFor seconds: Double, limit: Int) async throws -> [JobRecord] {
        try await db.withConnection { conn in
            try conn.query("""
                SELECT \(unescaped: Self.jobColumns) FROM jobs
                WHERE status IN ('queued', 'running')
                  AND updated_at <= strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-' || \(seconds) || ' seconds')
                ORDER BY created_at LIMIT \(limit)
                """).map(Self.decodeJob)
        }
    }

    public func touchJobs(ids: [String]) async throws {
        guard !ids.isEmpty else { return }
        try await db.withTransaction { conn in
            for id in ids { _ = try conn.execute("UPDATE jobs SET updated_at = \(unescaped: Self.now) WHERE id = \(id)") }
        }
    }

    public func jobCounts() async throws -> [String: Int] {
        try await db.withConnection { conn in
            var out: [String: Int] = [:]
            for r in try conn.query("SELECT status, count(*) FROM jobs GROUP BY status") {
                out[try r.decode(String.self, at: 0)] = try r.decode(Int.self, at: 1)
            }
            return out
        }
    }
}
