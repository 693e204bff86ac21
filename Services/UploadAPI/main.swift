import ArgumentParser
import Runtime

/// upload-api: the HTTP front. With no DATABASE_URL and no REDIS_URL it runs the whole suite in one process
/// (embedded default: SQLite under DATA_DIR, in-process queue, the three workers in-process).
@main
struct UploadAPICommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "upload-api", abstract: "Almanac's HTTP API (and, embedded, the whole suite).")

    @Option(help: "Listen address (overrides HOST).") var host: String?
    @Option(help: "Listen port (overrides PORT).") var port: Int?

    func run() async throws { try await AlmanacProcess.runAPI(host: host, port: port) }
}
