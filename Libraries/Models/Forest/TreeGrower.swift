/// Read-only training data shared by every tree of a fit, in flat column-major form.
///
/// `@unchecked Sendable`: the buffers are borrowed from arrays that outlive the parallel fit and nobody writes
/// to them while trees grow.
struct ForestTrainingData: @unchecked Sendable {
    let rowCount: Int
    let featureCount: Int
    /// `columns[f * rowCount + i]` is feature `f` of row `i`.
    let columns: UnsafeBufferPointer<Double>
    let targets: UnsafeBufferPointer<Double>
    /// For each feature, the row indices sorted by that feature's value (ties by row index):
    /// `sortedRows[f * rowCount ..< (f + 1) * rowCount]`.
    let sortedRows: UnsafeBufferPointer<Int32>
}

/// Stopping rules of one tree, resolved from `RandomForestParameters`.
struct TreeSettings {
    var maxDepth: Int
    var minSamplesSplit: Int
    var minSamplesLeaf: Int
    var maxFeatures: Int
    var bootstrap: Bool
}

/// What one tree's fit hands back to the forest.
struct GrownTree {
    var tree: RegressionTree
    /// Total impurity decrease per feature, normalised to sum to 1 (all zero for a lone leaf).
    var importances: [Double]
    var outOfBagRows: [Int32]
    var outOfBagPredictions: [Double]
}

/// Two feature values closer than this are the same value, as scikit-learn's `FEATURE_THRESHOLD`.
private let featureThreshold = 1e-7

/// Grows one CART regression tree (squared-error criterion) on a bootstrap sample drawn with `seed`.
///
/// The bootstrap is carried as integer weights (how many times each row was drawn), as scikit-learn does, so a
/// row drawn twice counts twice in every sum while `minSamplesLeaf` and `minSamplesSplit` count distinct rows.
/// Split search needs no per-node sort: each feature's in-bag rows are kept in sorted order, segment by node,
/// and a split partitions every feature's segment stably into left and right. The best split of a feature is
/// found by one sweep maximising `sumL²/wL + sumR²/wR`, which is equivalent to maximising the decrease in
/// weighted squared error; the threshold is the midpoint of the two neighbouring distinct values.
func growTree(data: ForestTrainingData, settings: TreeSettings, seed: UInt64) -> GrownTree {
    var rng = SeededGenerator(seed: seed)
    let n = data.rowCount
    let featureCount = data.featureCount
    let columns = data.columns
    let y = data.targets

    let weight = UnsafeMutablePointer<Double>.allocate(capacity: n)
    defer { weight.deallocate() }
    if settings.bootstrap {
        weight.initialize(repeating: 0, count: n)
        let bound = UInt64(n)
        for _ in 0..<n { weight[Int(rng.next() % bound)] += 1 }
    } else {
        weight.initialize(repeating: 1, count: n)
    }
    var m = 0
    for i in 0..<n where weight[i] > 0 { m += 1 }

    // Per-feature sorted in-bag rows; node segments are [start, end) in every feature's block.
    let order = UnsafeMutablePointer<Int32>.allocate(capacity: featureCount * m)
    defer { order.deallocate() }
    for f in 0..<featureCount {
        var k = f * m
        let base = f * n
        for j in 0..<n {
            let row = data.sortedRows[base + j]
            if weight[Int(row)] > 0 {
                order[k] = row
                k += 1
            }
        }
    }
    let scratch = UnsafeMutablePointer<Int32>.allocate(capacity: max(m, 1))
    defer { scratch.deallocate() }
    let goesLeft = UnsafeMutablePointer<Bool>.allocate(capacity: n)
    defer { goesLeft.deallocate() }
    goesLeft.initialize(repeating: false, count: n)
    var candidates = Array(0..<featureCount)

    var nodeFeature: [Int32] = []
    var nodeThreshold: [Double] = []
    var nodeLeft: [Int32] = []
    var nodeRight: [Int32] = []
    var nodeValue: [Double] = []
    var importances = [Double](repeating: 0, count: featureCount)

    struct Pending {
        var start: Int
        var end: Int
        var depth: Int
        var parent: Int
        var isLeft: Bool
    }

    var stack = [Pending(start: 0, end: m, depth: 0, parent: -1, isLeft: false)]

    while let node = stack.popLast() {
        let id = nodeFeature.count
        if node.parent >= 0 {
            if node.isLeft { nodeLeft[node.parent] = Int32(id) } else { nodeRight[node.parent] = Int32(id) }
        }
        let count = node.end - node.start
        // Node sums straight from its rows (not parent minus sibling), so leaf values carry no drift.
        var nodeW = 0.0, nodeSum = 0.0, nodeSumSq = 0.0
        for j in node.start..<node.end {
            let row = Int(order[j])
            let w = weight[row], v = y[row]
            nodeW += w
            nodeSum += w * v
            nodeSumSq += w * v * v
        }
        let mean = nodeSum / nodeW
        let impurity = max(0, nodeSumSq / nodeW - mean * mean)
        nodeFeature.append(-1)
        nodeThreshold.append(0)
        nodeLeft.append(-1)
        nodeRight.append(-1)
        nodeValue.append(mean)

        if node.depth >= settings.maxDepth || count < settings.minSamplesSplit || count < 2 * settings.minSamplesLeaf
            || impurity <= 1e-12 * (mean * mean + 1)
        {
            continue
        }

        // Best split over a random draw of features (all of them by default). As scikit-learn, keep drawing
        // past `maxFeatures` until one feature gives a valid split.
        var bestProxy = -Double.infinity
        var bestFeature = -1
        var bestLeftCount = 0
        var bestThreshold = 0.0
        var bestW = 0.0, bestSum = 0.0, bestSumSq = 0.0
        let minLeaf = settings.minSamplesLeaf
        for j in 0..<featureCount {
            if j >= settings.maxFeatures && bestFeature >= 0 { break }
            let r = j + Int(rng.next() % UInt64(featureCount - j))
            candidates.swapAt(j, r)
            let f = candidates[j]
            let seg = order + f * m
            let col = columns.baseAddress! + f * n
            if col[Int(seg[node.end - 1])] <= col[Int(seg[node.start])] + featureThreshold { continue }
            var wL = 0.0, sL = 0.0, qL = 0.0
            var nL = 0
            var i = node.start
            while i < node.end - 1 {
                let row = Int(seg[i])
                let w = weight[row], v = y[row]
                wL += w
                sL += w * v
                qL += w * v * v
                nL += 1
                i += 1
                if nL < minLeaf { continue }
                if count - nL < minLeaf { break }
                let x = col[row]
                let xNext = col[Int(seg[i])]
                if xNext <= x + featureThreshold { continue }
                let sR = nodeSum - sL
                let proxy = sL * sL / wL + sR * sR / (nodeW - wL)
                if proxy > bestProxy {
                    bestProxy = proxy
                    bestFeature = f
                    bestLeftCount = nL
                    var t = x / 2 + xNext / 2
                    if t == xNext || !t.isFinite { t = x }
                    bestThreshold = t
                    bestW = wL
                    bestSum = sL
                    bestSumSq = qL
                }
            }
        }
        if bestFeature < 0 { continue }

        // Partition every feature's segment stably: left rows first, in sorted order.
        let mid = node.start + bestLeftCount
        let bestSeg = order + bestFeature * m
        for i in node.start..<mid { goesLeft[Int(bestSeg[i])] = true }
        for i in mid..<node.end { goesLeft[Int(bestSeg[i])] = false }
        for g in 0..<featureCount where g != bestFeature {
            let seg = order + g * m
            var l = node.start
            var r = 0
            for i in node.start..<node.end {
                let row = seg[i]
                if goesLeft[Int(row)] {
                    seg[l] = row
                    l += 1
                } else {
                    scratch[r] = row
                    r += 1
                }
            }
            (seg + mid).update(from: scratch, count: r)
        }

        let rightW = nodeW - bestW, rightSum = nodeSum - bestSum, rightSumSq = nodeSumSq - bestSumSq
        let leftImpurity = max(0, bestSumSq / bestW - (bestSum / bestW) * (bestSum / bestW))
        let rightImpurity = max(0, rightSumSq / rightW - (rightSum / rightW) * (rightSum / rightW))
        importances[bestFeature] += max(0, nodeW * impurity - bestW * leftImpurity - rightW * rightImpurity)

        nodeFeature[id] = Int32(bestFeature)
        nodeThreshold[id] = bestThreshold
        stack.append(Pending(start: mid, end: node.end, depth: node.depth + 1, parent: id, isLeft: false))
        stack.append(Pending(start: node.start, end: mid, depth: node.depth + 1, parent: id, isLeft: true))
    }

    let total = importances.reduce(0, +)
    if total > 0 { for f in importances.indices { importances[f] /= total } }
    let tree = RegressionTree(feature: nodeFeature, threshold: nodeThreshold, left: nodeLeft, right: nodeRight, value: nodeValue)

    var oobRows: [Int32] = []
    var oobPredictions: [Double] = []
    if settings.bootstrap {
        oobRows.reserveCapacity(n - m + 1)
        oobPredictions.reserveCapacity(n - m + 1)
        for row in 0..<n where weight[row] == 0 {
            var node = 0
            while nodeFeature[node] >= 0 {
                let x = columns[Int(nodeFeature[node]) * n + row]
                node = x <= nodeThreshold[node] ? Int(nodeLeft[node]) : Int(nodeRight[node])
            }
            oobRows.append(Int32(row))
            oobPredictions.append(nodeValue[node])
        }
    }
    return GrownTree(tree: tree, importances: importances, outOfBagRows: oobRows, outOfBagPredictions: oobPredictions)
}
