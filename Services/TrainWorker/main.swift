import ArgumentParser
import Config
import Logging
import Observability
import Pipeline
import ServiceLifecycle

/// train-worker: consumes `train_queue` (see design.md). Needs DATABASE_URL and REDIS_URL; the embedded
/// default runs this worker inside upload-api instead.
@main
struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "train-worker", abstract: "Almanac's train worker.")

    func run() async throws {
        let config: AlmanacConfiguration
        do { config = try AlmanacConfiguration.fromProcessEnvironment() } catch {
            AlmanacLogging.exitWithConfigurationError(error, service: "train-worker")
        }
        guard !config.isEmbedded else {
            AlmanacLogging.exitWithConfigurationError(
                ConfigurationError(variable: "DATABASE_URL", problem: "and REDIS_URL must be set for train-worker (the embedded default runs every worker inside upload-api)"),
                service: "train-worker")
        }
        AlmanacLogging.bootstrap(level: config.logLevel, format: config.logFormat, service: "train-worker")
        let logger = Logger(label: "almanac.train-worker")
        try await WorkerMain.run(kind: .train, config: config, logger: logger) { runtime in
            MetricsServer.services(config: config, queue: runtime.queue, logger: logger)
        }
    }
}
