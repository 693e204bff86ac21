public import Hummingbird
import Config
import Logging
import NIOPosix
import Redis
import Observability
public import Workflows
public import ServiceLifecycle

/// Builds the HTTP application: every route collection, the middleware, and (embedded mode) the in-process workers.
public enum AlmanacApp {
    /// The router with every route Almanac serves; the registry lists them for OpenAPI and 405s.
    public static func buildRouter(
        runtime: AlmanacRuntime, io: NIOThreadPool, registry: RouteRegistry = RouteRegistry(), access: AccessPolicy? = nil
    ) -> Router<AlmanacContext> {
        buildRouter(runtime: runtime, io: io, registry: registry, redis: telemetryRedis(runtime), access: access)
    }

    static func buildRouter(
        runtime: AlmanacRuntime, io: NIOThreadPool, registry: RouteRegistry, redis: RedisClient?, access: AccessPolicy?
    ) -> Router<AlmanacContext> {
        // One policy checks API keys and the admin token of /admin/… and seed 000's /api/session admin routes.
        let policy = access ?? AccessPolicy.make(config: runtime.config, logger: runtime.logger)
        let serving = ModelServing(runtime: runtime, redis: redis)
        // HEAD on every GET route: same status and headers, no body (monitors probe /health with HEAD).
        let router = Router(context: AlmanacContext.self, options: .autoGenerateHeadEndpoints)
        router.add(middleware: HeadMiddleware<AlmanacContext>())
        router.add(middleware: HTTPMetricsMiddleware<AlmanacContext>())
        router.add(middleware: RequestIDMiddleware())
        router.add(middleware: ErrorMiddleware(registry: registry))
        router.add(middleware: CORSOriginsMiddleware(origins: runtime.config.corsOrigins))
        router.add(middleware: SizeLimitMiddleware(maxHeaderBytes: 16 * 1024, maxUploadBytes: runtime.config.maxUploadBytes))
        router.add(middleware: AuthMiddleware(policy: policy))
        if runtime.config.rateLimitPerMinute > 0 {
            router.add(middleware: RateLimitMiddleware(limiter: RateLimiter(perMinute: runtime.config.rateLimitPerMinute)))
        }
        HealthRoutes(runtime: runtime).register(on: router, registry: registry)
        UploadRoutes(runtime: runtime, io: io).register(on: router, registry: registry)
        QueryRoutes(runtime: runtime).register(on: router, registry: registry)
        JobRoutes(runtime: runtime).register(on: router, registry: registry)
        Seed002Routes(runtime: runtime, io: io).register(on: router, registry: registry)
        Seed001Routes(runtime: runtime).register(on: router, registry: registry)
        ForecastRoutes(runtime: runtime).register(on: router, registry: registry)
        AnomalyRoutes(runtime: runtime, serving: serving).register(on: router, registry: registry)
        ScheduleRoutes(runtime: runtime, serving: serving, io: io).register(on: router, registry: registry)
        DashboardRoutes(runtime: runtime, io: io, serving: serving).register(on: router, registry: registry)
        SignInRoutes(policy: policy).register(on: router, registry: registry)
        OpsRoutes(runtime: runtime).register(on: router, registry: registry)
        OpenAPIRoutes(registry: registry).register(on: router)
        return router
    }

    /// The application `upload-api` runs. In embedded mode, `services` holds the in-process workers.
    public static func buildApplication(runtime: AlmanacRuntime, services: [any Service] = [], access: AccessPolicy? = nil) throws -> some ApplicationProtocol {
        let io = NIOThreadPool(numberOfThreads: 2)
        io.start()
        let redis = telemetryRedis(runtime)
        let router = buildRouter(runtime: runtime, io: io, registry: RouteRegistry(), redis: redis, access: access)
        var app = Application(
            router: router,
            server: .http1(configuration: .init(additionalChannelHandlers: [ExpectContinueHandler()])),
            configuration: .init(address: .hostname(runtime.config.host, port: runtime.config.port), serverName: "almanac"),
            services: services,
            logger: runtime.logger)
        app.addServices(ThreadPoolService(pool: io))
        if let redis { app.addServices(RedisClientService(client: redis)) }
        return app
    }

    /// The Redis client of the latency telemetry (distributed mode); nil in the embedded default.
    static func telemetryRedis(_ runtime: AlmanacRuntime) -> RedisClient? {
        guard let url = runtime.config.redisURL, let configuration = try? RedisConfiguration(url: url) else { return nil }
        return RedisClient(configuration: configuration, poolSize: 2, blockingConnections: 1)
    }
}

/// Shuts a Redis client down with the service group.
struct RedisClientService: Service {
    let client: RedisClient

    func run() async throws {
        try? await gracefulShutdown()
        await client.shutdown()
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
