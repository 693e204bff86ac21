import ArgumentParser
import Runtime

/// train-worker: consumes `train_queue` (see design.md). Needs DATABASE_URL and REDIS_URL; the embedded
/// default runs this worker inside upload-api instead.
@main
struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "train-worker", abstract: "Almanac's train worker.")

    func run() async throws { try await AlmanacProcess.runWorker(.train) }
}
