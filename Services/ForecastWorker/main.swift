import ArgumentParser
import Config
import Logging
import Observability
import Pipeline
import ServiceLifecycle

/// forecast-worker: consumes `forecast_queue` (see design.md). Needs DATABASE_URL and REDIS_URL; the embedded
/// default runs this worker inside upload-api instead.
@main
struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "forecast-worker", abstract: "Almanac's forecast worker.")

    func run() async throws {
        let config: AlmanacConfiguration
        do { config = try AlmanacConfiguration.fromProcessEnvironment() } catch {
            AlmanacLogging.exitWithConfigurationError(error, service: "forecast-worker")
        }
        guard !config.isEmbedded else {
            AlmanacLogging.exitWithConfigurationError(
                ConfigurationError(variable: "DATABASE_URL", problem: "and REDIS_URL must be set for forecast-worker (the embedded default runs every worker inside upload-api)"),
                service: "forecast-worker")
        }
        AlmanacLogging.bootstrap(level: config.logLevel, format: config.logFormat, service: "forecast-worker")
        let logger = Logger(label: "almanac.forecast-worker")
        try await WorkerMain.run(kind: .forecast, config: config, logger: logger) { runtime in
            MetricsServer.services(config: config, queue: runtime.queue, logger: logger)
        }
    }
}
