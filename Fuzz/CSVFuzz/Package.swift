// swift-tools-version:6.1
// A standalone package for fuzzing and benchmarking the CSV reader of the Pipeline module.
// Sources/Pipeline/CSV is a symlink to ../../Libraries/Pipeline/CSV, so the code fuzzed is the
// code shipped; nothing here is part of the root package.
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "CSVFuzz",
    targets: [
        .target(name: "Pipeline", path: "Sources/Pipeline", swiftSettings: strict),
        // libFuzzer supplies main(); build with run.sh.
        .target(name: "CFuzzerDriver", path: "Sources/CFuzzerDriver"),
        .executableTarget(
            name: "CSVFuzz", dependencies: ["Pipeline", "CFuzzerDriver"], path: "Sources/CSVFuzz", swiftSettings: strict),
        // Throughput on a generated 1,000,000-row file; build with bench.sh (release).
        .executableTarget(name: "CSVBench", dependencies: ["Pipeline"], path: "Sources/CSVBench", swiftSettings: strict),
    ]
)
