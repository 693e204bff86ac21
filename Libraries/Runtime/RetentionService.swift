import Logging
public import ServiceLifecycle
public import Workflows

/// Applies the retention policies once at start and then every `interval`, until graceful shutdown.
public struct RetentionService: Service {
    public let runtime: AlmanacRuntime
    public let interval: Duration

    public init(runtime: AlmanacRuntime, interval: Duration = .seconds(3600)) {
        self.runtime = runtime
        self.interval = interval
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                _ = try await Retention.run(runtime: runtime, dryRun: false)
            } catch {
                runtime.logger.warning("retention run failed", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }
}
