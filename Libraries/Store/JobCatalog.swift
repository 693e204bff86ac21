import Foundation

/// A job's payload, typed. Each kind of job is one `JobPayload` type that says its stable name (the job type the
/// jobs table and the workers' dispatch read), its queue and its id; ``job(requestID:)`` makes the job row and
/// message from it, and a worker reads it back with `decode`. ``JobCatalog/all`` lists every kind.
public protocol JobPayload: Codable, Sendable {
    /// The job type: stored with the job, it picks the worker's handler. Never renamed: rows and messages keep it.
    static var type: String { get }
    /// The queue a worker takes the job from (`JobCatalog.notQueued` for jobs recorded finished).
    static var queue: String { get }
    /// The id of a new job of this payload. A stable one (an upload's ETL, a batch's category forecast) makes
    /// creating the job twice a no-op; the others are fresh on each read.
    var newJobID: String { get }
}

extension JobPayload {
    /// The job as the store records it and the queue carries it, with ``newJobID``.
    public func job(requestID: String? = nil) -> NewJob { job(id: newJobID, requestID: requestID) }

    /// The job as the store records it and the queue carries it: the payload as JSON with sorted keys.
    public func job(id: String, requestID: String? = nil) -> NewJob {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding these plain structs of strings and numbers cannot fail; a non-finite number would be refused
        // by the encoder, and the payload types have none that a caller does not check first.
        let text = (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        return NewJob(id: id, type: Self.type, queue: Self.queue, payload: text, requestID: requestID)
    }

    /// The payload of a job's JSON text; the decoder's error when it does not fit.
    public static func decode(payload text: String) throws -> Self {
        try JSONDecoder().decode(Self.self, from: Data(text.utf8))
    }
}

/// Every kind of job Almanac runs or records, in one place.
public enum JobCatalog {
    /// The queue of jobs that are recorded finished and never queued (seed 002's reports and training runs).
    public static let notQueued = "none"

    public static let all: [any JobPayload.Type] = [
        ETLJob.self, ForecastJob.self, AnomalyFitPayload.self, ScheduleFitPayload.self, ReportJob.self, TrainingRunJob.self,
    ]

    /// A random job id: `prefix` and 12 hex digits (seed 002's run and report ids) or a UUID when `hexDigits` is nil.
    public static func randomID(_ prefix: String, hexDigits: Int? = nil) -> String {
        guard let hexDigits else { return prefix + UUID().uuidString.lowercased() }
        var generator = SystemRandomNumberGenerator()
        return prefix + (0..<(hexDigits / 2)).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }
}

/// An upload's ETL (etl-worker): stream the stored file into `invoice_data`. One per batch.
public struct ETLJob: JobPayload, Equatable {
    public static let type = "etl"
    public static let queue = "etl_queue"

    public var batchNum: String
    /// The file's name in the upload directory (no path).
    public var storedFilename: String

    public init(batchNum: String, storedFilename: String) {
        self.batchNum = batchNum
        self.storedFilename = storedFilename
    }

    public var newJobID: String { "etl-" + batchNum }

    enum CodingKeys: String, CodingKey { case batchNum = "batch_num", storedFilename = "stored_filename" }
}

/// One category's forecast (forecast-worker), fanned out by an ETL batch or a seed 002 training run. The id is
/// stable in (batch, category), so a retried batch records the same rows.
public struct ForecastJob: JobPayload, Equatable {
    public static let type = "forecast"
    public static let queue = "forecast_queue"

    public var category: String
    /// The ETL batch or training run that asked for it; none for a refit asked of the category alone.
    public var batchNum: String?

    public init(category: String, batchNum: String?) {
        self.category = category
        self.batchNum = batchNum
    }

    public var newJobID: String { "forecast-" + String(SHA256Text.hex((batchNum ?? "") + "\u{0}" + category).prefix(32)) }

    /// The forecast jobs of a batch: one per affected category.
    public static func jobs(batchNum: String, categories: [String], requestID: String? = nil) -> [NewJob] {
        categories.map { ForecastJob(category: $0, batchNum: batchNum).job(requestID: requestID) }
    }

    enum CodingKeys: String, CodingKey { case category, batchNum = "batch_num" }
}

/// Job types of `train_queue`. The API writes the job row and pushes the message; train-worker fits and writes a
/// new immutable model version whose `job_id` is the job's id (so a redelivered job finds the version it already
/// wrote instead of writing a second one).
public enum TrainJobType {
    public static let anomalyFit = AnomalyFitPayload.type
    public static let scheduleFit = ScheduleFitPayload.type
    public static let queue = "train_queue"
}

/// An anomaly baseline fit (seed 004): the series, the variant and its parameters.
public struct AnomalyFitPayload: JobPayload, Equatable {
    public static let type = "anomaly_fit"
    public static let queue = TrainJobType.queue

    public var seriesID: String
    public var timestamps: [Double]
    public var values: [Double]
    /// `standard`, `robust` or `seasonal`.
    public var variant: String
    public var k: Double
    /// `both`, `upper` or `lower`.
    public var tail: String
    public var period: Int?

    public init(seriesID: String, timestamps: [Double], values: [Double], variant: String, k: Double, tail: String, period: Int?) {
        self.seriesID = seriesID
        self.timestamps = timestamps
        self.values = values
        self.variant = variant
        self.k = k
        self.tail = tail
        self.period = period
    }

    /// Each fit is its own job.
    public var newJobID: String { JobCatalog.randomID(Self.type + "-") }

    enum CodingKeys: String, CodingKey {
        case seriesID = "series_id", timestamps, values, variant, k, tail, period
    }
}

/// A work-schedule fit (seed 000): the session's stored records are the training data.
public struct ScheduleFitPayload: JobPayload, Equatable {
    public static let type = "schedule_fit"
    public static let queue = TrainJobType.queue

    public var sessionID: String
    public var minWeekdayRate: Double
    public var maxSpreadMinutes: Double

    public init(sessionID: String, minWeekdayRate: Double, maxSpreadMinutes: Double) {
        self.sessionID = sessionID
        self.minWeekdayRate = minWeekdayRate
        self.maxSpreadMinutes = maxSpreadMinutes
    }

    /// Each fit is its own job.
    public var newJobID: String { JobCatalog.randomID(Self.type + "-") }

    enum CodingKeys: String, CodingKey {
        case sessionID = "session_id", minWeekdayRate = "min_weekday_rate", maxSpreadMinutes = "max_spread_minutes"
    }
}

/// Seed 002's forecast report: made at once and recorded finished with its CSV.
public struct ReportJob: JobPayload, Equatable {
    public static let type = "report"
    public static let queue = JobCatalog.notQueued
    public static let idPrefix = "report-"

    public var category: String?
    public var productID: String?

    public init(category: String?, productID: String?) {
        self.category = category
        self.productID = productID
    }

    public var newJobID: String { JobCatalog.randomID(Self.idPrefix, hexDigits: 12) }

    enum CodingKeys: String, CodingKey { case category, productID = "product_id" }
}

/// Seed 002's training run: the forecast jobs it started, recorded finished as one job the seed's client follows.
public struct TrainingRunJob: JobPayload, Equatable {
    public static let type = "training_run"
    public static let queue = JobCatalog.notQueued
    public static let idPrefix = "training-"

    /// The forecast jobs' ids.
    public var jobs: [String]

    public init(jobs: [String]) { self.jobs = jobs }

    /// A run's id is chosen before its forecast jobs, which are keyed by it: ``job(id:requestID:)`` takes it.
    public var newJobID: String { JobCatalog.randomID(Self.idPrefix, hexDigits: 12) }
}
