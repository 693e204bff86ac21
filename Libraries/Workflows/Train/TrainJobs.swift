import Foundation
public import Store

/// Job types and payloads of `train_queue`. The API writes the job row and pushes the message; train-worker
/// fits and writes a new immutable model version whose `job_id` is the job's id (so a redelivered job finds
/// the version it already wrote instead of writing a second one).
public enum TrainJobType {
    public static let anomalyFit = "anomaly_fit"
    public static let scheduleFit = "schedule_fit"
}

/// An anomaly baseline fit (seed 004): the series, the variant and its parameters.
public struct AnomalyFitPayload: Codable, Sendable, Equatable {
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

    enum CodingKeys: String, CodingKey {
        case seriesID = "series_id", timestamps, values, variant, k, tail, period
    }
}

/// A work-schedule fit (seed 000): the session's stored records are the training data.
public struct ScheduleFitPayload: Codable, Sendable, Equatable {
    public var sessionID: String
    public var minWeekdayRate: Double
    public var maxSpreadMinutes: Double

    public init(sessionID: String, minWeekdayRate: Double, maxSpreadMinutes: Double) {
        self.sessionID = sessionID
        self.minWeekdayRate = minWeekdayRate
        self.maxSpreadMinutes = maxSpreadMinutes
    }

    enum CodingKeys: String, CodingKey {
        case sessionID = "session_id", minWeekdayRate = "min_weekday_rate", maxSpreadMinutes = "max_spread_minutes"
    }
}

/// The training data kept with an anomaly version, for `/plot`.
public struct AnomalyTrainingData: Codable, Sendable {
    public var timestamps: [Double]
    public var values: [Double]

    public init(timestamps: [Double], values: [Double]) {
        self.timestamps = timestamps
        self.values = values
    }
}

/// What a train job leaves in its job row's `result`.
public struct TrainJobResult: Codable, Sendable {
    public var kind: String
    public var subject: String
    public var version: Int

    public init(kind: String, subject: String, version: Int) {
        self.kind = kind
        self.subject = subject
        self.version = version
    }
}

/// Waits for a job to finish, polling the store (the record of a job's state in both modes).
public enum JobWaiter {
    /// The finished job, or nil when it is still unfinished after `timeout` seconds.
    public static func wait(for id: String, store: any Store, timeout: Double) async throws -> JobRecord? {
        let clock = ContinuousClock()
        let deadline = clock.now + .milliseconds(Int64(timeout * 1000))
        var delay = 10
        while true {
            if let job = try await store.job(id: id), job.status == .completed || job.status == .failed || job.status == .skipped {
                return job
            }
            if clock.now >= deadline { return nil }
            try await Task.sleep(for: .milliseconds(delay))
            delay = min(delay * 2, 200)
        }
    }
}

func jsonText(_ value: some Encodable) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}
