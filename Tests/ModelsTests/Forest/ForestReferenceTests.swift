import Foundation
import Testing
@testable import Models

/// The forest against scikit-learn on the real schedule data (see scripts/reference/forest_reference.py).
@Suite("Random forest vs scikit-learn")
struct ForestReferenceTests {
    static let settings = RandomForestParameters(treeCount: 100, maxFeatures: .all, maxDepth: 10, seed: 42)

    @Test("the Swift features equal the reference script's on a slice of rows")
    func featureParity() {
        let data = ScheduleReferenceSet.shared
        #expect(data.train.count == ForestReferenceData.trainCount)
        #expect(data.heldOut.count == ForestReferenceData.heldOutCount)
        for (row, expected) in ForestReferenceData.featureSlice {
            let actual = data.features(ofRow: row)
            #expect(actual.count == expected.count)
            for (a, e) in zip(actual, expected) {
                #expect(abs(a - e) <= 1e-9, "row \(row): \(actual) vs \(expected)")
            }
        }
    }

    @Test("held-out MAE within 5% of scikit-learn's with the same settings", arguments: ["start", "end"])
    func heldOutAccuracy(target: String) throws {
        let data = ScheduleReferenceSet.shared
        let y = data.train.map { Double(target == "start" ? $0.start : $0.continuousEnd) }
        let actual = data.heldOut.map { Double(target == "start" ? $0.start : $0.continuousEnd) }
        let clock = ContinuousClock()
        var forest: RandomForest?
        let elapsed = try clock.measure {
            forest = try RandomForest.fit(features: data.trainRows, targets: y, parameters: Self.settings)
        }
        let fitted = try #require(forest)
        let mae = meanAbsoluteError(fitted.predict(rows: data.heldOutRows), actual)
        let reference = target == "start" ? ForestReferenceData.sklearnStartMAE : ForestReferenceData.sklearnEndMAE
        let sklearnSeconds =
            target == "start" ? ForestReferenceData.sklearnStartFitSeconds : ForestReferenceData.sklearnEndFitSeconds
        print("forest \(target): held-out MAE \(mae) vs sklearn \(reference); fit \(elapsed) vs sklearn \(sklearnSeconds) s")
        #expect(mae <= reference * 1.05)
        // Not suspiciously better either: a large gap would mean the split or the features differ.
        #expect(mae >= reference * 0.90)

        // OOB error is in sklearn's neighbourhood and far below the error of predicting the mean.
        let oob = try #require(fitted.outOfBagMAE)
        let sklearnOOB = target == "start" ? ForestReferenceData.sklearnStartOOBMAE : ForestReferenceData.sklearnEndOOBMAE
        #expect(abs(oob - sklearnOOB) <= 0.15 * sklearnOOB, "OOB MAE \(oob) vs sklearn \(sklearnOOB)")
        let mean = y.reduce(0, +) / Double(y.count)
        #expect(oob < 0.5 * y.reduce(0) { $0 + abs($1 - mean) } / Double(y.count))
        #expect(fitted.outOfBag!.rowCount > data.train.count * 99 / 100)

        // Importances: sum to one, and the feature sklearn ranks first is among our top two.
        #expect(abs(fitted.featureImportances.reduce(0, +) - 1) < 1e-9)
        let sk = target == "start" ? ForestReferenceData.sklearnStartImportances : ForestReferenceData.sklearnEndImportances
        let skTop = sk.indices.max { sk[$0] < sk[$1] }!
        let ours = fitted.featureImportances.indices.sorted { fitted.featureImportances[$0] > fitted.featureImportances[$1] }
        #expect(ours.prefix(2).contains(skTop), "importances \(fitted.featureImportances) vs sklearn \(sk)")
    }

    /// Fit time on the whole file against sklearn's (n_jobs=-1, best of 3). Opt-in, in release builds:
    /// `FOREST_BENCH=1 swift test -c release -Xswiftc -enable-testing --filter ForestReferenceTests`.
    @Test("fit time on all rows vs scikit-learn", .enabled(if: ProcessInfo.processInfo.environment["FOREST_BENCH"] != nil))
    func benchmark() throws {
        let data = ScheduleReferenceSet.shared
        let profiles = ScheduleFeatures.profiles(of: data.records)
        let rows = data.records.map { ScheduleFeatures.row(profile: profiles[$0.entity]!, date: $0.date) }
        let y = data.records.map { Double($0.start) }
        let clock = ContinuousClock()
        var best = Duration.seconds(1000)
        for _ in 0..<3 {
            let t = try clock.measure { _ = try RandomForest.fit(features: rows, targets: y, parameters: Self.settings) }
            best = min(best, t)
        }
        print("forest fit, \(rows.count) rows x \(rows[0].count) features, 100 trees depth 10: best \(best) vs sklearn \(ForestReferenceData.sklearnFullFitSeconds) s")
        #expect(best < .seconds(ForestReferenceData.sklearnFullFitSeconds))
    }
}
