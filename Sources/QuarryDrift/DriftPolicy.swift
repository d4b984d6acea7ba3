/// Chooses a drift method per feature, runs it, and combines the per-feature verdicts into a
/// dataset verdict.
///
/// Defaults (those of the drift-monitoring issue, which follow Evidently's):
///
/// | kind        | both samples ≤ 1,000 rows        | either sample > 1,000 rows            |
/// |-------------|----------------------------------|---------------------------------------|
/// | numeric     | Kolmogorov–Smirnov, p < 0.05     | Wasserstein-1 ≥ 0.1 · σ_ref           |
/// | categorical | chi-squared, p < 0.05            | Jensen–Shannon ≥ 0.1                  |
/// | embedding   | MMD permutation test, p < 0.05   | domain-classifier AUC > 0.55          |
///
/// Tests on small samples, distances on large ones: with thousands of rows a test rejects
/// shifts too small to matter, while a distance with a practical threshold does not; with a
/// few hundred, a distance is mostly sampling noise and a test accounts for it. The dataset
/// drifts when at least half of its features drift.
///
/// ```swift
/// let verdict = try DriftPolicy().evaluate([
///     FeatureSample(name: "query_length", reference: .numeric(old), current: .numeric(new)),
///     FeatureSample(name: "language", reference: .categorical(oldLangs), current: .categorical(newLangs)),
/// ])
/// if verdict.drifted { … }
/// ```
public struct DriftPolicy: Sendable, Equatable {
    /// Tests are used while both samples have at most this many rows (default 1,000).
    public var smallSampleLimit: Int = 1000
    /// The dataset drifts when at least this share of features drift (default 0.5).
    public var datasetDriftShare: Double = 0.5
    /// Significance level for the statistical tests (default 0.05).
    public var alpha: Double = 0.05
    /// Wasserstein threshold in reference standard deviations (default 0.1).
    public var wassersteinThreshold: Double = 0.1
    /// Jensen–Shannon distance threshold (default 0.1).
    public var jensenShannonThreshold: Double = 0.1
    /// PSI settings, used when a feature asks for `.populationStabilityIndex`.
    public var populationStabilityIndex = PopulationStabilityIndex.Configuration()
    /// MMD settings (its `alpha` is replaced by the policy's).
    public var maximumMeanDiscrepancy = MaximumMeanDiscrepancy.Configuration()
    /// Domain-classifier settings.
    public var domainClassifier = DomainClassifier.Configuration()

    public init() {}

    /// Throws `DriftError.Code.invalidParameter` for a setting out of range.
    public func validate() throws {
        try Validation.checkParameter(smallSampleLimit, in: 1...Int.max, name: "smallSampleLimit")
        try Validation.checkShare(datasetDriftShare, name: "datasetDriftShare")
        try Validation.checkAlpha(alpha)
        try Validation.checkPositive(wassersteinThreshold, name: "wassersteinThreshold")
        try Validation.checkShare(jensenShannonThreshold, name: "jensenShannonThreshold")
        try populationStabilityIndex.validate()
        try maximumMeanDiscrepancy.validate()
        try domainClassifier.validate()
    }

    /// The method the policy uses for a feature of `kind` with these sample sizes.
    public func method(for kind: FeatureKind, referenceCount: Int, currentCount: Int) -> DriftMethod {
        let small = max(referenceCount, currentCount) <= smallSampleLimit
        switch kind {
        case .numeric: return small ? .kolmogorovSmirnov : .wasserstein
        case .categorical: return small ? .chiSquared : .jensenShannon
        case .embedding: return small ? .maximumMeanDiscrepancy : .domainClassifier
        }
    }

    /// Judges one feature.
    ///
    /// - Throws: `DriftError` naming the feature when its samples are of different kinds, the
    ///   requested method does not apply to the kind, or the method rejects the data.
    public func evaluate(_ feature: FeatureSample) throws -> FeatureDriftVerdict {
        do {
            try validate()
            return try judge(feature)
        } catch let error as DriftError {
            throw error.naming(feature.name)
        }
    }

    /// Judges every feature and the dataset.
    ///
    /// - Throws: `DriftError` when `features` is empty, or as `evaluate(_:)` for the first
    ///   feature that cannot be judged.
    public func evaluate(_ features: [FeatureSample]) throws -> DatasetDriftVerdict {
        guard !features.isEmpty else {
            throw DriftError(.emptySample, "no features to judge; pass at least one FeatureSample")
        }
        let verdicts = try features.map(evaluate)
        return DatasetDriftVerdict(features: verdicts, shareThreshold: datasetDriftShare)
    }

    private func judge(_ feature: FeatureSample) throws -> FeatureDriftVerdict {
        let kind = feature.reference.kind
        guard feature.current.kind == kind else {
            throw DriftError(.kindMismatch, "reference is \(kind) but current is \(feature.current.kind)")
        }
        let method = feature.method
            ?? self.method(for: kind, referenceCount: feature.reference.count, currentCount: feature.current.count)
        guard method.applies(to: kind) else {
            throw DriftError(.invalidParameter, "\(method) does not apply to \(kind) features")
        }
        func verdict(score: Double, pValue: Double? = nil, threshold: Double, drifted: Bool) -> FeatureDriftVerdict {
            FeatureDriftVerdict(feature: feature.name, kind: kind, method: method, score: score, pValue: pValue,
                                threshold: threshold, drifted: drifted,
                                referenceCount: feature.reference.count, currentCount: feature.current.count)
        }
        switch (feature.reference, feature.current, method) {
        case let (.numeric(r), .numeric(c), .kolmogorovSmirnov):
            let result = try KolmogorovSmirnov.test(reference: r, current: c, alpha: alpha)
            return verdict(score: result.statistic, pValue: result.pValue, threshold: alpha, drifted: result.drifted)
        case let (.numeric(r), .numeric(c), .wasserstein):
            let result = try Wasserstein.test(reference: r, current: c, threshold: wassersteinThreshold)
            return verdict(score: result.distance, threshold: result.threshold, drifted: result.drifted)
        case let (.numeric(r), .numeric(c), .jensenShannon):
            let result = try JensenShannon.test(reference: r, current: c, threshold: jensenShannonThreshold)
            return verdict(score: result.distance, threshold: result.threshold, drifted: result.drifted)
        case let (.numeric(r), .numeric(c), .populationStabilityIndex):
            let result = try PopulationStabilityIndex.compute(reference: r, current: c, configuration: populationStabilityIndex)
            return verdict(score: result.distance, threshold: result.threshold, drifted: result.drifted)
        case let (.categorical(r), .categorical(c), .chiSquared):
            let result = try ChiSquared.test(reference: r, current: c, alpha: alpha)
            return verdict(score: result.statistic, pValue: result.pValue, threshold: alpha, drifted: result.drifted)
        case let (.categorical(r), .categorical(c), .jensenShannon):
            let result = try JensenShannon.test(reference: r, current: c, threshold: jensenShannonThreshold)
            return verdict(score: result.distance, threshold: result.threshold, drifted: result.drifted)
        case let (.categorical(r), .categorical(c), .populationStabilityIndex):
            let result = try PopulationStabilityIndex.compute(reference: r, current: c, configuration: populationStabilityIndex)
            return verdict(score: result.distance, threshold: result.threshold, drifted: result.drifted)
        case let (.embedding(r), .embedding(c), .maximumMeanDiscrepancy):
            var configuration = maximumMeanDiscrepancy
            configuration.alpha = alpha
            let result = try MaximumMeanDiscrepancy.test(reference: r, current: c, configuration: configuration)
            return verdict(score: result.statistic, pValue: result.pValue, threshold: alpha, drifted: result.drifted)
        case let (.embedding(r), .embedding(c), .domainClassifier):
            let result = try DomainClassifier.test(reference: r, current: c, configuration: domainClassifier)
            return verdict(score: result.auc, threshold: result.threshold, drifted: result.drifted)
        default:
            throw DriftError(.invalidParameter, "\(method) does not apply to \(kind) features")
        }
    }
}
