import CSV
import Config
import Crypto
import Foundation
import Logging
import Models
import Store

/// Seed 000's work-schedule use case without HTTP. Sessions isolate everything: records, model versions and cache
/// entries are keyed by the session id; an unknown or expired session is `.unauthorized`, another session's entity
/// `.notFound`.
///
/// **Shifts past midnight**: an end time earlier than the start time (22:00 → 06:00) ends on the next day; it
/// is stored as written and the end forest learns it as `end + 24 h`. Predicted ends are shown modulo 24 h.
/// An end equal to the start is a zero-length day.
///
/// **Prediction window**: `window` days starting `window / 2` days before the target date (so 3 around
/// 23/12 gives 22/12, 23/12, 24/12). A recorded day shows its recorded times (`historical: true`); the others
/// come from the session's latest model, `"NA"` when the entity rarely works that weekday
/// (`SCHEDULE_MIN_WEEKDAY_RATE`) or the trees disagree by more than `SCHEDULE_MAX_SPREAD_MINUTES`.
public struct ScheduleSessions: Sendable {
    public static let maxWindow = 366
    /// Seed 000's window when none is given: a month of days around the target date.
    public static let defaultWindow = 31
    public static let maxEntityLength = 100

    public let fits: ModelFits
    public let cache: ModelCache<ScheduleModel>
    /// Where the CSV is read, off the caller's event loop.
    public let io: any BlockingIO

    public init(fits: ModelFits, cache: ModelCache<ScheduleModel>, io: any BlockingIO) {
        self.fits = fits
        self.cache = cache
        self.io = io
    }

    var config: AlmanacConfiguration { fits.runtime.config }

    /// The columns of a schedule CSV, by the caller's names.
    public struct Mapping: Sendable, Equatable {
        public var id: String, date: String, start: String, end: String

        public init(id: String, date: String, start: String, end: String) {
            self.id = id
            self.date = date
            self.start = start
            self.end = end
        }

        /// Seed 000's own columns (its README's `ID,Date,Start Time,End Time`), by form field name.
        public static let seedDefault = ["id_column": "ID", "date_column": "Date", "start_time_column": "Start Time", "end_time_column": "End Time"]

        /// The mapping from seed 000's form fields; a field left out or empty names the seed's own column.
        public init(fields: [String: String]) {
            func field(_ name: String) -> String {
                let v = fields[name]?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
                return v.isEmpty ? Self.seedDefault[name, default: name] : v
            }
            self.init(id: field("id_column"), date: field("date_column"), start: field("start_time_column"), end: field("end_time_column"))
        }
    }

    /// What is held for a session.
    public struct Summary: Sendable, Equatable {
        public var session: ScheduleSessionRecord
        public var records: Int
        public var entities: Int
        public var latestVersion: Int?
        public var trainedAt: String?
    }

    /// A training run's outcome: the records kept and the version written.
    public struct Trained: Sendable {
        public var records: Int
        public var entities: Int
        public var version: ModelVersionRecord
    }

    /// One day of a prediction window, in seed 000's shape.
    public struct Prediction: Codable, Sendable, Equatable {
        public var date: String
        public var weekday: String
        public var start_time: String
        public var end_time: String
        public var historical: Bool
    }

    // MARK: sessions

    /// Removes expired sessions with their cached models; how many.
    public func cleanup() async throws -> Int {
        let ids = try await fits.models.deleteExpiredScheduleSessions()
        for id in ids { cache.remove(prefix: "schedule/\(id)/") }
        if !ids.isEmpty { fits.runtime.logger.info("expired sessions removed", metadata: ["sessions": "\(ids.count)"]) }
        return ids.count
    }

    /// A new session for `clientIP`, within its hourly quota (`SESSION_CREATE_QUOTA_PER_HOUR`).
    public func create(clientIP: String) async throws -> ScheduleSessionRecord {
        let models = try fits.models
        _ = try await cleanup()
        let quota = config.sessionCreateQuotaPerHour
        guard try await models.consumeQuota(clientIP: clientIP, action: "session_create", limit: quota, windowSeconds: 3600) else {
            throw WorkflowError(.rateLimited, "session creation quota exceeded for this address: \(quota) per hour (SESSION_CREATE_QUOTA_PER_HOUR)",
                                retryAfterSeconds: 3600)
        }
        var random = [UInt8](repeating: 0, count: 32)
        var rng = SystemRandomNumberGenerator()
        for i in random.indices { random[i] = UInt8.random(in: 0...255, using: &rng) }
        let id = SHA256.hash(data: random).map { String(format: "%02x", $0) }.joined()
        return try await models.createScheduleSession(id: id, clientIP: clientIP, ttlSeconds: config.sessionTTLSeconds)
    }

    /// The live session `id` names; `.unauthorized` when none is given or it is unknown or expired.
    public func session(id given: String?) async throws -> ScheduleSessionRecord {
        guard let id = given?.trimmingCharacters(in: .whitespaces), !id.isEmpty else {
            throw WorkflowError(.unauthorized, "missing X-Session-ID header: create a session with POST /api/session/create")
        }
        guard id.count <= 128, let session = try await fits.models.scheduleSession(id: id) else {
            throw WorkflowError(.unauthorized, "unknown or expired session: create a new one with POST /api/session/create")
        }
        return session
    }

    public func summary(_ session: ScheduleSessionRecord) async throws -> Summary {
        let models = try fits.models
        let records = try await models.scheduleRecords(sessionID: session.sessionID, entity: nil)
        let latest = try await models.modelVersions(kind: .schedule, subject: session.sessionID).first
        return Summary(session: session, records: records.count, entities: Set(records.map(\.entity)).count,
                       latestVersion: latest?.version, trainedAt: latest?.createdAt)
    }

    /// Deletes a session with its records, models and cached models.
    public func delete(_ session: ScheduleSessionRecord) async throws {
        try await fits.models.deleteScheduleSession(id: session.sessionID)
        cache.remove(prefix: "schedule/\(session.sessionID)/")
    }

    // MARK: training

    /// Replaces the session's records with the CSV at `path` (read with `mapping`) and fits a model on
    /// train-worker, within the address's hourly quota (`TRAIN_QUOTA_PER_HOUR`). Nothing is replaced when the
    /// file is refused.
    public func train(_ session: ScheduleSessionRecord, csvPath path: String, mapping: Mapping, clientIP: String, requestID: String) async throws -> Trained {
        let rows = try await io.run { try Self.parse(path: path, mapping: mapping) }
        guard !rows.isEmpty else { throw WorkflowError.invalid("the file has no data rows") }
        let models = try fits.models
        let quota = config.trainQuotaPerHour
        guard try await models.consumeQuota(clientIP: clientIP, action: "train", limit: quota, windowSeconds: 3600) else {
            throw WorkflowError(.rateLimited, "training quota exceeded for this address: \(quota) per hour (TRAIN_QUOTA_PER_HOUR)",
                                retryAfterSeconds: 3600)
        }
        try await models.replaceScheduleRecords(sessionID: session.sessionID, records: rows)
        let payload = ScheduleFitPayload(
            sessionID: session.sessionID, minWeekdayRate: config.scheduleMinWeekdayRate, maxSpreadMinutes: config.scheduleMaxSpreadMinutes)
        let version = try await fits.fit(payload, requestID: requestID)
        return Trained(records: rows.count, entities: Set(rows.map(\.entity)).count, version: version)
    }

    /// Reads a schedule CSV with the caller's column names. A missing column is `.invalid` naming it; a bad date
    /// or time, or a repeated (entity, date), `.invalid` naming the line. Blocking: ``train(_:csvPath:mapping:clientIP:requestID:)`` runs it on `io`.
    public static func parse(path: String, mapping: Mapping) throws -> [ScheduleRecordRow] {
        var reader = try CSVReader(path: path, separator: .sniff)
        var columns: [Int]?
        var rows: [ScheduleRecordRow] = []
        var seen: [String: Int] = [:]
        var failure: WorkflowError?
        do {
            try reader.forEachRecord { record in
                if failure != nil || record.isBlank { return }
                guard let cols = columns else {
                    var header = record.strings().map { $0.trimmingCharacters(in: .whitespaces) }
                    if let first = header.first, first.hasPrefix("\u{FEFF}") { header[0] = String(first.dropFirst()) }
                    var idx: [Int] = []
                    var absent: [String] = []
                    for name in [mapping.id, mapping.date, mapping.start, mapping.end] {
                        if let i = header.firstIndex(of: name) { idx.append(i) } else { absent.append("\"\(name.prefix(60))\"") }
                    }
                    if !absent.isEmpty {
                        failure = .invalid("column \(absent.joined(separator: ", ")) not found in the file header (columns: \(header.prefix(20).map { "\"\($0.prefix(40))\"" }.joined(separator: ", ")))")
                    }
                    columns = idx
                    return
                }
                let line = record.line
                func value(_ k: Int) -> String {
                    cols[k] < record.count ? record.string(cols[k]).trimmingCharacters(in: .whitespaces) : ""
                }
                let entity = value(0), dateText = value(1), startText = value(2), endText = value(3)
                guard !entity.isEmpty else { failure = .invalid("line \(line): empty \(mapping.id)"); return }
                guard entity.count <= Self.maxEntityLength else {
                    failure = .invalid("line \(line): \(mapping.id) is longer than \(Self.maxEntityLength) characters")
                    return
                }
                guard let date = CivilDate(parsing: dateText) else {
                    failure = .invalid("line \(line): bad date \"\(dateText.prefix(40))\" in column \(mapping.date) (expected YYYY-MM-DD or DD/MM/YYYY)")
                    return
                }
                guard let start = ClockTime.minutes(parsing: startText) else {
                    failure = .invalid("line \(line): bad time \"\(startText.prefix(40))\" in column \(mapping.start) (expected HH:MM)")
                    return
                }
                guard let end = ClockTime.minutes(parsing: endText) else {
                    failure = .invalid("line \(line): bad time \"\(endText.prefix(40))\" in column \(mapping.end) (expected HH:MM)")
                    return
                }
                let key = entity + "\u{0}" + date.isoString
                if let first = seen[key] {
                    failure = .invalid("line \(line): \(mapping.id) \(entity.prefix(40)) already has a record on \(date.isoString) (line \(first))")
                    return
                }
                seen[key] = line
                rows.append(ScheduleRecordRow(entity: entity, date: date.isoString, startMinute: start, endMinute: end))
            }
        } catch let error as CSVError {
            throw WorkflowError.invalid("the file is not valid CSV: \(error)")
        }
        if let failure { throw failure }
        guard columns != nil else { throw WorkflowError.invalid("the file is empty: a header line is needed") }
        return rows
    }

    // MARK: prediction

    /// The window of days around `target` for one entity of a session: recorded days as recorded
    /// (`historical`), the others from the session's latest model (`"NA"` when unreliable). Shared by
    /// `/api/predict` and the dashboard's schedule page. `.notFound` when the entity is not in the session's data,
    /// `.conflict` when no model is trained yet.
    public func predictions(sessionID: String, entity: String, target: CivilDate, window: Int) async throws -> [Prediction] {
        guard (1...Self.maxWindow).contains(window) else {
            throw WorkflowError.invalid("window_size must be a whole number between 1 and \(Self.maxWindow) (got \(window))")
        }
        // Every day of the window (and a week either side, for the calendar features) must be a date of years 1…9999.
        let windowStart = target.daysSince1970 - window / 2
        guard let earliest = CivilDate(year: 1, month: 1, day: 1), let latest = CivilDate(year: 9999, month: 12, day: 31),
              windowStart - 7 >= earliest.daysSince1970, windowStart + window + 7 <= latest.daysSince1970
        else {
            throw WorkflowError.invalid("target_date \(target.isoString) with window_size \(window) reaches outside the years 1 to 9999")
        }
        let models = try fits.models
        let records = try await models.scheduleRecords(sessionID: sessionID, entity: entity)
        guard !records.isEmpty else { throw WorkflowError.notFound("id \"\(entity.prefix(60))\" not found in this session's data") }
        guard let number = try await models.latestModelVersion(kind: .schedule, subject: sessionID) else {
            throw WorkflowError(.conflict, "no model trained in this session yet: POST /api/train_models/ first")
        }
        let loaded = try await cache.value("schedule/\(sessionID)/\(number)") {
            guard let record = try await models.modelVersion(kind: .schedule, subject: sessionID, version: number) else { return nil }
            return try JSONDecoder().decode(ScheduleModel.self, from: Data(record.model.utf8))
        }
        guard let model = loaded else { throw WorkflowError.notFound("the session's model is gone (session deleted?)") }
        let byDate = Dictionary(records.map { ($0.date, $0) }, uniquingKeysWith: { a, _ in a })
        let rule = ScheduleReliability(minWeekdayRate: config.scheduleMinWeekdayRate, maxSpreadMinutes: config.scheduleMaxSpreadMinutes)
        let first = target.adding(days: -(window / 2))
        var out: [Prediction] = []
        for offset in 0..<window {
            let day = first.adding(days: offset)
            if let r = byDate[day.isoString] {
                out.append(Prediction(
                    date: day.europeanString, weekday: day.weekday.shortName, start_time: ClockTime.format(minutes: r.startMinute),
                    end_time: ClockTime.format(minutes: r.endMinute), historical: true))
            } else {
                let p: SchedulePrediction
                do { p = try model.predict(entity: entity, date: day, reliability: rule) } catch {
                    throw WorkflowError.notFound("id \"\(entity.prefix(60))\" is not in the session's trained model: train again")
                }
                out.append(Prediction(date: day.europeanString, weekday: day.weekday.shortName, start_time: p.startText, end_time: p.endText, historical: false))
            }
        }
        return out
    }
}
