import Dispatch

/// Where a workflow runs blocking file-system work (reading a received CSV, linking and unlinking files), off the
/// caller's executor. Workflows import no NIO: the API hands them its NIO thread pool through this; tests and
/// tools may use ``DispatchBlockingIO``.
public protocol BlockingIO: Sendable {
    func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T
}

/// Blocking work on Dispatch's global queue.
public struct DispatchBlockingIO: BlockingIO {
    public init() {}

    public func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(with: Result { try body() }) }
        }
    }
}
