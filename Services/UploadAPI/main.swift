import API
import ArgumentParser
import Config
import Foundation
import Hummingbird
import Logging
import Pipeline

/// upload-api: the HTTP front. With no DATABASE_URL and no REDIS_URL it runs the whole suite in one process
/// (embedded default: SQLite under DATA_DIR, in-process queue, the three workers in-process).
@main
struct UploadAPICommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "upload-api", abstract: "Almanac's HTTP API (and, embedded, the whole suite).")

    @Option(help: "Listen address (overrides HOST).") var host: String?
    @Option(help: "Listen port (overrides PORT).") var port: Int?

    func run() async throws {
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
        let runtime = try await AlmanacRuntime.open(config: config, logger: logger)
        var services = config.isEmbedded ? EmbeddedSuite.services(runtime: runtime) : []
        services.append(RetentionService(runtime: runtime))
        logger.info("starting", metadata: [
            "mode": "\(config.isEmbedded ? "embedded (SQLite, in-process queue and workers)" : "distributed")",
            "address": "\(config.host):\(config.port)",
        ])
        let app = try AlmanacApp.buildApplication(runtime: runtime, services: services)
        try await app.runService()
    }
}
