/// Settings of a random-forest regression, named and defaulted as scikit-learn's `RandomForestRegressor`.
public struct RandomForestParameters: Sendable, Codable, Equatable {
    /// How many features each split may consider.
    public enum MaxFeatures: Sendable, Codable, Equatable {
        /// Every feature (scikit-learn's regressor default, `max_features=1.0`).
        case all
        /// A fixed count, clamped to 1…featureCount.
        case count(Int)
        /// A fraction of the features, at least one (`max_features=0.33` and the like).
        case fraction(Double)
        /// ⌊√featureCount⌋, at least one.
        case sqrt
        /// ⌊log₂ featureCount⌋, at least one.
        case log2

        /// The number of features to draw for `featureCount` features.
        public func resolved(featureCount: Int) -> Int {
            let k: Int
            switch self {
            case .all: k = featureCount
            case .count(let c): k = c
            case .fraction(let f): k = Int(f * Double(featureCount))
            case .sqrt: k = Int(Double(featureCount).squareRoot())
            case .log2: k = featureCount > 0 ? Int.bitWidth - 1 - featureCount.leadingZeroBitCount : 0
            }
            return Swift.min(Swift.max(k, 1), Swift.max(featureCount, 1))
        }
    }

    /// Number of trees (`n_estimators`).
    public var treeCount: Int
    /// Features considered at each split (`max_features`).
    public var maxFeatures: MaxFeatures
    /// Deepest level a leaf may sit at, the root being depth 0; nil grows until leaves are pure (`max_depth`).
    public var maxDepth: Int?
    /// A node with fewer in-bag samples than this is a leaf (`min_samples_split`).
    public var minSamplesSplit: Int
    /// Each child of a split keeps at least this many in-bag samples (`min_samples_leaf`).
    public var minSamplesLeaf: Int
    /// Draw a bootstrap sample per tree; without it every tree sees all rows and there is no out-of-bag error.
    public var bootstrap: Bool
    /// Seed of the whole fit. Tree `i` draws from its own generator derived from this seed, so a fit is
    /// reproducible whatever the thread scheduling.
    public var seed: UInt64

    public init(
        treeCount: Int = 100,
        maxFeatures: MaxFeatures = .all,
        maxDepth: Int? = nil,
        minSamplesSplit: Int = 2,
        minSamplesLeaf: Int = 1,
        bootstrap: Bool = true,
        seed: UInt64 = 42
    ) {
        self.treeCount = treeCount
        self.maxFeatures = maxFeatures
        self.maxDepth = maxDepth
        self.minSamplesSplit = minSamplesSplit
        self.minSamplesLeaf = minSamplesLeaf
        self.bootstrap = bootstrap
        self.seed = seed
    }

    func validate() throws(ModelError) {
        guard treeCount >= 1 else { throw ModelError("random forest: treeCount must be at least 1, got \(treeCount)") }
        guard minSamplesLeaf >= 1 else { throw ModelError("random forest: minSamplesLeaf must be at least 1, got \(minSamplesLeaf)") }
        guard minSamplesSplit >= 2 else { throw ModelError("random forest: minSamplesSplit must be at least 2, got \(minSamplesSplit)") }
        if let d = maxDepth, d < 0 { throw ModelError("random forest: maxDepth must not be negative, got \(d)") }
        switch maxFeatures {
        case .count(let c) where c < 1:
            throw ModelError("random forest: maxFeatures count must be at least 1, got \(c)")
        case .fraction(let f) where !(f > 0 && f <= 1):
            throw ModelError("random forest: maxFeatures fraction must be in (0, 1], got \(f)")
        default: break
        }
    }
}
