import Config
import Foundation
import Hummingbird
import Logging
import Models
import NIOPosix
import Workflows
import Store

/// Seed 000's work-schedule API: adapters over the `ScheduleSessions` workflow, which holds its rules (sessions,
/// shifts past midnight, the prediction window, "NA" when unreliable). The session is the `X-Session-ID` header.
struct ScheduleRoutes {
    let runtime: AlmanacRuntime
    let serving: ModelServing
    let io: NIOThreadPool

    var sessions: ScheduleSessions { ScheduleSessions(fits: serving.fits, cache: serving.scheduleCache, io: ThreadPoolIO(io)) }

    typealias Prediction = ScheduleSessions.Prediction

    // The answers of the session routes (seed 000's shapes).
    struct CacheInfo: Codable, Sendable {
        var active_sessions: Int
        var cache: ModelCache<ScheduleModel>.Info
    }

    struct CleanupAnswer: Codable, Sendable {
        var message: String
        var deleted_count: Int
        /// The seed's code's name for `deleted_count`.
        var deleted_sessions: Int
    }

    struct CacheCleared: Codable, Sendable {
        var message: String
        var cleared_models: Int
    }

    /// `GET /api`: what the work-schedule API is and its routes.
    struct Summary: Codable, Sendable {
        struct Reliability: Codable, Sendable {
            var min_weekday_rate: Double
            var max_spread_minutes: Double
        }
        struct Endpoint: Codable, Sendable {
            var method: String
            var path: String
            var summary: String
        }
        var name: String
        var description: String
        var date_formats: [String]
        var time_format: String
        var session_header: String
        var admin_header: String
        var reliability: Reliability
        var endpoints: [Endpoint]
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
        registry.add(router, .get, "/api", summary: "Summary of the work-schedule prediction API", response: Summary.self) { _, _ in
            try JSONResponse.make(summary(registry))
        }
        registry.add(router, .post, "/api/session/create", summary: "Create a work-schedule session", response: SessionCreated.self) { _, context in
            try await create(context)
        }
        registry.add(router, .get, "/api/session/info", summary: "Session information (X-Session-ID)", response: SessionInfo.self) { request, _ in
            try await info(request)
        }
        registry.add(router, .delete, "/api/session/delete", summary: "Delete a session with its data and models (X-Session-ID)", response: [String: String].self) { request, _ in
            let session = try await requireSession(request)
            try await sessions.delete(session)
            return try JSONResponse.make(["message": "Session deleted successfully", "session_id": session.sessionID])
        }
        registry.add(router, .post, "/api/session/cleanup", summary: "Remove expired sessions (X-Admin-Token)", response: CleanupAnswer.self) { request, _ in
            let removed = try await sessions.cleanup()
            return try JSONResponse.make(CleanupAnswer(message: "Expired sessions cleaned up", deleted_count: removed, deleted_sessions: removed))
        }
        registry.add(router, .get, "/api/session/cache-info", summary: "Model cache information (X-Admin-Token)", response: CacheInfo.self) { request, _ in
            let models = try serving.models
            return try JSONResponse.make(CacheInfo(active_sessions: try await models.scheduleSessionCount(), cache: serving.scheduleCache.info))
        }
        // The seed's code answers `cache-clear`; its README's heading says `clear-cache`: both are served.
        for path in ["/api/session/cache-clear", "/api/session/clear-cache"] {
            registry.add(router, .post, path, summary: "Empty the model cache (X-Admin-Token)", response: CacheCleared.self) { request, _ in
                let n = serving.scheduleCache.clear()
                return try JSONResponse.make(CacheCleared(message: "Cache cleared", cleared_models: n))
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

    func summary(_ registry: RouteRegistry) -> Summary {
        Summary(
            name: "Almanac work-schedule prediction API",
            description: "Predicts start and end times of recurrent events (work schedules) per entity with random forests; \"NA\" when a prediction is unreliable.",
            date_formats: ["YYYY-MM-DD", "DD/MM/YYYY"], time_format: "HH:MM", session_header: "X-Session-ID", admin_header: "X-Admin-Token",
            reliability: .init(min_weekday_rate: runtime.config.scheduleMinWeekdayRate, max_spread_minutes: runtime.config.scheduleMaxSpreadMinutes),
            endpoints: registry.all.filter { $0.path.hasPrefix("/api") }.map { .init(method: $0.method.rawValue, path: $0.path, summary: $0.summary) })
    }

    // MARK: sessions

    func create(_ context: AlmanacContext) async throws -> Response {
        let session = try await sessions.create(clientIP: context.remoteAddress)
        return try JSONResponse.make(SessionCreated(
            session_id: session.sessionID,
            message: "Session created successfully; send it as X-Session-ID (expires in \(runtime.config.sessionTTLSeconds) s)",
            expires_at: session.expiresAt))
    }

    func requireSession(_ request: Request) async throws -> ScheduleSessionRecord {
        try await sessions.session(id: request.headers[.init("X-Session-ID")!])
    }

    func info(_ request: Request) async throws -> Response {
        let s = try await sessions.summary(try await requireSession(request))
        return try JSONResponse.make(SessionInfo(
            session_id: s.session.sessionID, ip_address: s.session.clientIP, created_at: s.session.createdAt, expires_at: s.session.expiresAt,
            data_points: s.records, data_row_count: s.records, entities: s.entities, entity_count: s.entities,
            model_trained: s.latestVersion != nil, is_model_trained: s.latestVersion != nil, model_version: s.latestVersion, trained_at: s.trainedAt))
    }

    // MARK: training

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
        let trained = try await sessions.train(
            session, csvPath: path, mapping: ScheduleSessions.Mapping(fields: received.fields), clientIP: context.remoteAddress,
            requestID: context.requestID)
        return try JSONResponse.make(TrainAnswer(
            message: "Model trained successfully", session_id: session.sessionID, data_points: trained.records,
            entities: trained.entities, employees: trained.entities, trained_at: trained.version.createdAt,
            model_version: trained.version.version, job_id: trained.version.summary.jobID))
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

    func predict(_ request: Request, _ context: AlmanacContext) async throws -> Response {
        let session = try await requireSession(request)
        let body = try await AnomalyRoutes.decode(PredictBody.self, request, context)
        guard let entity = body.id, !entity.isEmpty else { throw APIError.badRequest("missing field id") }
        guard let dateText = body.target_date else { throw APIError.badRequest("missing field target_date") }
        guard let target = CivilDate(parsing: dateText) else {
            throw APIError.badRequest("target_date \"\(dateText.prefix(40))\" is not a date (expected YYYY-MM-DD or DD/MM/YYYY)")
        }
        let window = try (body.window_size ?? WholeNumber(Double(ScheduleSessions.defaultWindow))).checked("window_size", in: 1...ScheduleSessions.maxWindow)
        let out = try await sessions.predictions(sessionID: session.sessionID, entity: entity, target: target, window: window)
        return try JSONResponse.make(["predictions": out])
    }
}
