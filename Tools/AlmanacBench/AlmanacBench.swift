import ArgumentParser

/// Benchmarks of Almanac against its peers (scripts/bench/*.sh drive it; results go to BENCHMARKS.md).
/// Not a test: nothing here asserts, it measures and prints.
@main
struct AlmanacBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "AlmanacBench",
        abstract: "Almanac's benchmarks (see BENCHMARKS.md).",
        subcommands: [GenerateSales.self, ETLRun.self, ModelsRun.self, ModelsTable.self, ETSAblation.self, ETSForms.self, ForestRun.self, HierarchyRun.self])
}
