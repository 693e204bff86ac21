public import Foundation
public import Logging

/// The repository interface over PostgreSQL (production) and SQLite (embedded default).
/// Every method is one unit of work; multi-step writes run in one transaction inside the implementation.
public protocol Store: Sendable {
    var dialect: StoreDialect { get }

    /// Applies pending migrations once, under a lock; returns the versions applied now.
    @discardableResult func migrate() async throws -> [String]
    func appliedMigrations() async throws -> [String]
    func ping() async throws
    /// Closes the connections; the store must not be used afterwards.
    func shutdown() async

    // MARK: uploads
    /// Records an accepted upload and its ETL job in one transaction; a unique index on the hash of the batches that
    /// have not failed decides duplicates (a file whose batch failed may be uploaded again, as a new batch).
    func insertUpload(_ upload: NewUpload, job: NewJob) async throws -> UploadInsertResult
    func upload(batchNum: String) async throws -> UploadRecord?
    func uploads(limit: Int, offset: Int) async throws -> [UploadRecord]
    /// Moves an `uploaded` batch to `processing`; returns the batch's status after the call (nil when unknown).
    func markProcessing(batchNum: String) async throws -> BatchStatus?
    /// Streams a batch's rows into `invoice_data`: staging, folding of repeated keys, imputation, versioned upsert,
    /// counters, status and the forecast jobs, all in one transaction. `produce` runs on the store's own thread and
    /// calls `emit` for each good row.
    func ingest(
        batchNum: String,
        produce: @escaping @Sendable (_ emit: (SalesRow) throws -> Void) throws -> ScanSummary
    ) async throws -> IngestOutcome

    // MARK: queries
    func invoices(_ query: InvoiceQuery) async throws -> [InvoiceRow]
    /// How many rows match the query's filters (its limit, offset and order aside).
    func invoiceCount(_ query: InvoiceQuery) async throws -> Int
    /// Changes whenever `invoice_data` may have: only a completed upload's transaction writes it, so the count of
    /// completed uploads and the last completion time. A cheap read of the small uploads table.
    func invoiceDataVersion() async throws -> String
    func forecasts(_ query: ForecastQuery) async throws -> [ForecastRow]
    func accuracy(category: String?) async throws -> [AccuracyRecord]
    func categories() async throws -> [String]

    // MARK: forecasting
    func categorySeries(_ category: String) async throws -> CategorySeries
    func forecastFingerprint(category: String) async throws -> String?
    /// Takes (or renews, for the same owner) the category's forecast lease unless another owner holds an
    /// unexpired one; true when `owner` holds it now.
    func acquireForecastLease(category: String, owner: String, ttlSeconds: Double) async throws -> Bool
    func releaseForecastLease(category: String, owner: String) async throws
    /// Replaces the category's forecasts (upsert + removal of stale rows per model), accuracy rows and run record in one transaction.
    func saveForecasts(
        category: String, fingerprint: String, lastDate: String,
        forecasts: [CategoryForecast], accuracy: [AccuracyRecord], batchNum: String?, notes: String?
    ) async throws
    /// The stored calibration members (``AccuracyRecord/calibration``) of the latest fits of categories other
    /// than `category`, newest first, at most `limit`.
    func calibrationMembers(excluding category: String, limit: Int) async throws -> [(modelType: String, member: String)]
    /// Each product's daily sales in the category (one query), products in id order.
    func productSeries(_ category: String) async throws -> [ProductSeries]
    /// Replaces the category's product forecasts in one transaction (`reconciliation` names the method).
    func saveProductForecasts(category: String, reconciliation: String, products: [ProductForecast], batchNum: String?) async throws
    func productForecasts(_ query: ForecastQuery) async throws -> [ProductForecastRow]
    /// Records a finished report job and its file in one transaction (seed 002's `POST /api/v1/jobs/reports`).
    func saveReport(_ job: NewJob, result: String, filename: String, content: String) async throws
    /// Records `job` as completed with `result` (a record of work done elsewhere, such as a training run's jobs).
    func recordFinishedJob(_ job: NewJob, result: String) async throws
    /// The jobs with these ids, in one query (unknown ids are left out).
    func jobs(ids: [String]) async throws -> [JobRecord]
    /// A report job's file: (filename, content), nil for an unknown job.
    func report(jobID: String) async throws -> (filename: String, content: String)?

    // MARK: jobs
    /// Inserts a job row; false when a job with this id exists.
    @discardableResult func createJob(_ job: NewJob) async throws -> Bool
    func job(id: String) async throws -> JobRecord?
    func jobs(type: String?, status: JobStatus?, limit: Int, offset: Int) async throws -> [JobRecord]
    func jobStarted(id: String, attempt: Int) async throws
    func jobProgress(id: String, progress: Double) async throws
    func jobFinished(id: String, status: JobStatus, result: String?, error: String?) async throws
    func jobRetrying(id: String, error: String) async throws
    /// Jobs the database shows unfinished (queued or running) and not touched for `seconds`.
    func unfinishedJobs(idleFor seconds: Double, limit: Int) async throws -> [JobRecord]
    func touchJobs(ids: [String]) async throws
    func jobCounts() async throws -> [String: Int]

    /// Retention (issue 7): forecasts and backtest accuracy rows computed before `cutoff` (not the ones forecasting
    /// days before it); counts only with `dryRun`.
    func deleteForecasts(computedBefore cutoff: Date, dryRun: Bool) async throws -> ForecastRetention
    // Model parameter sets (issue 7, migration 005): at most one active per model type.
    func createModelParams(modelType: String, name: String, parameters: String) async throws -> ModelParamsRecord
    func modelParams(modelType: String?) async throws -> [ModelParamsRecord]
    /// Makes `id` the active set of its model type (deactivating the previous one); nil for an unknown id.
    func activateModelParams(id: Int) async throws -> ModelParamsRecord?
}

public enum StoreDialect: String, Sendable {
    case postgres, sqlite
}

public struct StoreError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Opens the store the configuration names.
public enum StoreFactory {
    public static func open(databaseURL: String?, sqlitePath: String, logger: Logger, poolSize: Int = 4) async throws -> any Store {
        if let databaseURL {
            return try PostgresStore(url: databaseURL, poolSize: poolSize, logger: logger)
        }
        return try SQLiteStore(path: sqlitePath, logger: logger)
    }
}
