// swift-tools-version:6.1
// A standalone package for fuzzing and benchmarking the CSV library (Libraries/CSV).
// Sources/CSV/CSV is a symlink to ../../Libraries/CSV, so the code fuzzed is the
// code shipped; nothing here is part of the root package.
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "CSVFuzz",
    targets: [
        .target(name: "CSV", path: "Sources/CSV", swiftSettings: strict),
        // libFuzzer supplies main(); build with run.sh.
        .target(name: "CFuzzerDriver", path: "Sources/CFuzzerDriver"),
        .executableTarget(
            name: "CSVFuzz", dependencies: ["CSV", "CFuzzerDriver"], path: "Sources/CSVFuzz", swiftSettings: strict),
        // Throughput on a generated 1,000,000-row file; build with bench.sh (release).
        .executableTarget(name: "CSVBench", dependencies: ["CSV"], path: "Sources/CSVBench", swiftSettings: strict),
    ]
)
