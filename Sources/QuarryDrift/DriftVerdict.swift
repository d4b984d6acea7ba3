/// One feature's drift verdict, in a form shared by every method.
public struct FeatureDriftVerdict: Sendable, Equatable, Codable {
    public var feature: String
    public var kind: FeatureKind
    public var method: DriftMethod
    /// The test statistic (D, χ², MMD²) or the distance (PSI, W₁, JS, AUC).
    public var score: Double
    /// The p-value for statistical tests; `nil` for distances.
    public var pValue: Double?
    /// α for tests, the distance threshold otherwise (for Wasserstein, in the feature's units).
    public var threshold: Double
    public var drifted: Bool
    public var referenceCount: Int
    public var currentCount: Int

    public init(feature: String, kind: FeatureKind, method: DriftMethod, score: Double, pValue: Double?,
                threshold: Double, drifted: Bool, referenceCount: Int, currentCount: Int) {
        self.feature = feature
        self.kind = kind
        self.method = method
        self.score = score
        self.pValue = pValue
        self.threshold = threshold
        self.drifted = drifted
        self.referenceCount = referenceCount
        self.currentCount = currentCount
    }
}

/// The verdict over a set of features: the dataset drifts when enough of its features do.
public struct DatasetDriftVerdict: Sendable, Equatable, Codable {
    public var features: [FeatureDriftVerdict]
    /// Features that drifted.
    public var driftedCount: Int
    /// driftedCount / features.count.
    public var driftedShare: Double
    /// The share at or above which the dataset counts as drifted.
    public var shareThreshold: Double
    public var drifted: Bool

    public init(features: [FeatureDriftVerdict], shareThreshold: Double) {
        self.features = features
        self.driftedCount = features.filter(\.drifted).count
        self.driftedShare = features.isEmpty ? 0 : Double(driftedCount) / Double(features.count)
        self.shareThreshold = shareThreshold
        self.drifted = !features.isEmpty && driftedShare >= shareThreshold
    }
}
