import Config
import Foundation
import Logging

/// The executables' whole `run`: configuration checked (one clear line and exit 1 when wrong), logging set up,
/// the group built and run until shutdown.
public enum AlmanacProcess {
    /// A worker process; the distributed mode only (the embedded default runs every worker inside upload-api).
    public static func runWorker(_ kind: WorkerKind) async throws {
        let service = "\(kind.rawValue)-worker"
        let config: AlmanacConfiguration
        do { config = try AlmanacConfiguration.fromProcessEnvironment() } catch {
            AlmanacLogging.exitWithConfigurationError(error, service: service)
        }
        guard !config.isEmbedded else {
            AlmanacLogging.exitWithConfigurationError(
                ConfigurationError(variable: "DATABASE_URL", problem: "and REDIS_URL must be set for \(service) (the embedded default runs every worker inside upload-api)"),
                service: service)
        }
        AlmanacLogging.bootstrap(level: config.logLevel, format: config.logFormat, service: service)
        let logger = Logger(label: "almanac.\(service)")
        try await AlmanacServices.run(try await AlmanacServices.buildWorker(kind, config: config, logger: logger), logger: logger)
    }

    /// upload-api, with `HOST` and `PORT` overridden by the command line when given.
    public static func runAPI(host: String?, port: Int?) async throws {
        var env = ProcessEnvironment.all()
        if let host { env["HOST"] = host }
        if let port { env["PORT"] = String(port) }
        let config: AlmanacConfiguration
        do { config = try AlmanacConfiguration.load(from: env) } catch {
            AlmanacLogging.exitWithConfigurationError(error, service: "upload-api")
        }
        AlmanacLogging.bootstrap(level: config.logLevel, format: config.logFormat, service: "upload-api")
        let logger = Logger(label: "almanac.upload-api")
        do {
            try FileManager.default.createDirectory(atPath: config.uploadDirectory, withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: config.dataDirectory, withIntermediateDirectories: true)
        } catch {
            AlmanacLogging.exitWithConfigurationError(ConfigurationError(variable: "UPLOAD_DIR", problem: "cannot be created: \(error)"), service: "upload-api")
        }
        try await AlmanacServices.run(try await AlmanacServices.buildAPI(config: config, logger: logger), logger: logger)
    }
}
