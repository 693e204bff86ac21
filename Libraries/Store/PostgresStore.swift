import Foundation
import Logging
import Postgres

/// The production store on PostgreSQL through the `Postgres` wrapper.
public final class PostgresStore: Store {
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

    public func shutdown() async { await client.shutdown() }

    public func ping() async throws {
        _ = try await client.query("SELECT 1")
    }

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

    static let uploadColumns = """
        batch_num, original_filename, stored_filename, file_hash,
        to_char(uploaded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        num_total_rows, num_missing_rows, num_imputed_rows, num_inserted_rows, num_updated_rows,
        status, error_log, upload_seq, num_unchanged_rows, num_rejected_rows, num_repeated_rows, on_error,
        to_char(processed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
        """

    static func decodeUpload(_ r: PostgresRow) throws -> UploadRecord {
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
        do {
            return try await client.withTransaction { conn in
                let rows = try conn.query("""
                    INSERT INTO upload_metadata (batch_num, original_filename, stored_filename, file_hash, on_error, request_id)
                    VALUES (\(u.batchNum), \(u.originalFilename), \(u.storedFilename), \(u.fileHash), \(u.onError.rawValue), \(u.requestID))
                    RETURNING \(unescaped: Self.uploadColumns)
                    """)
                try Self.insertJob(conn, job)
                return .accepted(try Self.decodeUpload(rows[0]))
            }
        } catch let error as PostgresError where error.isUniqueViolation {
            // The unique index covers batches that have not failed: a failed batch's file may be uploaded again.
            let rows = try await client.query("SELECT batch_num FROM upload_metadata WHERE file_hash = \(u.fileHash) AND status <> 'failed'")
            if let first = rows.first { return .duplicate(batchNum: try first.decode(String.self, at: 0)) }
            throw error
        }
    }

    public func upload(batchNum: String) async throws -> UploadRecord? {
        try await client.query("SELECT \(unescaped: Self.uploadColumns) FROM upload_metadata WHERE batch_num = \(batchNum)")
            .first.map(Self.decodeUpload)
    }

    public func uploads(limit: Int, offset: Int) async throws -> [UploadRecord] {
        try await client.query("""
            SELECT \(unescaped: Self.uploadColumns) FROM upload_metadata
            ORDER BY uploaded_at DESC, upload_seq DESC LIMIT \(limit) OFFSET \(offset)
            """).map(Self.decodeUpload)
    }

    public func markProcessing(batchNum: String) async throws -> BatchStatus? {
        let rows = try await client.query("""
            UPDATE upload_metadata SET status = CASE WHEN status = 'uploaded' THEN 'processing' ELSE status END
            WHERE batch_num = \(batchNum) RETURNING status
            """)
        return try rows.first.flatMap { BatchStatus(rawValue: try $0.decode(String.self, at: 0)) }
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
            let jobs = ForecastJobs.make(batchNum: batchNum, categories: counters.categories)
            for job in jobs { try Self.insertJob(conn, job) }
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

    public func invoices(_ q: InvoiceQuery) async throws -> [InvoiceRow] {
        var sql: PostgresQuery = """
            SELECT date::text, product_id, category, sales::float8, is_imputed, batch_num, file_hash,
                   to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                   to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), version
            FROM invoice_data WHERE TRUE
            """
        Self.appendFilters(q, to: &sql)
        sql.append(q.order == .newestFirst ? " ORDER BY date DESC, category, product_id" : " ORDER BY date, category, product_id")
        sql.append(" LIMIT \(q.limit) OFFSET \(q.offset)")
        return try await client.query(sql).map { r in
            InvoiceRow(
                date: try r.decode(String.self, at: 0), productID: try r.decode(String.self, at: 1),
                category: try r.decode(String.self, at: 2), sales: try r.decode(Double.self, at: 3),
                isImputed: try r.decode(Bool.self, at: 4), batchNum: try r.decode(String.self, at: 5),
                fileHash: try r.decode(String.self, at: 6), createdAt: try r.decode(String.self, at: 7),
                updatedAt: try r.decode(String.self, at: 8), version: try r.decode(Int.self, at: 9))
        }
    }

    public func invoiceCount(_ q: InvoiceQuery) async throws -> Int {
        var sql: PostgresQuery = "SELECT count(*)::int8 FROM invoice_data WHERE TRUE"
        Self.appendFilters(q, to: &sql)
        return try await client.query(sql).first.map { try $0.decode(Int.self, at: 0) } ?? 0
    }

    public func invoiceDataVersion() async throws -> String {
        try await client.query("""
            SELECT count(*)::text || ':' || coalesce(max(processed_at)::text, '') FROM upload_metadata WHERE status = 'completed'
            """).first.map { try $0.decode(String.self, at: 0) } ?? ""
    }

    /// The WHERE terms of an invoice query, after a `WHERE TRUE`.
    static func appendFilters(_ q: InvoiceQuery, to sql: inout PostgresQuery) {
        if let c = q.category { sql.append(" AND category = \(c)") }
        if let p = q.productID { sql.append(" AND product_id = \(p)") }
        if let b = q.batchNum { sql.append(" AND batch_num = \(b)") }
        if let s = q.startDate { sql.append(" AND date >= \(s)::date") }
        if let e = q.endDate { sql.append(" AND date <= \(e)::date") }
    }

    /// One page of forecasts, by model (`forecast_data`, key `model_type`) or by product (`product_forecast_data`,
    /// key `product_id`): the category, key and date filters, the order (newest day first for seed 003), the page.
    static func appendForecastPage(_ q: ForecastQuery, key: String, value: String?, to sql: inout PostgresQuery) {
        if let c = q.category { sql.append(" AND category = \(c)") }
        if let v = value { sql.append(" AND \(unescaped: key) = \(v)") }
        if let s = q.startDate { sql.append(" AND forecast_date >= \(s)::date") }
        if let e = q.endDate { sql.append(" AND forecast_date <= \(e)::date") }
        sql.append(q.order == .newestFirst ? " ORDER BY forecast_date DESC, category, \(unescaped: key)" : " ORDER BY category, \(unescaped: key), forecast_date")
        sql.append(" LIMIT \(q.limit) OFFSET \(q.offset)")
    }

    public func forecasts(_ q: ForecastQuery) async throws -> [ForecastRow] {
        var sql: PostgresQuery = """
            SELECT id, forecast_date::text, category, model_type, forecast_value::float8, lower_bound::float8,
                   upper_bound::float8, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), batch_num,
                   lower_80::float8, upper_80::float8
            FROM forecast_data WHERE TRUE
            """
        Self.appendForecastPage(q, key: "model_type", value: q.modelType?.rawValue, to: &sql)
        return try await client.query(sql).map { r in
            try ForecastRow(row: r)
        }
    }

    public func accuracy(category: String?) async throws -> [AccuracyRecord] {
        var sql: PostgresQuery = """
            SELECT category, model_type, smape, mase, coverage_80, coverage_95, windows, is_best, form, error,
                   to_char(fitted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
            FROM forecast_accuracy WHERE TRUE
            """
        if let category { sql.append(" AND category = \(category)") }
        sql.append(" ORDER BY category, model_type")
        return try await client.query(sql).map { r in
            try AccuracyRecord(row: r)
        }
    }

    public func categories() async throws -> [String] {
        try await client.query("SELECT DISTINCT category FROM invoice_data ORDER BY 1").map { try $0.decode(String.self, at: 0) }
    }

    // MARK: forecasting

    public func categorySeries(_ category: String) async throws -> CategorySeries {
        try await client.withConnection { conn in
            let rows = try conn.query("""
                SELECT (date - DATE '1970-01-01')::int4, sum(sales)::float8 FROM invoice_data
                WHERE category = \(category) GROUP BY date ORDER BY date
                """)
            let fp = try conn.query("""
                SELECT count(*)::text || ':' || coalesce(sum(version), 0)::text || ':' || coalesce(sum(sales), 0)::text
                FROM invoice_data WHERE category = \(category)
                """)
            return CategorySeries(
                days: try rows.map { Int32(try $0.decode(Int.self, at: 0)) },
                totals: try rows.map { try $0.decode(Double.self, at: 1) },
                fingerprint: try fp[0].decode(String.self, at: 0))
        }
    }

    public func forecastFingerprint(category: String) async throws -> String? {
        try await client.query("SELECT data_fingerprint FROM forecast_runs WHERE category = \(category)")
            .first.map { try $0.decode(String.self, at: 0) }
    }

    public func saveForecasts(
        category: String, fingerprint: String, lastDate: String,
        forecasts: [CategoryForecast], accuracy: [AccuracyRecord], batchNum: String?, notes: String?
    ) async throws {
        try await client.withTransaction { conn in
            for f in forecasts {
                let dates = f.points.map(\.date)
                for (k, p) in f.points.enumerated() {
                    let band = f.band80?[k]
                    _ = try conn.execute("""
                        INSERT INTO forecast_data (forecast_date, category, model_type, forecast_value, lower_bound, upper_bound, lower_80, upper_80, batch_num)
                        VALUES (\(p.date)::date, \(category), \(f.modelType.rawValue), \(Money.format(p.value))::numeric,
                                \(Money.format(p.lower))::numeric, \(Money.format(p.upper))::numeric,
                                \(band.map { Money.format($0.lower) })::numeric, \(band.map { Money.format($0.upper) })::numeric, \(batchNum))
                        ON CONFLICT (forecast_date, category, model_type) DO UPDATE SET
                            forecast_value = EXCLUDED.forecast_value, lower_bound = EXCLUDED.lower_bound,
                            upper_bound = EXCLUDED.upper_bound, lower_80 = EXCLUDED.lower_80, upper_80 = EXCLUDED.upper_80,
                            batch_num = EXCLUDED.batch_num, created_at = now()
                        """)
                }
                _ = try conn.execute("""
                    DELETE FROM forecast_data WHERE category = \(category) AND model_type = \(f.modelType.rawValue)
                    AND NOT (forecast_date::text = ANY (string_to_array(\(dates.joined(separator: ",")), ',')))
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
                INSERT INTO forecast_runs (category, data_fingerprint, last_date, notes) VALUES (\(category), \(fingerprint), \(lastDate)::date, \(notes))
                ON CONFLICT (category) DO UPDATE SET data_fingerprint = EXCLUDED.data_fingerprint,
                    last_date = EXCLUDED.last_date, notes = EXCLUDED.notes, fitted_at = now()
                """)
        }
    }

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

    static func insertJob(_ conn: PostgresConnection, _ job: NewJob) throws {
        _ = try conn.execute("""
            INSERT INTO jobs (id, type, queue, payload, request_id) VALUES (\(job.id), \(job.type), \(job.queue), \(job.payload), \(job.requestID))
            ON CONFLICT (id) DO NOTHING
            """)
    }

    public func createJob(_ job: NewJob) async throws -> Bool {
        try await client.execute("""
            INSERT INTO jobs (id, type, queue, payload, request_id) VALUES (\(job.id), \(job.type), \(job.queue), \(job.payload), \(job.requestID))
            ON CONFLICT (id) DO NOTHING
            """) == 1
    }

    static let jobColumns = """
        id, type, queue, status, progress, attempts, payload, result, error, request_id,
        to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        to_char(finished_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
        """

    static func decodeJob(_ r: PostgresRow) throws -> JobRecord { try JobRecord(row: r) }

    public func job(id: String) async throws -> JobRecord? {
        try await client.query("SELECT \(unescaped: Self.jobColumns) FROM jobs WHERE id = \(id)").first.map(Self.decodeJob)
    }

    public func jobs(type: String?, status: JobStatus?, limit: Int, offset: Int) async throws -> [JobRecord] {
        var sql: PostgresQuery = "SELECT \(unescaped: Self.jobColumns) FROM jobs WHERE TRUE"
        if let type { sql.append(" AND type = \(type)") }
        if let status { sql.append(" AND status = \(status.rawValue)") }
        sql.append(" ORDER BY created_at DESC, id LIMIT \(limit) OFFSET \(offset)")
        return try await client.query(sql).map(Self.decodeJob)
    }

    public func jobStarted(id: String, attempt: Int) async throws {
        _ = try await client.execute("""
            UPDATE jobs SET status = CASE WHEN status IN ('completed', 'skipped') THEN status ELSE 'running' END,
                attempts = GREATEST(attempts, \(attempt + 1)), started_at = coalesce(started_at, now()), updated_at = now()
            WHERE id = \(id)
            """)
    }

    public func jobProgress(id: String, progress: Double) async throws {
        _ = try await client.execute("UPDATE jobs SET progress = \(progress), updated_at = now() WHERE id = \(id)")
    }

    public func jobFinished(id: String, status: JobStatus, result: String?, error: String?) async throws {
        _ = try await client.execute("""
            UPDATE jobs SET status = \(status.rawValue), result = coalesce(\(result), result), error = \(error),
                progress = CASE WHEN \(status.rawValue) IN ('completed', 'skipped') THEN 1 ELSE progress END,
                finished_at = now(), updated_at = now()
            WHERE id = \(id) AND status NOT IN ('completed', 'skipped')
            """)
    }

    public func jobRetrying(id: String, error: String) async throws {
        _ = try await client.execute("UPDATE jobs SET status = 'queued', error = \(error), updated_at = now() WHERE id = \(id) AND status = 'running'")
    }

    public func unfinishedJobs(idleFor seconds: Double, limit: Int) async throws -> [JobRecord] {
        try await client.query("""
            SELECT \(unescaped: Self.jobColumns) FROM jobs
            WHERE status IN ('queued', 'running') AND updated_at < now() - make_interval(secs => \(seconds))
            ORDER BY created_at LIMIT \(limit)
            """).map(Self.decodeJob)
    }

    public func touchJobs(ids: [String]) async throws {
        guard !ids.isEmpty else { return }
        _ = try await client.execute("UPDATE jobs SET updated_at = now() WHERE id = ANY (string_to_array(\(ids.joined(separator: "\u{1F}")), E'\\x1F'))")
    }

    public func jobCounts() async throws -> [String: Int] {
        var out: [String: Int] = [:]
        for r in try await client.query("SELECT status, count(*) FROM jobs GROUP BY status") {
            out[try r.decode(String.self, at: 0)] = try r.decode(Int.self, at: 1)
        }
        return out
    }
}

enum IngestResult: Sendable {
    case outcome(IngestOutcome)
    case rollback(errorLog: String, summary: ScanSummary)
}

/// The forecast jobs an ETL batch fans out: one per affected category, with a stable id so a retry records the same rows.
public enum ForecastJobs {
    public static func make(batchNum: String, categories: [String]) -> [NewJob] {
        categories.map { category in
            let payload = "{\"category\":\(JSONText.quote(category)),\"batch_num\":\(JSONText.quote(batchNum))}"
            return NewJob(id: "forecast-" + String(SHA256Text.hex(batchNum + "\u{0}" + category).prefix(32)), type: "forecast", queue: "forecast_queue", payload: payload)
        }
    }
}
