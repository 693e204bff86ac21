import ArgumentParser
import Foundation
import Models

/// Almanac's random forest on the schedule data, set up as scripts/bench/forest_peer.py sets up
/// scikit-learn: rows sorted by (date, unit), the first three quarters train, the last quarter is held out,
/// features of `ScheduleFeatures` with profiles from the training rows, one forest for the start minute
/// and one for the end minute.
struct ForestRun: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "forest", abstract: "Random forest fit/predict time and held-out MAE on the schedule data.")

    @Option(help: "unit,date,first_dep_min,last_dep_min,n_flights") var data = "/work/shared/data/schedule_flights.csv"
    @Option(help: "Trees.") var trees = 100
    @Option(help: "Maximum depth.") var maxDepth = 10
    @Option(help: "Minimum samples per leaf.") var minSamplesLeaf = 1
    @Option(help: "Timed repetitions (the best is kept).") var repeats = 3

    struct TargetResult: Codable {
        var fitSeconds: Double
        var predictSeconds: Double
        var mae: Double
    }

    struct Result: Codable {
        var implementation: String
        var trainRows: Int
        var heldOutRows: Int
        var features: Int
        var trees: Int
        var maxDepth: Int
        var cores: Int
        var start: TargetResult
        var end: TargetResult
    }

    func run() throws {
        let table = try readCSV(data)
        var records: [ScheduleRecord] = []
        for r in table.rows where r.count >= 4 {
            guard let date = CivilDate(parsing: r[1]), let s = Int(r[2]), let e = Int(r[3]) else {
                throw BenchError("\(data): bad row \(r)")
            }
            records.append(ScheduleRecord(entity: r[0], date: date, start: s, end: e))
        }
        records.sort {
            $0.date != $1.date ? $0.date < $1.date : Array($0.entity.utf8).lexicographicallyPrecedes(Array($1.entity.utf8))
        }
        let split = records.count * 3 / 4
        let train = Array(records[..<split])
        let profiles = ScheduleFeatures.profiles(of: train)
        let test = records[split...].filter { profiles[$0.entity] != nil }
        let xTrain = train.map { ScheduleFeatures.row(profile: profiles[$0.entity]!, date: $0.date) }
        let xTest = test.map { ScheduleFeatures.row(profile: profiles[$0.entity]!, date: $0.date) }
        let parameters = RandomForestParameters(
            treeCount: trees, maxFeatures: .all, maxDepth: maxDepth, minSamplesLeaf: minSamplesLeaf, bootstrap: true, seed: 42)

        func measure(_ y: [Double], _ actual: [Double]) throws -> TargetResult {
            var best = (fit: Double.infinity, predict: Double.infinity)
            var mae = Double.nan
            for _ in 0..<max(repeats, 1) {
                let t0 = now()
                let forest = try RandomForest.fit(features: xTrain, targets: y, parameters: parameters)
                let t1 = now()
                let predicted = forest.predict(rows: xTest)
                let t2 = now()
                best = (min(best.fit, t1 - t0), min(best.predict, t2 - t1))
                mae = zip(predicted, actual).reduce(0.0) { $0 + abs($1.0 - $1.1) } / Double(actual.count)
            }
            return TargetResult(fitSeconds: best.fit, predictSeconds: best.predict, mae: mae)
        }
        let start = try measure(train.map { Double($0.start) }, test.map { Double($0.start) })
        let end = try measure(train.map { Double($0.continuousEnd) }, test.map { Double($0.continuousEnd) })
        let result = Result(
            implementation: "almanac", trainRows: train.count, heldOutRows: test.count, features: xTrain.first?.count ?? 0,
            trees: trees, maxDepth: maxDepth, cores: ProcessInfo.processInfo.activeProcessorCount, start: start, end: end)
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys]
        print(String(decoding: try encoder.encode(result), as: UTF8.self))
    }
}
