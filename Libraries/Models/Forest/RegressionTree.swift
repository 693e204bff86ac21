/// One fitted CART regression tree in flat form: node `i` is a leaf when `feature[i] < 0`; otherwise a row goes
/// to `left[i]` when `x[feature[i]] <= threshold[i]` and to `right[i]` otherwise. `value[i]` is the weighted mean
/// target of the in-bag samples that reached node `i`. Node 0 is the root.
///
/// The flat arrays are the serialised form: encoding a forest writes five arrays per tree, never nested nodes.
public struct RegressionTree: Sendable, Codable, Equatable {
    public var feature: [Int32]
    public var threshold: [Double]
    public var left: [Int32]
    public var right: [Int32]
    public var value: [Double]

    public init(feature: [Int32], threshold: [Double], left: [Int32], right: [Int32], value: [Double]) {
        self.feature = feature
        self.threshold = threshold
        self.left = left
        self.right = right
        self.value = value
    }

    /// Number of nodes, leaves included.
    public var nodeCount: Int { feature.count }

    /// Number of leaves.
    public var leafCount: Int { feature.reduce(0) { $0 + ($1 < 0 ? 1 : 0) } }

    /// Length of the longest root-to-leaf path (a lone root has depth 0).
    public var depth: Int {
        guard !feature.isEmpty else { return 0 }
        var deepest = 0
        var stack: [(Int, Int)] = [(0, 0)]
        while let (node, d) = stack.popLast() {
            if feature[node] < 0 {
                deepest = max(deepest, d)
            } else {
                stack.append((Int(left[node]), d + 1))
                stack.append((Int(right[node]), d + 1))
            }
        }
        return deepest
    }

    /// The prediction for one row of features.
    public func predict(_ x: [Double]) -> Double {
        x.withUnsafeBufferPointer { predict(row: $0) }
    }

    @inline(__always)
    func predict(row x: UnsafeBufferPointer<Double>) -> Double {
        feature.withUnsafeBufferPointer { f in
            threshold.withUnsafeBufferPointer { t in
                left.withUnsafeBufferPointer { l in
                    right.withUnsafeBufferPointer { r in
                        var node = 0
                        while f[node] >= 0 {
                            node = x[Int(f[node])] <= t[node] ? Int(l[node]) : Int(r[node])
                        }
                        return value[node]
                    }
                }
            }
        }
    }

    /// Checks that the arrays describe a tree (equal lengths, children in range) — used after decoding.
    func isWellFormed(featureCount: Int) -> Bool {
        let n = feature.count
        guard n > 0, threshold.count == n, left.count == n, right.count == n, value.count == n else { return false }
        for i in 0..<n where feature[i] >= 0 {
            guard Int(feature[i]) < featureCount,
                Int(left[i]) > i, Int(left[i]) < n, Int(right[i]) > i, Int(right[i]) < n
            else { return false }
        }
        return true
    }
}
