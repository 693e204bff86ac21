import Dispatch

/// Out-of-bag accuracy of a forest: each training row is predicted by the trees whose bootstrap left it out.
public struct OutOfBagError: Sendable, Codable, Equatable {
    /// Mean absolute error over the rows that were out of bag for at least one tree.
    public var meanAbsoluteError: Double
    /// Mean squared error over the same rows.
    public var meanSquaredError: Double
    /// How many rows had at least one out-of-bag tree.
    public var rowCount: Int
}

/// A random forest of CART regression trees (scikit-learn's `RandomForestRegressor`: bootstrap samples,
/// squared-error splits, mean of the trees' predictions).
///
/// Fitting runs the trees in parallel on all cores; each tree draws from its own `SeededGenerator` seeded from
/// `parameters.seed`, so the same data and parameters give the same forest on any machine and thread schedule.
/// The value is `Codable` with five flat arrays per tree and can be stored and reloaded; a decoded forest
/// predicts exactly as the fitted one (`outOfBagPredictions` alone is not stored).
public struct RandomForest: Sendable, Codable {
    public private(set) var parameters: RandomForestParameters
    /// Number of features each row must have.
    public private(set) var featureCount: Int
    /// Number of training rows.
    public private(set) var trainingCount: Int
    public private(set) var trees: [RegressionTree]
    /// Mean decrease in squared error per feature, averaged over trees and normalised to sum to 1
    /// (scikit-learn's `feature_importances_`).
    public private(set) var featureImportances: [Double]
    /// Out-of-bag error, nil without bootstrap or when no row was ever out of bag.
    public private(set) var outOfBag: OutOfBagError?
    /// Out-of-bag prediction per training row (NaN for a row no tree left out). Empty after decoding.
    public private(set) var outOfBagPredictions: [Double] = []

    /// Out-of-bag mean absolute error.
    public var outOfBagMAE: Double? { outOfBag?.meanAbsoluteError }
    /// Out-of-bag mean squared error.
    public var outOfBagMSE: Double? { outOfBag?.meanSquaredError }

    private enum CodingKeys: String, CodingKey {
        case parameters, featureCount, trainingCount, trees, featureImportances, outOfBag
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        parameters = try c.decode(RandomForestParameters.self, forKey: .parameters)
        featureCount = try c.decode(Int.self, forKey: .featureCount)
        trainingCount = try c.decode(Int.self, forKey: .trainingCount)
        trees = try c.decode([RegressionTree].self, forKey: .trees)
        featureImportances = try c.decode([Double].self, forKey: .featureImportances)
        outOfBag = try c.decodeIfPresent(OutOfBagError.self, forKey: .outOfBag)
        guard featureCount >= 1, !trees.isEmpty, featureImportances.count == featureCount,
            trees.allSatisfy({ $0.isWellFormed(featureCount: featureCount) })
        else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "random forest: malformed trees"))
        }
    }

    private init(
        parameters: RandomForestParameters, featureCount: Int, trainingCount: Int, trees: [RegressionTree],
        featureImportances: [Double], outOfBag: OutOfBagError?, outOfBagPredictions: [Double]
    ) {
        self.parameters = parameters
        self.featureCount = featureCount
        self.trainingCount = trainingCount
        self.trees = trees
        self.featureImportances = featureImportances
        self.outOfBag = outOfBag
        self.outOfBagPredictions = outOfBagPredictions
    }

    /// Fits a forest to `features` (one row per sample, all rows the same length) and `targets`.
    ///
    /// Throws `ModelError` for empty or ragged input, mismatched lengths, non-finite values or bad parameters.
    public static func fit(
        features: [[Double]], targets: [Double], parameters: RandomForestParameters = .init()
    ) throws -> RandomForest {
        try parameters.validate()
        let n = features.count
        guard n >= 1 else { throw ModelError("random forest: no training rows") }
        guard targets.count == n else {
            throw ModelError("random forest: \(n) feature rows but \(targets.count) targets")
        }
        let p = features[0].count
        guard p >= 1 else { throw ModelError("random forest: rows have no features") }
        guard n < Int(Int32.max) else { throw ModelError("random forest: too many rows (\(n))") }
        var columns = [Double](repeating: 0, count: n * p)
        for (i, row) in features.enumerated() {
            guard row.count == p else {
                throw ModelError("random forest: row \(i) has \(row.count) features, expected \(p)")
            }
            for (f, v) in row.enumerated() {
                guard v.isFinite else { throw ModelError("random forest: feature \(f) of row \(i) is not finite (\(v))") }
                columns[f * n + i] = v
            }
        }
        if let i = targets.firstIndex(where: { !$0.isFinite }) {
            throw ModelError("random forest: target of row \(i) is not finite (\(targets[i]))")
        }

        var sortedRows = [Int32](repeating: 0, count: n * p)
        for f in 0..<p {
            let base = f * n
            let sorted = (0..<n).sorted { a, b in
                let va = columns[base + a], vb = columns[base + b]
                return va < vb || (va == vb && a < b)
            }
            for (j, row) in sorted.enumerated() { sortedRows[base + j] = Int32(row) }
        }

        let settings = TreeSettings(
            maxDepth: parameters.maxDepth ?? Int.max,
            minSamplesSplit: parameters.minSamplesSplit,
            minSamplesLeaf: parameters.minSamplesLeaf,
            maxFeatures: parameters.maxFeatures.resolved(featureCount: p),
            bootstrap: parameters.bootstrap)
        var master = SeededGenerator(seed: parameters.seed)
        let seeds = (0..<parameters.treeCount).map { _ in master.next() }

        let grown: [GrownTree] = columns.withUnsafeBufferPointer { columnBuffer in
            targets.withUnsafeBufferPointer { targetBuffer in
                sortedRows.withUnsafeBufferPointer { sortedBuffer in
                    let data = ForestTrainingData(
                        rowCount: n, featureCount: p, columns: columnBuffer, targets: targetBuffer,
                        sortedRows: sortedBuffer)
                    return growInParallel(count: seeds.count) { t in
                        growTree(data: data, settings: settings, seed: seeds[t])
                    }
                }
            }
        }

        // Importances: mean of the per-tree normalised importances over trees that split, renormalised.
        var importances = [Double](repeating: 0, count: p)
        var splitting = 0
        for g in grown where g.tree.nodeCount > 1 {
            splitting += 1
            for f in 0..<p { importances[f] += g.importances[f] }
        }
        let importanceTotal = importances.reduce(0, +)
        if splitting > 0, importanceTotal > 0 {
            for f in 0..<p { importances[f] /= importanceTotal }
        }

        // Out-of-bag predictions, accumulated in tree order so the sums do not depend on scheduling.
        var oobSum = [Double](repeating: 0, count: n)
        var oobCount = [Int](repeating: 0, count: n)
        for g in grown {
            for (row, prediction) in zip(g.outOfBagRows, g.outOfBagPredictions) {
                oobSum[Int(row)] += prediction
                oobCount[Int(row)] += 1
            }
        }
        var oobPredictions = [Double](repeating: .nan, count: n)
        var absSum = 0.0, sqSum = 0.0, covered = 0
        for i in 0..<n where oobCount[i] > 0 {
            let prediction = oobSum[i] / Double(oobCount[i])
            oobPredictions[i] = prediction
            let e = prediction - targets[i]
            absSum += abs(e)
            sqSum += e * e
            covered += 1
        }
        let oob = covered > 0
            ? OutOfBagError(
                meanAbsoluteError: absSum / Double(covered), meanSquaredError: sqSum / Double(covered), rowCount: covered)
            : nil

        return RandomForest(
            parameters: parameters, featureCount: p, trainingCount: n, trees: grown.map(\.tree),
            featureImportances: importances, outOfBag: oob, outOfBagPredictions: parameters.bootstrap ? oobPredictions : [])
    }

    /// The forest's prediction for one row: the mean of the trees' predictions.
    public func predict(_ x: [Double]) -> Double {
        precondition(x.count == featureCount, "random forest: expected \(featureCount) features, got \(x.count)")
        return x.withUnsafeBufferPointer { row in
            var total = 0.0
            for tree in trees { total += tree.predict(row: row) }
            return total / Double(trees.count)
        }
    }

    /// Predictions for many rows.
    public func predict(rows: [[Double]]) -> [Double] { rows.map { predict($0) } }

    /// Each tree's prediction for one row, in tree order — for spread and quantiles.
    public func treePredictions(_ x: [Double]) -> [Double] {
        precondition(x.count == featureCount, "random forest: expected \(featureCount) features, got \(x.count)")
        return x.withUnsafeBufferPointer { row in trees.map { $0.predict(row: row) } }
    }

    /// Mean, spread and quantiles of the trees' predictions for one row.
    public func predictionSummary(_ x: [Double], quantiles: [Double] = []) -> ForestPrediction {
        let values = treePredictions(x).sorted()
        let mean = values.reduce(0, +) / Double(values.count)
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)
        return ForestPrediction(
            mean: mean, standardDeviation: variance.squareRoot(),
            quantiles: quantiles.map { Statistics.quantile(sorted: values, $0) })
    }
}

/// The forest's prediction for one row with the spread of its trees.
public struct ForestPrediction: Sendable, Equatable {
    /// Mean of the trees' predictions (what `predict` returns).
    public var mean: Double
    /// Population standard deviation of the trees' predictions.
    public var standardDeviation: Double
    /// Linear-interpolation quantiles of the trees' predictions, in the order requested.
    public var quantiles: [Double]
}

/// Runs `body(0..<count)` across all cores and returns the results in index order.
private func growInParallel(count: Int, _ body: @Sendable (Int) -> GrownTree) -> [GrownTree] {
    let slots = ResultSlots<GrownTree>(count: count)
    defer { slots.deallocate() }
    DispatchQueue.concurrentPerform(iterations: count) { t in
        slots.store(body(t), at: t)
    }
    return slots.collect()
}

/// One write-once slot per parallel iteration. Each iteration writes only its own slot and the slots are read
/// only after `concurrentPerform` has returned, so no two threads ever touch the same memory.
private struct ResultSlots<Element>: @unchecked Sendable {
    private let base: UnsafeMutablePointer<Element?>
    private let count: Int

    init(count: Int) {
        self.count = count
        base = .allocate(capacity: count)
        base.initialize(repeating: nil, count: count)
    }

    func store(_ value: Element, at index: Int) { base[index] = value }

    func collect() -> [Element] { (0..<count).map { base[$0]! } }

    func deallocate() {
        base.deinitialize(count: count)
        base.deallocate()
    }
}
