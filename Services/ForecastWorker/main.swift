import ArgumentParser
import Runtime

/// forecast-worker: consumes `forecast_queue` (see design.md). Needs DATABASE_URL and REDIS_URL; the embedded
/// default runs this worker inside upload-api instead.
@main
struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "forecast-worker", abstract: "Almanac's forecast worker.")

    func run() async throws { try await AlmanacProcess.runWorker(.forecast) }
}
