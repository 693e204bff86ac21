import NIOPosix
import Workflows

/// The workflows' blocking file work on the API's NIO thread pool, the one every route's file work shares.
struct ThreadPoolIO: BlockingIO {
    let pool: NIOThreadPool

    init(_ pool: NIOThreadPool) { self.pool = pool }

    func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await pool.runIfActive(body)
    }
}
