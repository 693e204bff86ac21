import CSV
import Crypto
import Config
import Foundation
import Hummingbird
import Logging
import Models
import NIOPosix
import Workflows
import Store

/// Seed 000's work-schedule API. Sessions isolate everything: records, model versions and cache entries are
/// keyed by the session id; an unknown or expired session is a 401, another session's entity a 404.
///
/// **Shifts past midnight**: an end time earlier than the start time (22:00 → 06:00) ends on the next day; it
/// is stored as written and the end forest learns it as `end + 24 h`. Predicted ends are shown modulo 24 h.
/// An end equal to the start is a zero-length day.
///
/// **Prediction window**: `window_size` days starting `window_size / 2` days before `target_date` (so 3 around
/// 23/12 gives 22/12, 23/12, 24/12). A recorded day shows its recorded times (`historical: true`); the others
/// come from the session's latest model, `"NA"` when the entity rarely works that weekday
/// (`SCHEDULE_MIN_WEEKDAY_RATE`) or the trees disagree by more than `SCHEDULE_MAX_SPREAD_MINUTES`.
struct ScheduleRoutes {
    let runtime: AlmanacRuntime
    let serving: ModelServing
    let io: NIOThreadPool

    static let maxWindow = 366
    /// Seed 000's window when `window_size` is left out: a month of days around the target date.
    static let defaultWindow = 31
    static let maxEntityLength = 100


    // The answers of the session routes (seed 000's shapes).
    struct CacheInfo: Codable, Sendable {
        var active_sessions: Int
        var cache: ModelCache<ScheduleModel>.Info
    }

    struct SessionCreated: Codable, Sendable {
        var session_id: String
        var message: String
        var expires_at: Double
    }

    /// Seed 000's `SessionInfoResponse` keys (`ip_address`, `is_model_trained`, `entity_count`,
    /// `data_row_count`) beside Almanac's own names for the same values.
    struct SessionInfo: Codable, Sendable {
        var session_id: String
        var ip_address: String
        var created_at: String
        var expires_at: Double
        var data_points: Int
        var data_row_count: Int
        var entities: Int
        var entity_count: Int
        var model_trained: Bool
        var is_model_trained: Bool
        var model_version: Int?
        var trained_at: String?
    }

    struct TrainAnswer: Codable, Sendable {
        var message: String
        var session_id: String
        var data_points: Int
        var entities: Int
        /// The seed's code's name for `entities`.
        var employees: Int
        var trained_at: String
        var model_version: Int
        var job_id: String?
    }

    func register(on router: Router<AlmanacContext>, registry: RouteRegistry) {
        registry.add(router, .get, "/api", summary: "Summary of the work-schedule prediction API") { _, _ in
            try JSONResponse.raw(summary(registry))
        }
        registry.add(router, .post, "/api/session/create", summary: "Create a work-schedule session", response: SessionCreated.self) { _, context in
            try await create(context)
        }
        registry.add(router, .get, "/api/session/info", summary: "Session information (X-Session-ID)", response: SessionInfo.self) { request, _ in
            try await info(request)
        }
        registry.add(router, .delete, "/api/session/delete", summary: "Delete a session with its data and models (X-Session-ID)", response: [String: String].self) { request, _ in
            let session = try await requireSession(request)
            try await serving.models.deleteScheduleSession(id: session.sessionID)
            serving.scheduleCache.remove(prefix: "schedule/\(session.sessionID)/")
            return try JSONResponse.make(["message": "Session deleted successfully", "session_id": session.sessionID])
        }
        registry.add(router, .post, "/api/session/cleanup", summary: "Remove expired sessions (X-Admin-Token)") { request, _ in
            let removed = try await cleanup()
            return try JSONResponse.raw(["message": "Expired sessions cleaned up", "deleted_count": removed, "deleted_sessions": removed] as [String: Any])
        }
        registry.add(router, .get, "/api/session/cache-info", summary: "Model cache information (X-Admin-Token)", response: CacheInfo.self) { request, _ in
            let models = try serving.models
            return try JSONResponse.make(CacheInfo(active_sessions: try await models.scheduleSessionCount(), cache: serving.scheduleCache.info))
        }
        // The seed's code answers `cache-clear`; its README's heading says `clear-cache`: both are served.
        for path in ["/api/session/cache-clear", "/api/session/clear-cache"] {
            registry.add(router, .post, path, summary: "Empty the model cache (X-Admin-Token)") { request, _ in
                let n = serving.scheduleCache.clear()
                return try JSONResponse.raw(["message": "Cache cleared", "cleared_models": n] as [String: Any])
            }
        }
        for path in ["/api/train_models", "/api/train"] {
            registry.add(router, .post, path, summary: "Upload a schedule CSV with its column mapping and train (train-worker)", response: TrainAnswer.self) { request, context in
                try await serving.telemetry.measure("schedule_train") { try await train(request, context) }
            }
        }
        registry.add(router, .post, "/api/predict", summary: "Start and end times over a window of days for one entity", response: [String: [Prediction]].self, body: PredictBody.self) { request, context in
            try await serving.telemetry.measure("schedule_predict") { try await predict(request, context) }
        }
    }

    func summary(_ registry: RouteRegistry) -> [String: Any] {
        let endpoints = registry.all.filter { $0.path.hasPrefix("/api") }.map { ["method": $0.method.rawValue, "path": $0.path, "summary": $0.summary] }
        return [
            "name": "Almanac work-schedule prediction API",
            "description": "Predicts start and end times of recurrent events (work schedules) per entity with random forests; \"NA\" when a prediction is unreliable.",
            "date_formats": ["YYYY-MM-DD", "DD/MM/YYYY"],
            "time_format": "HH:MM",
            "session_header": "X-Session-ID",
            "admin_header": "X-Admin-Token",
            "reliability": ["min_weekday_rate": runtime.config.scheduleMinWeekdayRate, "max_spread_minutes": runtime.config.scheduleMaxSpreadMinutes],
            "endpoints": endpoints,
        ]
    }

    // MARK: sessions

    func cleanup() async throws -> Int {
        let ids = try await serving.models.deleteExpiredScheduleSessions()
        for id in ids { serving.scheduleCache.remove(prefix: "schedule/\(id)/") }
        if !ids.isEmpty { runtime.logger.info("expired sessions removed", metadata: ["sessions": "\(ids.count)"]) }
        return ids.count
    }

    func create(_ context: AlmanacContext) async throws -> Response {
        let models = try serving.models
        _ = try await cleanup()
        guard try await models.consumeQuota(
            clientIP: context.remoteAddress, action: "session_create", limit: runtime.config.sessionCreateQuotaPerHour, windowSeconds: 3600)
        else {
            throw APIError(.tooManyRequests, "session creation quota exceeded for this address: \(runtime.config.sessionCreateQuotaPerHour) per hour (SESSION_CREATE_QUOTA_PER_HOUR)", headers: [.retryAfter: "3600"])
        }
        var random = [UInt8](repeating: 0, count: 32)
        var rng = SystemRandomNumberGenerator()
        for i in random.indices { random[i] = UInt8.random(in: 0...255, using: &rng) }
        let id = SHA256.hash(data: random).map { String(format: "%02x", $0) }.joined()
        let session = try await models.createScheduleSession(id: id, clientIP: context.remoteAddress, ttlSeconds: runtime.config.sessionTTLSeconds)
        return try JSONResponse.make(SessionCreated(
            session_id: session.sessionID,
            message: "Session created successfully; send it as X-Session-ID (expires in \(runtime.config.sessionTTLSeconds) s)",
            expires_at: session.expiresAt))
    }

    func requireSession(_ request: Request) async throws -> ScheduleSessionRecord {
        guard let id = request.headers[.init("X-Session-ID")!]?.trimmingCharacters(in: .whitespaces), !id.isEmpty else {
            throw APIError(.unauthorized, "missing X-Session-ID header: create a session with POST /api/session/create")
        }
        guard id.count <= 128, let session = try await serving.models.scheduleSession(id: id) else {
            throw APIError(.unauthorized, "unknown or expired session: create a new one with POST /api/session/create")
        }
        return session
    }

    func info(_ request: Request) async throws -> Response {
        let session = try await requireSession(request)
        let models = try serving.models
        let records = try await models.scheduleRecords(sessionID: session.sessionID, entity: nil)
        let latest = try await models.modelVersions(kind: .schedule, subject: session.sessionID).first
        let entities = Set(records.map(\.entity)).count
        return try JSONResponse.make(SessionInfo(
            session_id: session.sessionID, ip_address: session.clientIP, created_at: session.createdAt, expires_at: session.expiresAt,
            data_points: records.count, data_row_count: records.count, entities: entities, entity_count: entities,
            model_trained: latest != nil, is_model_trained: latest != nil, model_version: latest?.version, trained_at: latest?.createdAt))
    }

    // MARK: training

    struct Mapping: Sendable {
        var id: String, date: String, start: String, end: String
        /// A form field left out or empty names seed 000's own column (its README's `ID,Date,Start Time,End Time`).
        static let seedDefault = ["id_column": "ID", "date_column": "Date", "start_time_column": "Start Time", "end_time_column": "End Time"]
    }

    func train(_ request: Request, _ context: AlmanacContext) async throws -> Response {
        let session = try await requireSession(request)
        let config = runtime.config
        let boundary = try MultipartReceiver.boundary(contentType: request.headers[.contentType])
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > config.maxUploadBytes + 64 * 1024 {
            throw APIError(.contentTooLarge, "request body of \(length) bytes is larger than the limit of \(config.maxUploadBytes) bytes (MAX_UPLOAD_BYTES)")
        }
        let directory = config.uploadDirectory
        try await io.runIfActive { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
        let receiver = MultipartReceiver(boundary: boundary, directory: directory, maxBytes: config.maxUploadBytes, io: io)
        let received = try await receiver.receive(request.body)
        let path = received.tempPath
        defer { Task { [io] in try? await io.runIfActive { _ = unlink(path) } } }
        func field(_ name: String) -> String {
            let v = received.fields[name]?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            return v.isEmpty ? Mapping.seedDefault[name, default: name] : v
        }
        let mapping = Mapping(id: field("id_column"), date: field("date_column"), start: field("start_time_column"), end: field("end_time_column"))
        let rows = try await io.runIfActive { try Self.parse(path: path, mapping: mapping) }
        guard !rows.isEmpty else { throw APIError.badRequest("the file has no data rows") }
        let models = try serving.models
        guard try await models.consumeQuota(
            clientIP: context.remoteAddress, action: "train", limit: config.trainQuotaPerHour, windowSeconds: 3600)
        else {
            throw APIError(.tooManyRequests, "training quota exceeded for this address: \(config.trainQuotaPerHour) per hour (TRAIN_QUOTA_PER_HOUR)", headers: [.retryAfter: "3600"])
        }
        try await models.replaceScheduleRecords(sessionID: session.sessionID, records: rows)
        let payload = ScheduleFitPayload(
            sessionID: session.sessionID, minWeekdayRate: config.scheduleMinWeekdayRate, maxSpreadMinutes: config.scheduleMaxSpreadMinutes)
        let version = try await serving.fit(type: TrainJobType.scheduleFit, payload: payload, requestID: context.requestID)
        let entities = Set(rows.map(\.entity)).count
        return try JSONResponse.make(TrainAnswer(
            message: "Model trained successfully", session_id: session.sessionID, data_points: rows.count,
            entities: entities, employees: entities, trained_at: version.createdAt, model_version: version.version,
            job_id: version.summary.jobID))
    }

    /// Reads the uploaded CSV with the caller's column names. A missing column is a 400 naming it; a bad date or
    /// time, or a repeated (entity, date), a 400 naming the line.
    static func parse(path: String, mapping: Mapping) throws -> [ScheduleRecordRow] {
        var reader = try CSVReader(path: path, separator: .sniff)
        var columns: [Int]?
        var rows: [ScheduleRecordRow] = []
        var seen: [String: Int] = [:]
        var failure: APIError?
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
                        failure = APIError.badRequest("column \(absent.joined(separator: ", ")) not found in the file header (columns: \(header.prefix(20).map { "\"\($0.prefix(40))\"" }.joined(separator: ", ")))")
                    }
                    columns = idx
                    return
                }
                let line = record.line
                func value(_ k: Int) -> String {
                    cols[k] < record.count ? record.string(cols[k]).trimmingCharacters(in: .whitespaces) : ""
                }
                let entity = value(0), dateText = value(1), startText = value(2), endText = value(3)
                guard !entity.isEmpty else { failure = APIError.badRequest("line \(line): empty \(mapping.id)"); return }
                guard entity.count <= Self.maxEntityLength else {
                    failure = APIError.badRequest("line \(line): \(mapping.id) is longer than \(Self.maxEntityLength) characters")
                    return
                }
                guard let date = CivilDate(parsing: dateText) else {
                    failure = APIError.badRequest("line \(line): bad date \"\(dateText.prefix(40))\" in column \(mapping.date) (expected YYYY-MM-DD or DD/MM/YYYY)")
                    return
                }
                guard let start = ClockTime.minutes(parsing: startText) else {
                    failure = APIError.badRequest("line \(line): bad time \"\(startText.prefix(40))\" in column \(mapping.start) (expected HH:MM)")
                    return
                }
                guard let end = ClockTime.minutes(parsing: endText) else {
                    failure = APIError.badRequest("line \(line): bad time \"\(endText.prefix(40))\" in column \(mapping.end) (expected HH:MM)")
                    return
                }
                let key = entity + "\u{0}" + date.isoString
                if let first = seen[key] {
                    failure = APIError.badRequest("line \(line): \(mapping.id) \(entity.prefix(40)) already has a record on \(date.isoString) (line \(first))")
                    return
                }
                seen[key] = line
                rows.append(ScheduleRecordRow(entity: entity, date: date.isoString, startMinute: start, endMinute: end))
            }
        } catch let error as CSVError {
            throw APIError.badRequest("the file is not valid CSV: \(error)")
        }
        if let failure { throw failure }
        guard columns != nil else { throw APIError.badRequest("the file is empty: a header line is needed") }
        return rows
    }

    // MARK: prediction

    struct PredictBody: Decodable {
        var id: String?
        var target_date: String?
        var window_size: WholeNumber?

        enum CodingKeys: String, CodingKey { case id, target_date, window_size }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            if let s = try? c.decode(String.self, forKey: .id) { id = s }
            else if let n = try? c.decode(Int.self, forKey: .id) { id = String(n) }
            else if (try? c.decodeNil(forKey: .id)) ?? true { id = nil } // absent or null: the route's "missing field id"
            else {
                let got = (try? c.decode(Double.self, forKey: .id)).map { " (got \(WholeNumber.shown($0)))" } ?? ""
                throw APIError.badRequest("id must be a string or an integer\(got)")
            }
            target_date = try c.decodeIfPresent(String.self, forKey: .target_date)
            window_size = try c.decodeIfPresent(WholeNumber.self, forKey: .window_size)
        }
    }

    struct Prediction: Codable, Sendable {
        var date: String
        var weekday: String
        var start_time: String
        var end_time: String
        var historical: Bool
    }

    func predict(_ request: Request, _ context: AlmanacContext) async throws -> Response {
        let session = try await requireSession(request)
        let body = try await AnomalyRoutes.decode(PredictBody.self, request, context)
        guard let entity = body.id, !entity.isEmpty else { throw APIError.badRequest("missing field id") }
        guard let dateText = body.target_date else { throw APIError.badRequest("missing field target_date") }
        guard let target = CivilDate(parsing: dateText) else {
            throw APIError.badRequest("target_date \"\(dateText.prefix(40))\" is not a date (expected YYYY-MM-DD or DD/MM/YYYY)")
        }
        let window = try (body.window_size ?? WholeNumber(Double(Self.defaultWindow))).checked("window_size", in: 1...Self.maxWindow)
        let out = try await predictions(sessionID: session.sessionID, entity: entity, target: target, window: window)
        return try JSONResponse.make(["predictions": out])
    }

    /// The window of days around `target` for one entity of a session: recorded days as recorded
    /// (`historical`), the others from the session's latest model (`"NA"` when unreliable). Shared by
    /// `/api/predict` and the dashboard's schedule page. A 404 when the entity is not in the session's data,
    /// a 409 when no model is trained yet.
    func predictions(sessionID: String, entity: String, target: CivilDate, window: Int) async throws -> [Prediction] {
        // Every day of the window (and a week either side, for the calendar features) must be a date of years 1…9999.
        let windowStart = target.daysSince1970 - window / 2
        guard let earliest = CivilDate(year: 1, month: 1, day: 1), let latest = CivilDate(year: 9999, month: 12, day: 31),
              windowStart - 7 >= earliest.daysSince1970, windowStart + window + 7 <= latest.daysSince1970
        else {
            throw APIError.badRequest("target_date \(target.isoString) with window_size \(window) reaches outside the years 1 to 9999")
        }
        let models = try serving.models
        let records = try await models.scheduleRecords(sessionID: sessionID, entity: entity)
        guard !records.isEmpty else { throw APIError.notFound("id \"\(entity.prefix(60))\" not found in this session's data") }
        guard let number = try await models.latestModelVersion(kind: .schedule, subject: sessionID) else {
            throw APIError(.conflict, "no model trained in this session yet: POST /api/train_models/ first")
        }
        let loaded = try await serving.scheduleCache.value("schedule/\(sessionID)/\(number)") {
            guard let record = try await models.modelVersion(kind: .schedule, subject: sessionID, version: number) else { return nil }
            return try JSONDecoder().decode(ScheduleModel.self, from: Data(record.model.utf8))
        }
        guard let model = loaded else { throw APIError.notFound("the session's model is gone (session deleted?)") }
        let byDate = Dictionary(records.map { ($0.date, $0) }, uniquingKeysWith: { a, _ in a })
        let rule = ScheduleReliability(minWeekdayRate: runtime.config.scheduleMinWeekdayRate, maxSpreadMinutes: runtime.config.scheduleMaxSpreadMinutes)
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
                    throw APIError.notFound("id \"\(entity.prefix(60))\" is not in the session's trained model: train again")
                }
                out.append(Prediction(date: day.europeanString, weekday: day.weekday.shortName, start_time: p.startText, end_time: p.endText, historical: false))
            }
        }
        return out
    }
}
