import ArgumentParser
import Config
import Logging
import Observability
import Pipeline
import ServiceLifecycle

/// etl-worker: consumes `etl_queue` (see design.md). Needs DATABASE_URL and REDIS_URL; the embedded
/// default runs this worker inside upload-api instead.
@main
struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "etl-worker", abstract: "Almanac's etl worker.")

    func run() async throws {
        let config: AlmanacConfiguration
        do { config = try AlmanacConfiguration.fromProcessEnvironment() } catch {
            AlmanacLogging.exitWithConfigurationError(error, service: "etl-worker")
        }
        guard !config.isEmbedded else {
            AlmanacLogging.exitWithConfigurationError(
                ConfigurationError(variable: "DATABASE_URL", problem: "and REDIS_URL must be set for etl-worker (the embedded default runs every worker inside upload-api)"),
                service: "etl-worker")
        }
        AlmanacLogging.bootstrap(level: config.logLevel, format: config.logFormat, service: "etl-worker")
        let logger = Logger(label: "almanac.etl-worker")
        try await WorkerMain.run(kind: .etl, config: config, logger: logger) { runtime in
            MetricsServer.services(config: config, queue: runtime.queue, logger: logger)
        }
    }
}
