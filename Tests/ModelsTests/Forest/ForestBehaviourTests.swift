import Foundation
import Testing
@testable import Models

@Suite("Random forest behaviour")
struct ForestBehaviourTests {
    /// y = 3·x₀ + noise, x₁ pure noise, x₂ constant.
    static func linearData(n: Int, seed: UInt64) -> (x: [[Double]], y: [Double]) {
        var rng = SeededGenerator(seed: seed)
        var x: [[Double]] = [], y: [Double] = []
        for _ in 0..<n {
            let a = rng.uniform() * 10, b = rng.uniform()
            x.append([a, b, 1])
            y.append(3 * a + 0.1 * rng.normal())
        }
        return (x, y)
    }

    @Test("a single stump splits at the midpoint between the groups (hand-checked)")
    func stump() throws {
        let forest = try RandomForest.fit(
            features: [[1], [2], [3], [4]], targets: [1, 1, 5, 5],
            parameters: .init(treeCount: 1, maxDepth: 1, bootstrap: false))
        let tree = forest.trees[0]
        #expect(tree.feature == [0, -1, -1])
        #expect(tree.threshold[0] == 2.5)
        #expect(tree.value == [3, 1, 5])
        #expect(tree.left[0] == 1 && tree.right[0] == 2)
        #expect(forest.predict([2.5]) == 1)
        #expect(forest.predict([(2.5).nextUp]) == 5)
        #expect(forest.featureImportances == [1])
        #expect(forest.outOfBag == nil)
    }

    @Test("without bootstrap or depth limit, a tree reproduces distinct training targets exactly")
    func perfectFit() throws {
        let (x, y) = Self.linearData(n: 200, seed: 1)
        let forest = try RandomForest.fit(features: x, targets: y, parameters: .init(treeCount: 3, bootstrap: false))
        for (row, target) in zip(x, y) { #expect(forest.treePredictions(row) == [target, target, target]) }
    }

    @Test("maxDepth and minSamplesLeaf bound the trees")
    func stoppingRules() throws {
        let (x, y) = Self.linearData(n: 300, seed: 2)
        let shallow = try RandomForest.fit(features: x, targets: y, parameters: .init(treeCount: 5, maxDepth: 3))
        #expect(shallow.trees.allSatisfy { $0.depth <= 3 })
        #expect(shallow.trees.contains { $0.depth == 3 })
        let leafy = try RandomForest.fit(
            features: x, targets: y, parameters: .init(treeCount: 2, minSamplesLeaf: 20, bootstrap: false))
        for tree in leafy.trees {
            var reached = [Int](repeating: 0, count: tree.nodeCount)
            for row in x {
                var node = 0
                while tree.feature[node] >= 0 {
                    node = row[Int(tree.feature[node])] <= tree.threshold[node] ? Int(tree.left[node]) : Int(tree.right[node])
                }
                reached[node] += 1
            }
            for node in 0..<tree.nodeCount where tree.feature[node] < 0 { #expect(reached[node] >= 20) }
        }
        let unsplittable = try RandomForest.fit(
            features: x, targets: y, parameters: .init(treeCount: 2, minSamplesSplit: 1000))
        #expect(unsplittable.trees.allSatisfy { $0.nodeCount == 1 })
    }

    @Test("same seed, same forest (whatever the thread scheduling); another seed, another forest")
    func reproducible() throws {
        let (x, y) = Self.linearData(n: 500, seed: 3)
        let p = RandomForestParameters(treeCount: 24, maxFeatures: .count(2), seed: 99)
        let a = try RandomForest.fit(features: x, targets: y, parameters: p)
        let b = try RandomForest.fit(features: x, targets: y, parameters: p)
        #expect(a.trees == b.trees)
        #expect(a.outOfBag == b.outOfBag)
        #expect(a.featureImportances == b.featureImportances)
        var q = p
        q.seed = 100
        let c = try RandomForest.fit(features: x, targets: y, parameters: q)
        #expect(a.trees != c.trees)
    }

    @Test("importances find the informative feature; OOB error is sane")
    func importancesAndOutOfBag() throws {
        let (x, y) = Self.linearData(n: 1000, seed: 4)
        let forest = try RandomForest.fit(features: x, targets: y, parameters: .init(treeCount: 50))
        #expect(forest.featureImportances[0] > 0.95)
        #expect(forest.featureImportances[2] == 0)
        #expect(abs(forest.featureImportances.reduce(0, +) - 1) < 1e-12)
        let oob = try #require(forest.outOfBag)
        #expect(oob.rowCount == 1000)
        // Spread of y is ~8.7 (uniform on 0…30); OOB MAE of a good fit is well under 1.
        #expect(oob.meanAbsoluteError < 0.5 && oob.meanAbsoluteError > 0)
        #expect(oob.meanSquaredError >= oob.meanAbsoluteError * oob.meanAbsoluteError)
        #expect(forest.outOfBagPredictions.count == 1000 && forest.outOfBagPredictions.allSatisfy(\.isFinite))
        // OOB error is honest: larger than the in-sample error.
        let inSample = meanAbsoluteError(forest.predict(rows: x), y)
        #expect(inSample < oob.meanAbsoluteError)
    }

    @Test("per-tree predictions: one per tree, their mean is the prediction")
    func treePredictions() throws {
        let (x, y) = Self.linearData(n: 300, seed: 5)
        let forest = try RandomForest.fit(features: x, targets: y, parameters: .init(treeCount: 30))
        let row = [5.0, 0.5, 1]
        let each = forest.treePredictions(row)
        #expect(each.count == 30)
        #expect(abs(each.reduce(0, +) / 30 - forest.predict(row)) < 1e-9)
        let summary = forest.predictionSummary(row, quantiles: [0, 0.5, 1])
        #expect(summary.quantiles[0] == each.min()! && summary.quantiles[2] == each.max()!)
        #expect(summary.standardDeviation > 0 && summary.standardDeviation < 1)
    }

    @Test("maxFeatures resolves like scikit-learn")
    func maxFeatures() {
        typealias M = RandomForestParameters.MaxFeatures
        #expect(M.all.resolved(featureCount: 10) == 10)
        #expect(M.sqrt.resolved(featureCount: 10) == 3)
        #expect(M.log2.resolved(featureCount: 10) == 3)
        #expect(M.fraction(0.33).resolved(featureCount: 10) == 3)
        #expect(M.fraction(0.01).resolved(featureCount: 10) == 1)
        #expect(M.count(20).resolved(featureCount: 10) == 10)
    }

    @Test("serialised as flat arrays; the reloaded forest predicts identically; corrupt trees are rejected")
    func serialisation() throws {
        let (x, y) = Self.linearData(n: 400, seed: 6)
        let forest = try RandomForest.fit(features: x, targets: y, parameters: .init(treeCount: 20, maxDepth: 8))
        let data = try JSONEncoder().encode(forest)
        let decoded = try JSONDecoder().decode(RandomForest.self, from: data)
        #expect(decoded.trees == forest.trees)
        #expect(decoded.featureImportances == forest.featureImportances)
        #expect(decoded.outOfBag == forest.outOfBag)
        #expect(decoded.parameters == forest.parameters)
        for row in x.prefix(100) { #expect(decoded.predict(row) == forest.predict(row)) }

        let object = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        let firstTree = (object["trees"] as! [[String: Any]])[0]
        #expect(Set(firstTree.keys) == ["feature", "threshold", "left", "right", "value"])
        #expect(firstTree["left"] is [Any])

        var trees = object["trees"] as! [[String: Any]]
        var broken = trees[0]
        var left = broken["left"] as! [Int]
        left[0] = 100_000
        broken["left"] = left
        trees[0] = broken
        var corrupted = object
        corrupted["trees"] = trees
        let bad = try JSONSerialization.data(withJSONObject: corrupted)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(RandomForest.self, from: bad) }
    }

    @Test("bad input is a ModelError")
    func validation() {
        func fails(_ x: [[Double]], _ y: [Double], _ p: RandomForestParameters = .init(treeCount: 2)) -> String? {
            do { _ = try RandomForest.fit(features: x, targets: y, parameters: p); return nil } catch let e as ModelError {
                return e.message
            } catch { return "\(error)" }
        }
        #expect(fails([], [])?.contains("no training rows") == true)
        #expect(fails([[1], [2]], [1])?.contains("2 feature rows but 1 targets") == true)
        #expect(fails([[1, 2], [3]], [1, 2])?.contains("row 1 has 1 features") == true)
        #expect(fails([[1], [.nan]], [1, 2])?.contains("not finite") == true)
        #expect(fails([[1], [2]], [1, .infinity])?.contains("target of row 1") == true)
        #expect(fails([[1], [2]], [1, 2], .init(treeCount: 0))?.contains("treeCount") == true)
        #expect(fails([[1], [2]], [1, 2], .init(maxFeatures: .fraction(1.5)))?.contains("fraction") == true)
        #expect(fails([[1], [2]], [1, 2], .init(minSamplesLeaf: 0))?.contains("minSamplesLeaf") == true)
        #expect(fails([[1], [2]], [1, 2]) == nil)
    }
}
