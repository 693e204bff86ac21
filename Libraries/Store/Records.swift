/// Rows and requests the store reads and writes. Field names follow the seed's JSON (snake_case via CodingKeys).

public enum BatchStatus: String, Codable, Sendable, CaseIterable {
    case uploaded, processing, completed, failed
}

public enum OnError: String, Codable, Sendable, CaseIterable {
    /// A bad row fails the whole batch (the default).
    case fail
    /// Bad rows are skipped, counted and listed.
    case skip
}

public struct UploadRecord: Codable, Sendable, Equatable {
    public var batchNum: String
    public var originalFilename: String
    public var storedFilename: String
    public var fileHash: String
    public var uploadedAt: String
    public var numTotalRows: Int
    public var numMissingRows: Int
    public var numImputedRows: Int
    public var numInsertedRows: Int
    public var numUpdatedRows: Int
    public var status: BatchStatus
    public var errorLog: String?
    public var uploadSeq: Int64
    public var numUnchangedRows: Int
    public var numRejectedRows: Int
    public var numRepeatedRows: Int
    public var onError: OnError
    public var processedAt: String?

    enum CodingKeys: String, CodingKey {
        case batchNum = "batch_num", originalFilename = "original_filename", storedFilename = "stored_filename"
        case fileHash = "file_hash", uploadedAt = "uploaded_at", numTotalRows = "num_total_rows"
        case numMissingRows = "num_missing_rows", numImputedRows = "num_imputed_rows"
        case numInsertedRows = "num_inserted_rows", numUpdatedRows = "num_updated_rows", status
        case errorLog = "error_log", uploadSeq = "upload_seq", numUnchangedRows = "num_unchanged_rows"
        case numRejectedRows = "num_rejected_rows", numRepeatedRows = "num_repeated_rows", onError = "on_error"
        case processedAt = "processed_at"
    }

    public func encode(to encoder: any Encoder) throws {
        // error_log is always present (null when empty), as in the seed's response.
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(batchNum, forKey: .batchNum)
        try c.encode(originalFilename, forKey: .originalFilename)
        try c.encode(storedFilename, forKey: .storedFilename)
        try c.encode(fileHash, forKey: .fileHash)
        try c.encode(uploadedAt, forKey: .uploadedAt)
        try c.encode(numTotalRows, forKey: .numTotalRows)
        try c.encode(numMissingRows, forKey: .numMissingRows)
        try c.encode(numImputedRows, forKey: .numImputedRows)
        try c.encode(numInsertedRows, forKey: .numInsertedRows)
        try c.encode(numUpdatedRows, forKey: .numUpdatedRows)
        try c.encode(status, forKey: .status)
        try c.encode(errorLog, forKey: .errorLog)
        try c.encode(uploadSeq, forKey: .uploadSeq)
        try c.encode(numUnchangedRows, forKey: .numUnchangedRows)
        try c.encode(numRejectedRows, forKey: .numRejectedRows)
        try c.encode(numRepeatedRows, forKey: .numRepeatedRows)
        try c.encode(onError, forKey: .onError)
        try c.encode(processedAt, forKey: .processedAt)
    }
}

public struct NewJob: Sendable, Equatable {
    public var id: String
    public var type: String
    public var queue: String
    public var payload: String
    public var requestID: String?

    public init(id: String, type: String, queue: String, payload: String, requestID: String? = nil) {
        self.id = id
        self.type = type
        self.queue = queue
        self.payload = payload
        self.requestID = requestID
    }
}

public enum JobStatus: String, Codable, Sendable, CaseIterable {
    case queued, running, completed, failed, skipped
}

public struct JobRecord: Codable, Sendable, Equatable {
    public var id: String
    public var type: String
    public var queue: String
    public var status: JobStatus
    public var progress: Double
    public var attempts: Int
    public var payload: String
    public var result: String?
    public var error: String?
    public var requestID: String?
    public var createdAt: String
    public var updatedAt: String
    public var startedAt: String?
    public var finishedAt: String?

    enum CodingKeys: String, CodingKey {
        case id, type, queue, status, progress, attempts, payload, result, error
        case requestID = "request_id", createdAt = "created_at", updatedAt = "updated_at"
        case startedAt = "started_at", finishedAt = "finished_at"
    }
}

public struct NewUpload: Sendable {
    public var batchNum: String
    public var originalFilename: String
    public var storedFilename: String
    public var fileHash: String
    public var onError: OnError
    public var requestID: String?

    public init(batchNum: String, originalFilename: String, storedFilename: String, fileHash: String, onError: OnError, requestID: String?) {
        self.batchNum = batchNum
        self.originalFilename = originalFilename
        self.storedFilename = storedFilename
        self.fileHash = fileHash
        self.onError = onError
        self.requestID = requestID
    }
}

public enum UploadInsertResult: Sendable, Equatable {
    case accepted(UploadRecord)
    /// The file's hash is that of a batch that has not failed: that batch.
    case duplicate(batchNum: String)
}

/// One clean sales row on its way into `invoice_data`.
public struct SalesRow: Sendable {
    /// Days since 1970-01-01.
    public var day: Int32
    public var productID: String
    public var category: String
    /// nil when missing (to be imputed).
    public var sales: Double?
    /// Line number in the file, for last-row-wins folding.
    public var line: Int

    public init(day: Int32, productID: String, category: String, sales: Double?, line: Int) {
        self.day = day
        self.productID = productID
        self.category = category
        self.sales = sales
        self.line = line
    }
}

/// What the row producer found while scanning the file.
public struct ScanSummary: Sendable {
    public var totalRows: Int
    public var missingRows: Int
    public var rejectedRows: Int
    /// Up to 20 offending lines, "line N: problem".
    public var errors: [String]
    /// The file itself is unusable (unreadable, bad header, unbalanced quotes…): fails the batch whatever on_error says.
    public var fatal: String?

    public init(totalRows: Int = 0, missingRows: Int = 0, rejectedRows: Int = 0, errors: [String] = [], fatal: String? = nil) {
        self.totalRows = totalRows
        self.missingRows = missingRows
        self.rejectedRows = rejectedRows
        self.errors = errors
        self.fatal = fatal
    }
}

/// Receives rows inside the ingest transaction; the store decides how they are buffered (COPY or prepared inserts).
public protocol SalesRowSink {
    mutating func append(_ row: SalesRow) throws
}

public enum IngestOutcome: Sendable, Equatable {
    /// Committed: counters as written to `upload_metadata`, and the forecast jobs recorded with it.
    case completed(counters: BatchCounters, forecastJobs: [NewJob])
    /// The batch was already completed by an earlier delivery: nothing changed.
    case alreadyCompleted
    /// The batch is unknown (never accepted).
    case unknownBatch
    /// Validation failed: nothing written, the batch is marked failed with this log.
    case failed(errorLog: String)
}

public struct BatchCounters: Sendable, Equatable, Codable {
    public var total = 0, missing = 0, imputed = 0, inserted = 0, updated = 0, unchanged = 0, rejected = 0, repeated = 0
    public var categories: [String] = []
    public init() {}
}

/// Which end of the date range a query's page starts from.
public enum RowOrder: Sendable {
    /// Oldest date first: what charts and exports draw.
    case oldestFirst
    /// Newest date first: seed 003's readers, whose `limit=30` means the latest thirty rows.
    case newestFirst
}

public struct InvoiceQuery: Sendable {
    public var category: String?
    public var productID: String?
    public var batchNum: String?
    public var startDate: String?
    public var endDate: String?
    public var limit: Int
    public var offset: Int
    public var order: RowOrder
    public init(
        category: String? = nil, productID: String? = nil, batchNum: String? = nil, startDate: String? = nil,
        endDate: String? = nil, limit: Int = 1000, offset: Int = 0, order: RowOrder = .oldestFirst
    ) {
        self.category = category
        self.productID = productID
        self.batchNum = batchNum
        self.startDate = startDate
        self.endDate = endDate
        self.limit = limit
        self.offset = offset
        self.order = order
    }
}

public struct InvoiceRow: Codable, Sendable, Equatable {
    public var date: String
    public var productID: String
    public var category: String
    public var sales: Double
    public var isImputed: Bool
    public var batchNum: String
    public var fileHash: String
    public var createdAt: String
    public var updatedAt: String
    public var version: Int

    enum CodingKeys: String, CodingKey {
        case date, productID = "product_id", category, sales, isImputed = "is_imputed", batchNum = "batch_num"
        case fileHash = "file_hash", createdAt = "created_at", updatedAt = "updated_at", version
    }
}

/// The forecast models: seed 003's three, the theta method, and `auto`, the backtest-chosen combination of
/// the others (ForecastCombination), stored and served like them.
public enum ModelType: String, Codable, Sendable, CaseIterable {
    case prophet, sarimax, holtWinters = "holt_winters", theta, auto

    /// The models fitted on their own; `auto` is made from their backtests.
    public static let fitted: [ModelType] = [.holtWinters, .sarimax, .prophet, .theta]
    /// The models that take a stored parameter set (`/model-params`).
    public static let parameterized: [ModelType] = [.prophet, .sarimax, .holtWinters]
}

/// A query of `forecast_data` (`forecasts`), or with `productID` set of `product_forecast_data`
/// (`productForecasts`, where `modelType` does not apply).
public struct ForecastQuery: Sendable {
    public var category: String?
    public var productID: String?
    public var modelType: ModelType?
    public var startDate: String?
    public var endDate: String?
    public var limit: Int
    public var offset: Int
    public var order: RowOrder
    public init(
        category: String? = nil, productID: String? = nil, modelType: ModelType? = nil, startDate: String? = nil,
        endDate: String? = nil, limit: Int = 1000, offset: Int = 0, order: RowOrder = .oldestFirst
    ) {
        self.category = category
        self.productID = productID
        self.modelType = modelType
        self.startDate = startDate
        self.endDate = endDate
        self.limit = limit
        self.offset = offset
        self.order = order
    }
}

public struct ForecastRow: Codable, Sendable, Equatable {
    public var id: Int64
    public var forecastDate: String
    public var category: String
    public var modelType: String
    public var forecastValue: Double
    public var lowerBound: Double?
    public var upperBound: Double?
    public var createdAt: String
    public var batchNum: String?
    /// The 80 % band (Almanac's addition; `lower_bound`/`upper_bound` are the 95 % one, as in seed 003).
    public var lower80: Double?
    public var upper80: Double?

    enum CodingKeys: String, CodingKey {
        case id, forecastDate = "forecast_date", category, modelType = "model_type", forecastValue = "forecast_value"
        case lowerBound = "lower_bound", upperBound = "upper_bound", createdAt = "created_at", batchNum = "batch_num"
        case lower80 = "lower_80", upper80 = "upper_80"
    }
}

/// One model's forecast for a category, ready to be written.
public struct CategoryForecast: Sendable {
    public var modelType: ModelType
    /// (date "YYYY-MM-DD", value, lower95, upper95)
    public var points: [(date: String, value: Double, lower: Double, upper: Double)]
    /// The 80 % band per point, when the model gave one (`lower_80`, `upper_80`).
    public var band80: [(lower: Double, upper: Double)]?
    public init(
        modelType: ModelType, points: [(date: String, value: Double, lower: Double, upper: Double)],
        band80: [(lower: Double, upper: Double)]? = nil
    ) {
        precondition(band80 == nil || band80!.count == points.count, "one 80 % band per point")
        self.modelType = modelType
        self.points = points
        self.band80 = band80
    }
}

/// One product's daily sales within a category, the days ascending.
public struct ProductSeries: Sendable, Equatable {
    public var productID: String
    public var days: [Int32]
    public var sales: [Double]
    public init(productID: String, days: [Int32], sales: [Double]) {
        self.productID = productID
        self.days = days
        self.sales = sales
    }
}

/// One future day of a forecast with its 80 % and 95 % bands.
public struct ForecastPoint: Sendable, Equatable {
    public var date: String
    public var value: Double
    public var lower80: Double?, upper80: Double?, lower95: Double?, upper95: Double?
    public init(date: String, value: Double, lower80: Double?, upper80: Double?, lower95: Double?, upper95: Double?) {
        self.date = date
        self.value = value
        self.lower80 = lower80
        self.upper80 = upper80
        self.lower95 = lower95
        self.upper95 = upper95
    }
}

/// A product's reconciled forecast, ready to be written.
public struct ProductForecast: Sendable, Equatable {
    public var productID: String
    /// `theta` (the product's own model) or `share` (its share of the category's forecast: too little history).
    public var base: String
    public var points: [ForecastPoint]
    public init(productID: String, base: String, points: [ForecastPoint]) {
        self.productID = productID
        self.base = base
        self.points = points
    }
}

/// A stored product forecast row, as `/forecast-data?product_id=` serves it.
public struct ProductForecastRow: Codable, Sendable, Equatable {
    public var forecastDate: String
    public var category: String
    public var productID: String
    public var forecastValue: Double
    public var lower80: Double?
    public var upper80: Double?
    public var lowerBound: Double?
    public var upperBound: Double?
    public var reconciliation: String
    public var base: String
    public var createdAt: String
    public var batchNum: String?

    public init(
        forecastDate: String, category: String, productID: String, forecastValue: Double, lower80: Double?, upper80: Double?,
        lowerBound: Double?, upperBound: Double?, reconciliation: String, base: String, createdAt: String, batchNum: String?
    ) {
        self.forecastDate = forecastDate
        self.category = category
        self.productID = productID
        self.forecastValue = forecastValue
        self.lower80 = lower80
        self.upper80 = upper80
        self.lowerBound = lowerBound
        self.upperBound = upperBound
        self.reconciliation = reconciliation
        self.base = base
        self.createdAt = createdAt
        self.batchNum = batchNum
    }

    enum CodingKeys: String, CodingKey {
        case forecastDate = "forecast_date", category, productID = "product_id", forecastValue = "forecast_value"
        case lower80 = "lower_80", upper80 = "upper_80", lowerBound = "lower_bound", upperBound = "upper_bound"
        case reconciliation, base, createdAt = "created_at", batchNum = "batch_num"
    }
}

public struct AccuracyRecord: Codable, Sendable, Equatable {
    public var category: String
    public var modelType: String
    public var smape: Double?
    public var mase: Double?
    public var coverage80: Double?
    public var coverage95: Double?
    public var windows: Int
    public var isBest: Bool
    public var form: String?
    public var error: String?
    public var fittedAt: String
    /// The fit's backtest scores as a CalibrationPool member (JSON), for the other categories' calibration;
    /// stored, not served.
    public var calibration: String? = nil

    public init(category: String, modelType: String, smape: Double?, mase: Double?, coverage80: Double?, coverage95: Double?, windows: Int, isBest: Bool, form: String?, error: String?, fittedAt: String = "") {
        self.category = category
        self.modelType = modelType
        self.smape = smape
        self.mase = mase
        self.coverage80 = coverage80
        self.coverage95 = coverage95
        self.windows = windows
        self.isBest = isBest
        self.form = form
        self.error = error
        self.fittedAt = fittedAt
    }

    enum CodingKeys: String, CodingKey {
        case category, modelType = "model_type", smape, mase, coverage80 = "coverage_80", coverage95 = "coverage_95"
        case windows, isBest = "is_best", form, error, fittedAt = "fitted_at"
    }
}

public struct CategorySeries: Sendable {
    /// Days since 1970-01-01 of each observed date, ascending.
    public var days: [Int32]
    public var totals: [Double]
    public var fingerprint: String

    public init(days: [Int32], totals: [Double], fingerprint: String) {
        self.days = days
        self.totals = totals
        self.fingerprint = fingerprint
    }
}
