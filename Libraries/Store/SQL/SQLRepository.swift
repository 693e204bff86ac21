import Foundation

/// The statements both stores run, written once over the dialect's fragments (issue 18, item 5). A store conforms by
/// naming its database; what stays per store is what differs in kind, not in spelling: the streaming ingest (COPY
/// against a prepared insert), the upload's duplicate check (a unique-violation retry against a read in
/// `BEGIN IMMEDIATE`), the migrations' locks, and the product forecasts' bulk write.
public protocol SQLRepository: Store {
    associatedtype Database: StoreDatabase
    var database: Database { get }
}

extension SQLRepository {
    public func ping() async throws {
        try await database.withConnection { _ = try $0.rows("SELECT 1") }
    }

    // MARK: uploads

    var uploadColumns: String {
        """
        batch_num, original_filename, stored_filename, file_hash, \(dialect.instant("uploaded_at")),
        num_total_rows, num_missing_rows, num_imputed_rows, num_inserted_rows, num_updated_rows,
        status, error_log, upload_seq, num_unchanged_rows, num_rejected_rows, num_repeated_rows, on_error,
        \(dialect.instant("processed_at"))
        """
    }

    public func upload(batchNum: String) async throws -> UploadRecord? {
        try await database.query("SELECT \(unescaped: uploadColumns) FROM upload_metadata WHERE batch_num = \(batchNum)") {
            try UploadRecord(row: $0)
        }.first
    }

    /// Moves an uploaded batch to processing and returns its status (any status: a batch a worker already took,
    /// finished or failed keeps it), nil for no such batch. One statement, so two workers racing see one move.
    public func markProcessing(batchNum: String) async throws -> BatchStatus? {
        try await database.query("""
            UPDATE upload_metadata SET status = CASE WHEN status = 'uploaded' THEN 'processing' ELSE status END
            WHERE batch_num = \(batchNum) RETURNING status
            """) { try $0.string(0) }.first.flatMap(BatchStatus.init(rawValue:))
    }

    public func uploads(limit: Int, offset: Int) async throws -> [UploadRecord] {
        try await database.query("""
            SELECT \(unescaped: uploadColumns) FROM upload_metadata
            ORDER BY uploaded_at DESC, upload_seq DESC LIMIT \(limit) OFFSET \(offset)
            """) { try UploadRecord(row: $0) }
    }

    // MARK: queries

    public func invoices(_ q: InvoiceQuery) async throws -> [InvoiceRow] {
        var sql: StoreSQL = """
            SELECT \(unescaped: dialect.text("date")), product_id, category, \(unescaped: dialect.real("sales")), is_imputed,
                   batch_num, file_hash, \(unescaped: dialect.instantToSecond("created_at")),
                   \(unescaped: dialect.instantToSecond("updated_at")), version
            FROM invoice_data WHERE \(unescaped: dialect.always)
            """
        appendFilters(q, to: &sql)
        sql.append(q.order == .newestFirst ? " ORDER BY date DESC, category, product_id" : " ORDER BY date, category, product_id")
        sql.append(" LIMIT \(q.limit) OFFSET \(q.offset)")
        return try await database.query(sql) { r in
            InvoiceRow(
                date: try r.string(0), productID: try r.string(1), category: try r.string(2), sales: try r.double(3),
                isImputed: try r.bool(4), batchNum: try r.string(5), fileHash: try r.string(6), createdAt: try r.string(7),
                updatedAt: try r.string(8), version: try r.int(9))
        }
    }

    public func invoiceCount(_ q: InvoiceQuery) async throws -> Int {
        var sql: StoreSQL = "SELECT count(*) FROM invoice_data WHERE \(unescaped: dialect.always)"
        appendFilters(q, to: &sql)
        return try await database.query(sql) { try $0.int(0) }.first ?? 0
    }

    public func invoiceDataVersion() async throws -> String {
        try await database.query("""
            SELECT \(unescaped: dialect.text("count(*)")) || ':' || coalesce(\(unescaped: dialect.text("max(processed_at)")), '')
            FROM upload_metadata WHERE status = 'completed'
            """) { try $0.string(0) }.first ?? ""
    }

    /// The WHERE terms of an invoice query, after a `WHERE` that holds.
    func appendFilters(_ q: InvoiceQuery, to sql: inout StoreSQL) {
        if let c = q.category { sql.append(" AND category = \(c)") }
        if let p = q.productID { sql.append(" AND product_id = \(p)") }
        if let b = q.batchNum { sql.append(" AND batch_num = \(b)") }
        if let s = q.startDate { sql.append(" AND date >= \(dialect.date(s))") }
        if let e = q.endDate { sql.append(" AND date <= \(dialect.date(e))") }
    }

    /// One page of forecasts, by model (`forecast_data`, key `model_type`) or by product (`product_forecast_data`,
    /// key `product_id`): the category, key and date filters, the order (newest day first for seed 003), the page.
    func appendForecastPage(_ q: ForecastQuery, key: String, value: String?, to sql: inout StoreSQL) {
        if let c = q.category { sql.append(" AND category = \(c)") }
        if let v = value { sql.append(" AND \(unescaped: key) = \(v)") }
        if let s = q.startDate { sql.append(" AND forecast_date >= \(dialect.date(s))") }
        if let e = q.endDate { sql.append(" AND forecast_date <= \(dialect.date(e))") }
        sql.append(q.order == .newestFirst ? " ORDER BY forecast_date DESC, category, \(unescaped: key)" : " ORDER BY category, \(unescaped: key), forecast_date")
        sql.append(" LIMIT \(q.limit) OFFSET \(q.offset)")
    }

    public func forecasts(_ q: ForecastQuery) async throws -> [ForecastRow] {
        let d = dialect
        var sql: StoreSQL = """
            SELECT id, \(unescaped: d.text("forecast_date")), category, model_type, \(unescaped: d.real("forecast_value")),
                   \(unescaped: d.real("lower_bound")), \(unescaped: d.real("upper_bound")), \(unescaped: d.instantToSecond("created_at")),
                   batch_num, \(unescaped: d.real("lower_80")), \(unescaped: d.real("upper_80"))
            FROM forecast_data WHERE \(unescaped: d.always)
            """
        appendForecastPage(q, key: "model_type", value: q.modelType?.rawValue, to: &sql)
        return try await database.query(sql) { try ForecastRow(row: $0) }
    }

    public func productForecasts(_ q: ForecastQuery) async throws -> [ProductForecastRow] {
        let d = dialect
        var sql: StoreSQL = """
            SELECT \(unescaped: d.text("forecast_date")), category, product_id, \(unescaped: d.real("forecast_value")),
                   \(unescaped: d.real("lower_80")), \(unescaped: d.real("upper_80")), \(unescaped: d.real("lower_bound")),
                   \(unescaped: d.real("upper_bound")), reconciliation, base, \(unescaped: d.instantToSecond("created_at")), batch_num
            FROM product_forecast_data WHERE \(unescaped: d.always)
            """
        appendForecastPage(q, key: "product_id", value: q.productID, to: &sql)
        return try await database.query(sql) { try ProductForecastRow(row: $0) }
    }

    public func accuracy(category: String?) async throws -> [AccuracyRecord] {
        var sql: StoreSQL = """
            SELECT category, model_type, smape, mase, coverage_80, coverage_95, windows, is_best, form, error,
                   \(unescaped: dialect.instantToSecond("fitted_at"))
            FROM forecast_accuracy WHERE \(unescaped: dialect.always)
            """
        if let category { sql.append(" AND category = \(category)") }
        sql.append(" ORDER BY category, model_type")
        return try await database.query(sql) { try AccuracyRecord(row: $0) }
    }

    public func categories() async throws -> [String] {
        try await database.query("SELECT DISTINCT category FROM invoice_data ORDER BY 1") { try $0.string(0) }
    }

    public func forecastFingerprint(category: String) async throws -> String? {
        try await database.query("SELECT data_fingerprint FROM forecast_runs WHERE category = \(category)") { try $0.string(0) }.first
    }

    public func calibrationMembers(excluding category: String, limit: Int) async throws -> [(modelType: String, member: String)] {
        try await database.query("""
            SELECT model_type, calibration FROM forecast_accuracy WHERE calibration IS NOT NULL AND category <> \(category)
            ORDER BY fitted_at DESC LIMIT \(limit)
            """) { (try $0.string(0), try $0.string(1)) }.map { (modelType: $0.0, member: $0.1) }
    }

    // MARK: jobs

    var jobColumns: String {
        """
        id, type, queue, status, progress, attempts, payload, result, error, request_id, \(dialect.instant("created_at")),
        \(dialect.instant("updated_at")), \(dialect.instant("started_at")), \(dialect.instant("finished_at"))
        """
    }

    public func createJob(_ job: NewJob) async throws -> Bool {
        try await database.withConnection { try insertJob($0, job) } == 1
    }

    public func job(id: String) async throws -> JobRecord? {
        try await database.query("SELECT \(unescaped: jobColumns) FROM jobs WHERE id = \(id)") { try JobRecord(row: $0) }.first
    }

    public func jobs(type: String?, status: JobStatus?, limit: Int, offset: Int) async throws -> [JobRecord] {
        var sql: StoreSQL = "SELECT \(unescaped: jobColumns) FROM jobs WHERE \(unescaped: dialect.always)"
        if let type { sql.append(" AND type = \(type)") }
        if let status { sql.append(" AND status = \(status.rawValue)") }
        sql.append(" ORDER BY created_at DESC, id LIMIT \(limit) OFFSET \(offset)")
        return try await database.query(sql) { try JobRecord(row: $0) }
    }

    public func jobs(ids: [String]) async throws -> [JobRecord] {
        guard !ids.isEmpty else { return [] }
        return try await database.query("""
            SELECT \(unescaped: jobColumns) FROM jobs WHERE id IN (\(dialect.textRows(ids))) ORDER BY id
            """) { try JobRecord(row: $0) }
    }

    public func jobStarted(id: String, attempt: Int) async throws {
        let now = dialect.now
        try await database.run("""
            UPDATE jobs SET status = CASE WHEN status IN ('completed', 'skipped') THEN status ELSE 'running' END,
                attempts = \(unescaped: dialect.greatest)(attempts, \(attempt + 1)), started_at = coalesce(started_at, \(unescaped: now)),
                updated_at = \(unescaped: now)
            WHERE id = \(id)
            """)
    }

    public func jobProgress(id: String, progress: Double) async throws {
        try await database.run("UPDATE jobs SET progress = \(progress), updated_at = \(unescaped: dialect.now) WHERE id = \(id)")
    }

    public func jobFinished(id: String, status: JobStatus, result: String?, error: String?) async throws {
        let now = dialect.now
        try await database.run("""
            UPDATE jobs SET status = \(status.rawValue), result = coalesce(\(result), result), error = \(error),
                progress = CASE WHEN \(status.rawValue) IN ('completed', 'skipped') THEN 1 ELSE progress END,
                finished_at = \(unescaped: now), updated_at = \(unescaped: now)
            WHERE id = \(id) AND status NOT IN ('completed', 'skipped')
            """)
    }

    public func jobRetrying(id: String, error: String) async throws {
        try await database.run("""
            UPDATE jobs SET status = 'queued', error = \(error), updated_at = \(unescaped: dialect.now) WHERE id = \(id) AND status = 'running'
            """)
    }

    public func unfinishedJobs(idleFor seconds: Double, limit: Int) async throws -> [JobRecord] {
        try await database.query("""
            SELECT \(unescaped: jobColumns) FROM jobs
            WHERE status IN ('queued', 'running') AND \(dialect.olderThan("updated_at", seconds: seconds))
            ORDER BY created_at LIMIT \(limit)
            """) { try JobRecord(row: $0) }
    }

    public func touchJobs(ids: [String]) async throws {
        guard !ids.isEmpty else { return }
        try await database.run("UPDATE jobs SET updated_at = \(unescaped: dialect.now) WHERE id IN (\(dialect.textRows(ids)))")
    }

    public func jobCounts() async throws -> [String: Int] {
        let rows = try await database.query("SELECT status, count(*) FROM jobs GROUP BY status") { (try $0.string(0), try $0.int(1)) }
        return Dictionary(rows, uniquingKeysWith: +)
    }

    /// Inserts a job row unless one with its id exists; the number of rows inserted (0 or 1).
    @discardableResult
    func insertJob(_ conn: some StoreConnection, _ job: NewJob) throws -> Int {
        try conn.run("""
            INSERT INTO jobs (id, type, queue, payload, request_id) VALUES (\(job.id), \(job.type), \(job.queue), \(job.payload), \(job.requestID))
            ON CONFLICT (id) DO NOTHING
            """)
    }

    /// A job that ran elsewhere, recorded as completed (a training run's jobs, a report).
    func insertFinishedJob(_ conn: some StoreConnection, _ job: NewJob, result: String) throws {
        try insertJob(conn, job)
        let now = dialect.now
        try conn.run("""
            UPDATE jobs SET status = 'completed', progress = 1, result = \(result), started_at = \(unescaped: now),
                finished_at = \(unescaped: now), updated_at = \(unescaped: now) WHERE id = \(job.id)
            """)
    }

    public func saveReport(_ job: NewJob, result: String, filename: String, content: String) async throws {
        try await database.withTransaction { conn in
            try insertFinishedJob(conn, job, result: result)
            try conn.run("INSERT INTO report_files (job_id, filename, content) VALUES (\(job.id), \(filename), \(content))")
        }
    }

    public func recordFinishedJob(_ job: NewJob, result: String) async throws {
        try await database.withTransaction { try insertFinishedJob($0, job, result: result) }
    }

    public func report(jobID: String) async throws -> (filename: String, content: String)? {
        try await database.query("SELECT filename, content FROM report_files WHERE job_id = \(jobID)") {
            (try $0.string(0), try $0.string(1))
        }.first.map { (filename: $0.0, content: $0.1) }
    }
}
