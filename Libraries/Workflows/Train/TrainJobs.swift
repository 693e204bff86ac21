import Foundation
public import Store

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
