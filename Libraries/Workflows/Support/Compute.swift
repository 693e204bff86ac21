import Dispatch

/// Runs CPU-bound work (model fits, backtests, forests) on Dispatch threads outside Swift's cooperative
/// pool. The pool has one thread per core: a fit running on it holds back every other task of the
/// process, so in the embedded default an HTTP request waited up to 43 s behind a forecast, and a worker's
/// queue heartbeat could stall long enough for its message to be reclaimed by another worker.
public enum Compute {
    static let queue = DispatchQueue(label: "almanac.compute", qos: .userInitiated, attributes: .concurrent)

    /// The value of `body`, computed off the cooperative pool.
    public static func run<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            queue.async { continuation.resume(returning: body()) }
        }
    }

    /// The value of `body`, or its error, computed off the cooperative pool.
    public static func runThrowing<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try body() }) }
        }
    }
}
