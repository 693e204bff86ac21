#if canImport(Glibc)
import Glibc
#endif

/// Every setting Almanac reads from the environment, in one place, validated at start.
/// `.env.example` documents each variable with its default.
public struct AlmanacConfiguration: Sendable, Equatable {
    /// `postgres://…`; nil means the embedded SQLite store.
    public var databaseURL: String?
    /// `redis://…`; nil means the in-process queue (embedded default).
    public var redisURL: String?
    public var host: String
    public var port: Int
    public var dataDirectory: String
    public var uploadDirectory: String
    public var maxUploadBytes: Int
    /// SHA-256 hex digests of the accepted API keys (the keys themselves are not kept).
    public var apiKeyHashes: [String]
    public var apiKeysConfigured: Bool { !apiKeyHashes.isEmpty }
    public var adminToken: String?
    public var forecastHorizon: Int
    /// At most this many products of a category get their own model in the hierarchy; the others share.
    public var forecastProductModels: Int
    public var logLevel: String
    public var logFormat: String
    public var workerConcurrency: Int
    public var retryMaxAttempts: Int
    public var retryBaseDelaySeconds: Double
    public var retryMaxDelaySeconds: Double
    public var requeueAfterSeconds: Double
    public var metricsPort: Int?
    public var corsOrigins: [String]
    public var rateLimitPerMinute: Int
    public var minTrainingDataPoints: Int
    public var latencyHistoryLimit: Int
    public var maxModelsInCache: Int
    public var sessionTTLSeconds: Int
    public var trainTimeoutSeconds: Double
    public var scheduleMinWeekdayRate: Double
    public var scheduleMaxSpreadMinutes: Double
    public var retentionUploadDays: Int
    public var retentionForecastDays: Int
    public var retentionModelVersions: Int
    /// Wall-clock budget of a synchronous `POST /forecast` for its model searches, in seconds; 0 = none.
    public var forecastRequestSeconds: Double
    /// Per-IP quotas of the work-schedule API (429 above them), per sliding hour.
    public var sessionCreateQuotaPerHour: Int = 60
    public var trainQuotaPerHour: Int = 30
    /// After SIGTERM a process stops taking work and has this long to finish or hand back what it holds
    /// before it exits (0 on time; work still held is handed back to the queue).
    public var shutdownSeconds: Double = 8
    /// The dashboard's sign-in cookie: signed with this secret (random per process when unset, so a restart
    /// signs everyone out; set it when several upload-api processes serve one dashboard), valid this long,
    /// and marked `Secure` unless turned off for plain HTTP to a host that is not loopback.
    public var dashboardSessionSecret: String?
    public var dashboardSessionSeconds: Int = 8 * 3600
    public var dashboardCookieSecure: Bool = true

    /// True when no external servers are configured: one process, SQLite, in-process queue.
    public var isEmbedded: Bool { databaseURL == nil && redisURL == nil }

    public var sqlitePath: String { dataDirectory + "/almanac.sqlite" }
}

/// A configuration problem, reported as one clear line naming the variable.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible, Equatable {
    public var variable: String
    public var problem: String
    public var description: String { "configuration error: \(variable) \(problem)" }

    public init(variable: String, problem: String) {
        self.variable = variable
        self.problem = problem
    }
}

extension AlmanacConfiguration {
    /// Reads and validates the configuration from an environment dictionary.
    public static func load(from env: [String: String]) throws -> AlmanacConfiguration {
        let reader = EnvironmentReader(env: env)
        let dataDir = reader.string("DATA_DIR", default: "./data")
        let databaseURL = reader.optionalString("DATABASE_URL")
        if let databaseURL, !(databaseURL.hasPrefix("postgres://") || databaseURL.hasPrefix("postgresql://")) {
            throw ConfigurationError(variable: "DATABASE_URL", problem: "must start with postgres:// (got \(databaseURL.prefix(20))…)")
        }
        let redisURL = reader.optionalString("REDIS_URL")
        if let redisURL, !redisURL.hasPrefix("redis://") {
            throw ConfigurationError(variable: "REDIS_URL", problem: "must start with redis://")
        }
        if (databaseURL == nil) != (redisURL == nil) {
            throw ConfigurationError(
                variable: databaseURL == nil ? "DATABASE_URL" : "REDIS_URL",
                problem: "is unset while \(databaseURL == nil ? "REDIS_URL" : "DATABASE_URL") is set: set both (distributed mode) or neither (embedded mode)")
        }
        let keys = reader.list("API_KEYS")
        let config = AlmanacConfiguration(
            databaseURL: databaseURL,
            redisURL: redisURL,
            host: try reader.host("HOST", default: keys.isEmpty ? "127.0.0.1" : "0.0.0.0"),
            port: try reader.int("PORT", default: 8000, range: 1...65535),
            dataDirectory: dataDir,
            uploadDirectory: reader.string("UPLOAD_DIR", default: dataDir + "/uploads"),
            maxUploadBytes: try reader.int("MAX_UPLOAD_BYTES", default: 512 * 1024 * 1024, range: 1024...(1 << 40)),
            apiKeyHashes: keys.map { SHA256Hex.digest($0) },
            adminToken: reader.optionalString("ADMIN_TOKEN"),
            forecastHorizon: try reader.int("FORECAST_HORIZON", default: 30, range: 1...366),
            forecastProductModels: try reader.int("FORECAST_PRODUCT_MODELS", default: 100, range: 0...100_000),
            logLevel: try reader.choice("LOG_LEVEL", default: "info", from: ["trace", "debug", "info", "notice", "warning", "error", "critical"]),
            logFormat: try reader.choice("LOG_FORMAT", default: "json", from: ["json", "text"]),
            workerConcurrency: try reader.int("WORKER_CONCURRENCY", default: 2, range: 1...64),
            retryMaxAttempts: try reader.int("RETRY_MAX_ATTEMPTS", default: 3, range: 1...100),
            retryBaseDelaySeconds: try reader.double("RETRY_BASE_DELAY_SECONDS", default: 1, range: 0...3600),
            retryMaxDelaySeconds: try reader.double("RETRY_MAX_DELAY_SECONDS", default: 60, range: 0...86400),
            requeueAfterSeconds: try reader.double("REQUEUE_AFTER_SECONDS", default: 30, range: 1...86400),
            metricsPort: try reader.optionalInt("METRICS_PORT", range: 1...65535),
            corsOrigins: reader.list("CORS_ORIGINS"),
            rateLimitPerMinute: try reader.int("RATE_LIMIT_PER_MINUTE", default: 600, range: 0...1_000_000),
            minTrainingDataPoints: try reader.int("MIN_TRAINING_DATA_POINTS", default: 3, range: 1...1_000_000),
            latencyHistoryLimit: try reader.int("LATENCY_HISTORY_LIMIT", default: 100, range: 1...100_000),
            maxModelsInCache: try reader.int("MAX_MODELS_IN_CACHE", default: 64, range: 1...100_000),
            sessionTTLSeconds: try reader.int("SESSION_TTL_SECONDS", default: 86400, range: 60...(365 * 86400)),
            trainTimeoutSeconds: try reader.double("TRAIN_TIMEOUT_SECONDS", default: 120, range: 1...3600),
            scheduleMinWeekdayRate: try reader.double("SCHEDULE_MIN_WEEKDAY_RATE", default: 0.2, range: 0...1),
            scheduleMaxSpreadMinutes: try reader.double("SCHEDULE_MAX_SPREAD_MINUTES", default: 90, range: 0...1440),
            retentionUploadDays: try reader.int("RETENTION_UPLOAD_DAYS", default: 90, range: 0...36500),
            retentionForecastDays: try reader.int("RETENTION_FORECAST_DAYS", default: 365, range: 0...36500),
            retentionModelVersions: try reader.int("RETENTION_MODEL_VERSIONS", default: 20, range: 1...100_000),
            forecastRequestSeconds: try reader.double("FORECAST_REQUEST_SECONDS", default: 20, range: 0...3600)
        )
        var withQuotas = config
        withQuotas.sessionCreateQuotaPerHour = try reader.int("SESSION_CREATE_QUOTA_PER_HOUR", default: 60, range: 1...1_000_000)
        withQuotas.trainQuotaPerHour = try reader.int("TRAIN_QUOTA_PER_HOUR", default: 30, range: 1...1_000_000)
        withQuotas.shutdownSeconds = try reader.double("SHUTDOWN_SECONDS", default: 8, range: 2...3600)
        if let secret = reader.optionalString("DASHBOARD_SESSION_SECRET") {
            guard secret.utf8.count >= 32 else {
                throw ConfigurationError(variable: "DASHBOARD_SESSION_SECRET", problem: "must be at least 32 characters (got \(secret.utf8.count))")
            }
            withQuotas.dashboardSessionSecret = secret
        }
        withQuotas.dashboardSessionSeconds = try reader.int("DASHBOARD_SESSION_SECONDS", default: 8 * 3600, range: 60...(30 * 86400))
        withQuotas.dashboardCookieSecure = try reader.choice("DASHBOARD_COOKIE_SECURE", default: "true", from: ["true", "false"]) == "true"
        return withQuotas
    }

    /// Reads the process environment.
    public static func fromProcessEnvironment() throws -> AlmanacConfiguration {
        try load(from: ProcessEnvironment.all())
    }
}

/// Reads the process environment without Foundation.
public enum ProcessEnvironment {
    public static func all() -> [String: String] {
        var result: [String: String] = [:]
        var pointer = environ
        while let entry = pointer.pointee {
            let pair = String(cString: entry)
            if let eq = pair.firstIndex(of: "=") {
                result[String(pair[..<eq])] = String(pair[pair.index(after: eq)...])
            }
            pointer += 1
        }
        return result
    }
}

struct EnvironmentReader {
    let env: [String: String]

    func optionalString(_ name: String) -> String? {
        guard let v = env[name]?.trimmingWhitespace, !v.isEmpty else { return nil }
        return v
    }

    func string(_ name: String, default value: String) -> String { optionalString(name) ?? value }

    func list(_ name: String) -> [String] {
        (optionalString(name) ?? "").split(separator: ",").map { String($0).trimmingWhitespace }.filter { !$0.isEmpty }
    }

    func int(_ name: String, default value: Int, range: ClosedRange<Int>) throws -> Int {
        try optionalInt(name, range: range) ?? value
    }

    func optionalInt(_ name: String, range: ClosedRange<Int>) throws -> Int? {
        guard let raw = optionalString(name) else { return nil }
        guard let v = Int(raw) else { throw ConfigurationError(variable: name, problem: "must be an integer (got \"\(raw)\")") }
        guard range.contains(v) else { throw ConfigurationError(variable: name, problem: "must be between \(range.lowerBound) and \(range.upperBound) (got \(v))") }
        return v
    }

    func double(_ name: String, default value: Double, range: ClosedRange<Double>) throws -> Double {
        guard let raw = optionalString(name) else { return value }
        guard let v = Double(raw), v.isFinite else { throw ConfigurationError(variable: name, problem: "must be a number (got \"\(raw)\")") }
        guard range.contains(v) else { throw ConfigurationError(variable: name, problem: "must be between \(range.lowerBound) and \(range.upperBound) (got \(v))") }
        return v
    }

    func choice(_ name: String, default value: String, from allowed: [String]) throws -> String {
        guard let raw = optionalString(name)?.lowercased() else { return value }
        guard allowed.contains(raw) else { throw ConfigurationError(variable: name, problem: "must be one of \(allowed.joined(separator: ", ")) (got \"\(raw)\")") }
        return raw
    }

    func host(_ name: String, default value: String) throws -> String {
        guard let raw = optionalString(name) else { return value }
        let ok = raw.allSatisfy { $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == ":" }
        guard ok else { throw ConfigurationError(variable: name, problem: "is not a host name or address (got \"\(raw)\")") }
        return raw
    }
}

extension String {
    var trimmingWhitespace: String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s.removeFirst() }
        while let l = s.last, l.isWhitespace { s.removeLast() }
        return String(s)
    }
}
