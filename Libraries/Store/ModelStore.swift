/// Work-schedule sessions (seed 000), per-IP quotas and immutable model versions (forests and anomaly
/// baselines). Kept apart from `Store` so that the two interfaces grow independently; both stores implement
/// it, and callers reach it with `runtime.store as? any ModelStore`.
public protocol ModelStore: Sendable {
    // MARK: sessions
    /// Creates a session that expires `ttlSeconds` from now.
    func createScheduleSession(id: String, clientIP: String, ttlSeconds: Int) async throws -> ScheduleSessionRecord
    /// The session, nil when unknown or expired.
    func scheduleSession(id: String) async throws -> ScheduleSessionRecord?
    /// Removes a session with its records and model versions; false when it did not exist.
    @discardableResult func deleteScheduleSession(id: String) async throws -> Bool
    /// Removes every expired session (records and model versions too); returns their ids.
    func deleteExpiredScheduleSessions() async throws -> [String]
    func scheduleSessionCount() async throws -> Int

    // MARK: schedule data
    /// Replaces the session's records in one transaction.
    func replaceScheduleRecords(sessionID: String, records: [ScheduleRecordRow]) async throws
    /// The session's records, of one entity or all, ordered by entity and date.
    func scheduleRecords(sessionID: String, entity: String?) async throws -> [ScheduleRecordRow]

    // MARK: quotas
    /// Records one `action` by `clientIP` unless it already did `limit` of them in the last `windowSeconds`;
    /// true when recorded (allowed).
    func consumeQuota(clientIP: String, action: String, limit: Int, windowSeconds: Double) async throws -> Bool

    // MARK: model versions
    /// Writes the next version of (kind, subject). Idempotent on `jobID`: a second call for the same job returns
    /// the version written the first time.
    func insertModelVersion(_ version: NewModelVersion) async throws -> ModelVersionRecord
    /// A version of (kind, subject); the latest when `version` is nil.
    func modelVersion(kind: ModelKind, subject: String, version: Int?) async throws -> ModelVersionRecord?
    func modelVersion(jobID: String) async throws -> ModelVersionRecord?
    /// The number of the latest version of (kind, subject), nil when there is none.
    func latestModelVersion(kind: ModelKind, subject: String) async throws -> Int?
    /// How many distinct subjects of a kind have at least one version.
    func modelSubjectCount(kind: ModelKind) async throws -> Int
    /// The distinct subjects of a kind, in order, at most `limit`. Not for `.schedule`, whose subjects are
    /// private session ids.
    func modelSubjects(kind: ModelKind, limit: Int) async throws -> [String]
    /// Every version of (kind, subject), newest first, without the serialized models.
    func modelVersions(kind: ModelKind, subject: String) async throws -> [ModelVersionSummary]
    /// Retention: deletes every version but the newest `keep` of each (kind, subject) — the latest always
    /// stays — and returns how many went (with `dryRun`, how many would go). Versions are deleted whole,
    /// never changed.
    func deleteOldModelVersions(keep: Int, dryRun: Bool) async throws -> Int
}

public enum ModelKind: String, Sendable, Codable, CaseIterable {
    case anomaly, schedule
}

public struct ScheduleSessionRecord: Sendable, Codable, Equatable {
    public var sessionID: String
    public var clientIP: String
    public var createdAt: String
    /// Unix seconds.
    public var expiresAt: Double

    public init(sessionID: String, clientIP: String, createdAt: String, expiresAt: Double) {
        self.sessionID = sessionID
        self.clientIP = clientIP
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }
}

/// One worked day: `date` as YYYY-MM-DD, times in minutes after midnight.
public struct ScheduleRecordRow: Sendable, Codable, Equatable {
    public var entity: String
    public var date: String
    public var startMinute: Int
    public var endMinute: Int

    public init(entity: String, date: String, startMinute: Int, endMinute: Int) {
        self.entity = entity
        self.date = date
        self.startMinute = startMinute
        self.endMinute = endMinute
    }

    enum CodingKeys: String, CodingKey {
        case entity = "e", date = "d", startMinute = "s", endMinute = "f"
    }
}

/// A model version to write. The JSON texts are owned by the caller.
public struct NewModelVersion: Sendable {
    public var kind: ModelKind
    public var subject: String
    public var params: String
    public var metrics: String
    public var trainingSummary: String
    public var trainingData: String?
    public var model: String
    public var jobID: String?

    public init(
        kind: ModelKind, subject: String, params: String, metrics: String, trainingSummary: String,
        trainingData: String?, model: String, jobID: String?
    ) {
        self.kind = kind
        self.subject = subject
        self.params = params
        self.metrics = metrics
        self.trainingSummary = trainingSummary
        self.trainingData = trainingData
        self.model = model
        self.jobID = jobID
    }
}

public struct ModelVersionSummary: Sendable, Codable, Equatable {
    public var kind: ModelKind
    public var subject: String
    public var version: Int
    public var params: String
    public var metrics: String
    public var trainingSummary: String
    public var jobID: String?
    public var createdAt: String
}

public struct ModelVersionRecord: Sendable, Equatable {
    public var summary: ModelVersionSummary
    public var trainingData: String?
    public var model: String

    public var kind: ModelKind { summary.kind }
    public var subject: String { summary.subject }
    public var version: Int { summary.version }
    public var createdAt: String { summary.createdAt }
}
