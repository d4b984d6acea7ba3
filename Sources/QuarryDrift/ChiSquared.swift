/// Pearson's chi-squared test of homogeneity for a categorical feature: do the reference and
/// current samples share one distribution over categories? Matches
/// `scipy.stats.chi2_contingency` on the 2 × K table of counts.
///
/// The expected count of each cell is row total × column total / grand total, the statistic
/// is Σ (observed − expected)² / expected, and it is referred to χ² with K − 1 degrees of
/// freedom. As in SciPy, Yates' continuity correction (each |observed − expected| shrunk by up
/// to ½) is applied only when there is exactly one degree of freedom (K = 2), where the
/// uncorrected test is anti-conservative; with one category (K = 1) the statistic is 0 and
/// p = 1. Categories seen in only one sample are included (a category that appears is itself
/// evidence of drift). The approximation wants expected counts of about 5 or more per cell;
/// prefer merging rare categories to testing them.
///
/// ```swift
/// let result = try ChiSquared.test(reference: ["en", "en", "de"], current: ["en", "fr", "fr"])
/// ```
public enum ChiSquared {
    /// Runs the test on two samples of category labels.
    ///
    /// - Parameters:
    ///   - reference: Labels of the reference sample.
    ///   - current: Labels of the current sample.
    ///   - alpha: Significance level for `drifted` (default 0.05).
    /// - Throws: `DriftError` when a sample is empty or `alpha` is outside (0, 1).
    public static func test(reference: [String], current: [String], alpha: Double = 0.05) throws -> ChiSquaredResult {
        try Validation.checkLabels(reference, name: "reference")
        try Validation.checkLabels(current, name: "current")
        let table = CategoryCounts(reference: reference, current: current)
        return try test(referenceCounts: table.reference, currentCounts: table.current, alpha: alpha)
    }

    /// Runs the test on per-category counts aligned by index.
    ///
    /// - Throws: `DriftError` when the arrays differ in length, a count is negative, a sample
    ///   totals zero, or a category has no observations in either sample.
    public static func test(referenceCounts: [Int], currentCounts: [Int], alpha: Double = 0.05) throws -> ChiSquaredResult {
        try Validation.checkAlpha(alpha)
        guard referenceCounts.count == currentCounts.count, !referenceCounts.isEmpty else {
            throw DriftError(.dimensionMismatch,
                             "count arrays must be non-empty and aligned by category: \(referenceCounts.count) vs \(currentCounts.count)")
        }
        guard referenceCounts.allSatisfy({ $0 >= 0 }), currentCounts.allSatisfy({ $0 >= 0 }) else {
            throw DriftError(.invalidParameter, "category counts must not be negative")
        }
        let rowTotals = [referenceCounts.reduce(0, +), currentCounts.reduce(0, +)]
        guard rowTotals[0] > 0, rowTotals[1] > 0 else {
            throw DriftError(.emptySample, "a sample has no observations (totals \(rowTotals[0]) and \(rowTotals[1]))")
        }
        if let empty = referenceCounts.indices.first(where: { referenceCounts[$0] == 0 && currentCounts[$0] == 0 }) {
            throw DriftError(.invalidParameter,
                             "category \(empty) has no observations in either sample; drop it (its expected count would be 0)")
        }
        let categories = referenceCounts.count
        let dof = categories - 1
        if dof == 0 {
            return ChiSquaredResult(statistic: 0, degreesOfFreedom: 0, pValue: 1, yatesCorrected: false, alpha: alpha)
        }
        let total = Double(rowTotals[0] + rowTotals[1])
        var statistic = 0.0
        for (row, counts) in [referenceCounts, currentCounts].enumerated() {
            for column in 0..<categories {
                let columnTotal = Double(referenceCounts[column] + currentCounts[column])
                let expected = Double(rowTotals[row]) * columnTotal / total
                var observed = Double(counts[column])
                if dof == 1 {
                    // Yates: move the observation towards the expectation by at most ½.
                    let gap = expected - observed
                    observed += (gap > 0 ? 1 : gap < 0 ? -1 : 0) * min(0.5, abs(gap))
                }
                let deviation = observed - expected
                statistic += deviation * deviation / expected
            }
        }
        let p = IncompleteGamma.upperRegularized(Double(dof) / 2, statistic / 2)
        return ChiSquaredResult(statistic: statistic, degreesOfFreedom: dof, pValue: p, yatesCorrected: dof == 1, alpha: alpha)
    }
}

/// The outcome of a chi-squared test of homogeneity.
public struct ChiSquaredResult: Sendable, Equatable, Codable {
    /// Pearson's χ² statistic (Yates-corrected when `yatesCorrected`).
    public var statistic: Double
    /// K − 1 for K categories.
    public var degreesOfFreedom: Int
    /// P(χ²_dof ≥ statistic).
    public var pValue: Double
    /// Whether Yates' continuity correction was applied (exactly when dof = 1).
    public var yatesCorrected: Bool
    /// The significance level `drifted` uses.
    public var alpha: Double

    public init(statistic: Double, degreesOfFreedom: Int, pValue: Double, yatesCorrected: Bool, alpha: Double) {
        self.statistic = statistic
        self.degreesOfFreedom = degreesOfFreedom
        self.pValue = pValue
        self.yatesCorrected = yatesCorrected
        self.alpha = alpha
    }

    /// Whether the test rejects "same category distribution" at `alpha` (p < alpha).
    public var drifted: Bool { pValue < alpha }
}
