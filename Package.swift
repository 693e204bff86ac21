// swift-tools-version:6.1
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "Almanac",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "upload-api", targets: ["UploadAPI"]),
        .executable(name: "etl-worker", targets: ["ETLWorker"]),
        .executable(name: "forecast-worker", targets: ["ForecastWorker"]),
        .executable(name: "train-worker", targets: ["TrainWorker"]),
        .executable(name: "queue-probe", targets: ["QueueProbe"]),
        .executable(name: "AlmanacBench", targets: ["AlmanacBench"]),
        .executable(name: "almanac", targets: ["AlmanacCLI"]),
        // Almanac's forecasting, anomaly and random-forest models for other Swift packages (no server parts).
        .library(name: "Models", targets: ["Models"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/vapor/multipart-kit.git", from: "4.7.1"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
        .package(url: "https://github.com/CoreOffice/XMLCoder", from: "0.18.2"),
    ],
    targets: [
        // C libraries, each wrapped once.
        .systemLibrary(name: "CLibPQ", path: "Libraries/CLibPQ"),
        .systemLibrary(name: "CHiredis", path: "Libraries/CHiredis"),
        .systemLibrary(name: "CSQLite", path: "Libraries/CSQLite"),
        .target(
            name: "Postgres",
            dependencies: ["CLibPQ", .product(name: "NIOPosix", package: "swift-nio"), .product(name: "Logging", package: "swift-log")],
            path: "Libraries/Postgres", swiftSettings: strict),
        .target(
            name: "Redis",
            dependencies: ["CHiredis", .product(name: "NIOPosix", package: "swift-nio")],
            path: "Libraries/Redis", swiftSettings: strict),
        .target(
            name: "SQLite",
            dependencies: ["CSQLite", .product(name: "NIOPosix", package: "swift-nio")],
            path: "Libraries/SQLite", swiftSettings: strict),
        // Pure Swift models: no I/O.
        // Optimised even in debug builds: the estimators are numeric loops that run 20-50x slower at -Onone,
        // which would make the debug test suite and a debug-built server too slow to fit a year of data.
        .target(name: "Models", path: "Libraries/Models", swiftSettings: strict + [.unsafeFlags(["-O"], .when(configuration: .debug))]),
        // The streaming CSV reader and the field parsers: no dependencies (fuzzed in Fuzz/CSVFuzz).
        .target(name: "CSV", path: "Libraries/CSV", swiftSettings: strict),
        // Reads .xlsx workbooks (seed 002's Excel uploads): ZIPFoundation for the archive, a streaming XMLParser for
        // the sheets and shared strings (XMLParser(data:) refuses parts over 10 MB on Linux), XMLCoder for the small parts.
        .target(
            name: "XLSX",
            dependencies: [.product(name: "ZIPFoundation", package: "ZIPFoundation"), .product(name: "XMLCoder", package: "XMLCoder")],
            path: "Libraries/XLSX", swiftSettings: strict),
        .target(
            name: "Config",
            dependencies: [.product(name: "Logging", package: "swift-log"), .product(name: "Crypto", package: "swift-crypto")],
            path: "Libraries/Config", swiftSettings: strict),
        .target(
            name: "Store",
            dependencies: ["Postgres", "SQLite", "Config", .product(name: "Logging", package: "swift-log")],
            path: "Libraries/Store", resources: [.copy("sql")], swiftSettings: strict),
        .target(
            name: "Jobs",
            dependencies: [
                "Redis",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Libraries/Jobs", swiftSettings: strict),
        // The application's use cases over Store, Jobs, Models and CSV: no HTTP, no Postgres or Redis client.
        .target(
            name: "Workflows",
            dependencies: [
                "Store", "Jobs", "Models", "CSV", "Config",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            path: "Libraries/Workflows", swiftSettings: strict),
        // The dashboard's pages and panels as HTML over Workflows (no HTTP: the API serves them).
        .target(
            name: "Dashboard",
            dependencies: ["Workflows", "Store", "Jobs", "Models", "Config"],
            path: "Libraries/Dashboard", swiftSettings: strict),
        // Prometheus metrics (swift-metrics backend), the HTTP metrics middleware and the workers' /metrics server.
        .target(
            name: "Observability",
            dependencies: [
                "Jobs", "Config",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Libraries/Observability", swiftSettings: strict),
        .target(
            name: "API",
            dependencies: [
                "Workflows", "Dashboard", "CSV", "XLSX", "Store", "Jobs", "Models", "Config", "Redis", "Observability",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "MultipartKit", package: "multipart-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Libraries/API", resources: [.copy("Resources/swagger-ui")], swiftSettings: strict),
        // Configuration to a ServiceGroup: the store and queue opened, the workers, sweeper, retention and the API composed.
        .target(
            name: "Runtime",
            dependencies: [
                "API", "Workflows", "Observability", "Store", "Jobs", "Config", "Redis", "Postgres",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            path: "Libraries/Runtime", swiftSettings: strict),
        // Executables: a few lines each over Runtime.
        .executableTarget(
            name: "UploadAPI",
            dependencies: ["Runtime", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Services/UploadAPI", swiftSettings: strict),
        .executableTarget(
            name: "ETLWorker",
            dependencies: ["Runtime", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Services/ETLWorker", swiftSettings: strict),
        .executableTarget(
            name: "ForecastWorker",
            dependencies: ["Runtime", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Services/ForecastWorker", swiftSettings: strict),
        .executableTarget(
            name: "TrainWorker",
            dependencies: ["Runtime", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Services/TrainWorker", swiftSettings: strict),
        .executableTarget(
            name: "QueueProbe",
            dependencies: [
                "Jobs", "Redis",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            path: "Tools/QueueProbe", swiftSettings: strict),
        // Benchmarks (scripts/bench/*.sh, BENCHMARKS.md): not part of the test suite.
        .executableTarget(
            name: "AlmanacCLI",
            dependencies: ["Workflows", "Models", "CSV", "Store", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Services/AlmanacCLI", swiftSettings: strict),
        .executableTarget(
            name: "AlmanacBench",
            dependencies: ["Models", "Workflows", "Store", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Tools/AlmanacBench", swiftSettings: strict),
        .target(
            name: "TestSupport",
            dependencies: ["Postgres", .product(name: "Logging", package: "swift-log")],
            path: "Tests/TestSupport", swiftSettings: strict),
        .testTarget(name: "ModelsTests", dependencies: ["Models"], path: "Tests/ModelsTests", swiftSettings: strict),
        .testTarget(name: "PostgresTests", dependencies: ["Postgres"], path: "Tests/PostgresTests", swiftSettings: strict),
        .testTarget(name: "RedisTests", dependencies: ["Redis", "TestSupport"], path: "Tests/RedisTests", swiftSettings: strict),
        .testTarget(name: "SQLiteTests", dependencies: ["SQLite"], path: "Tests/SQLiteTests", swiftSettings: strict),
        .testTarget(name: "StoreTests", dependencies: ["Store", "Postgres", "SQLite", "TestSupport"], path: "Tests/StoreTests", swiftSettings: strict),
        .testTarget(
            name: "JobsTests",
            dependencies: [
                "Jobs", "Redis",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ], path: "Tests/JobsTests", swiftSettings: strict),
        .testTarget(name: "CSVTests", dependencies: ["CSV"], path: "Tests/CSVTests", swiftSettings: strict),
        .testTarget(
            name: "XLSXTests", dependencies: ["XLSX", .product(name: "ZIPFoundation", package: "ZIPFoundation")],
            path: "Tests/XLSXTests", resources: [.copy("Fixtures")], swiftSettings: strict),
        .testTarget(name: "DashboardTests", dependencies: ["Dashboard"], path: "Tests/DashboardTests", swiftSettings: strict),
        .testTarget(name: "WorkflowsTests", dependencies: ["Workflows", "Store", "Jobs", "Config", "Models", "TestSupport", .product(name: "Logging", package: "swift-log")], path: "Tests/WorkflowsTests", swiftSettings: strict),
        .testTarget(
            name: "APITests",
            dependencies: [
                "API", "Runtime", "Workflows", "Dashboard", "Store", "Jobs", "Redis", "Config", "TestSupport", "Observability", "Models",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Tests/APITests", swiftSettings: strict),
    ]
)
