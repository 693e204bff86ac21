public import Hummingbird
import Config
import Logging
import NIOPosix
public import Pipeline
public import ServiceLifecycle

/// Builds the HTTP application: every route collection, the middleware, and (embedded mode) the in-process workers.
public enum AlmanacApp {
    /// The router with every route Almanac serves; the registry lists them for OpenAPI and 405s.
    public static func buildRouter(runtime: AlmanacRuntime, io: NIOThreadPool, registry: RouteRegistry = RouteRegistry()) -> Router<AlmanacContext> {
        let router = Router(context: AlmanacContext.self)
        router.add(middleware: RequestIDMiddleware())
        router.add(middleware: ErrorMiddleware(registry: registry))
        HealthRoutes(runtime: runtime).register(on: router, registry: registry)
        UploadRoutes(runtime: runtime, io: io).register(on: router, registry: registry)
        QueryRoutes(runtime: runtime).register(on: router, registry: registry)
        JobRoutes(runtime: runtime).register(on: router, registry: registry)
        ForecastRoutes(runtime: runtime).register(on: router, registry: registry)
        DashboardRoutes(runtime: runtime, io: io).register(on: router, registry: registry)
        return router
    }

    /// The application `upload-api` runs. In embedded mode, `services` holds the in-process workers.
    public static func buildApplication(runtime: AlmanacRuntime, services: [any Service] = []) throws -> some ApplicationProtocol {
        let io = NIOThreadPool(numberOfThreads: 2)
        io.start()
        let router = buildRouter(runtime: runtime, io: io)
        var app = Application(
            router: router,
            configuration: .init(address: .hostname(runtime.config.host, port: runtime.config.port), serverName: "almanac"),
            services: services,
            logger: runtime.logger)
        app.addServices(ThreadPoolService(pool: io))
        return app
    }
}

/// Shuts a thread pool down with the service group.
struct ThreadPoolService: Service {
    let pool: NIOThreadPool

    func run() async throws {
        try? await gracefulShutdown()
        try await pool.shutdownGracefully()
    }
}
