import ArgumentParser
import Runtime

/// etl-worker: consumes `etl_queue` (see design.md). Needs DATABASE_URL and REDIS_URL; the embedded
/// default runs this worker inside upload-api instead.
@main
struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "etl-worker", abstract: "Almanac's etl worker.")

    func run() async throws { try await AlmanacProcess.runWorker(.etl) }
}
