/// A way to compare a feature's reference and current samples.
///
/// Statistical tests give a p-value and flag drift when p < α; distances give a number compared
/// with a threshold. Tests suit small samples, where a distance is mostly noise; on large
/// samples a test flags even negligible shifts, so a distance with a practical threshold is the
/// better judge (hence `DriftPolicy`'s split at 1,000 rows).
public enum DriftMethod: String, Sendable, Codable, CaseIterable {
    /// Two-sample Kolmogorov–Smirnov test (numeric).
    case kolmogorovSmirnov
    /// Pearson's chi-squared test of homogeneity (categorical).
    case chiSquared
    /// Population stability index (numeric or categorical; distance).
    case populationStabilityIndex
    /// Wasserstein-1 distance in reference standard deviations (numeric).
    case wasserstein
    /// Jensen–Shannon distance of histograms or category frequencies (numeric or categorical).
    case jensenShannon
    /// MMD permutation test with an RBF kernel (embedding).
    case maximumMeanDiscrepancy
    /// Cross-validated domain-classifier AUC (embedding; distance-like).
    case domainClassifier

    /// Whether the method is a hypothesis test with a p-value.
    public var isStatisticalTest: Bool {
        switch self {
        case .kolmogorovSmirnov, .chiSquared, .maximumMeanDiscrepancy: true
        case .populationStabilityIndex, .wasserstein, .jensenShannon, .domainClassifier: false
        }
    }

    /// Whether the method can judge a feature of `kind`.
    public func applies(to kind: FeatureKind) -> Bool {
        switch (self, kind) {
        case (.kolmogorovSmirnov, .numeric), (.wasserstein, .numeric): true
        case (.chiSquared, .categorical): true
        case (.populationStabilityIndex, .numeric), (.populationStabilityIndex, .categorical): true
        case (.jensenShannon, .numeric), (.jensenShannon, .categorical): true
        case (.maximumMeanDiscrepancy, .embedding), (.domainClassifier, .embedding): true
        default: false
        }
    }
}
