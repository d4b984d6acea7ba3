import Foundation

/// The population stability index (PSI), the credit-scoring industry's distance between a
/// reference and a current distribution:
/// PSI = Σᵢ (cᵢ − rᵢ) · ln(cᵢ / rᵢ) over bins, with rᵢ and cᵢ the reference and current shares.
/// It is the symmetrised Kullback–Leibler divergence (Jeffreys' J) of the binned
/// distributions (Yurdakul & Naranjo, "Statistical properties of the population stability
/// index", J. Risk Model Validation 14(4), 2020).
///
/// Numeric features are binned at the reference's quantiles, so each reference bin holds about
/// 1/bins of the reference and the index does not depend on the feature's units. Edges are
/// type-7 quantiles (NumPy's default `linear`) at i/bins, i = 1…bins−1, with the virtual index
/// (n−1)·i/bins computed exactly in integers; repeated edges (ties in the reference) are merged,
/// so a feature with few distinct values gets fewer bins (`effectiveBins`). Bin i holds
/// [edgeᵢ₋₁, edgeᵢ), with open outer bins.
///
/// An empty bin would make ln(c/r) infinite, so each share is floored at `epsilon` (1e-4, as
/// is common practice) before the sum and the shares are not renormalised: a bin that empties
/// completely contributes about s·ln(s/1e-4), large but finite.
public enum PopulationStabilityIndex {
    /// Conventional reading of PSI values (a rule of thumb from credit scoring, not a test).
    public enum Severity: String, Sendable, Codable {
        /// PSI < 0.1: no meaningful shift.
        case stable
        /// 0.1 ≤ PSI < 0.2: a moderate shift worth watching.
        case moderate
        /// PSI ≥ 0.2: a significant shift.
        case significant
    }

    /// Knobs for the index.
    public struct Configuration: Sendable, Equatable, Codable {
        /// Quantile bins for numeric features (default 10, deciles; 5–20 is usual: more bins
        /// see finer shifts but get noisier on small samples).
        public var bins: Int = 10
        /// Floor for an empty bin's share (default 1e-4). Larger values damp the penalty for
        /// categories or bins that appear or vanish.
        public var epsilon: Double = 1e-4
        /// `drifted` when PSI ≥ this (default 0.2, the usual "significant shift" line).
        public var threshold: Double = 0.2
        /// Start of the `moderate` band (default 0.1).
        public var moderateThreshold: Double = 0.1

        public init(bins: Int = 10, epsilon: Double = 1e-4, threshold: Double = 0.2, moderateThreshold: Double = 0.1) {
            self.bins = bins
            self.epsilon = epsilon
            self.threshold = threshold
            self.moderateThreshold = moderateThreshold
        }

        /// Throws `DriftError.Code.invalidParameter` for a setting out of range.
        public func validate() throws {
            try Validation.checkParameter(bins, in: 2...10_000, name: "bins")
            try Validation.checkParameter(epsilon, in: 1e-12...0.1, name: "epsilon")
            try Validation.checkPositive(threshold, name: "threshold")
            try Validation.checkParameter(moderateThreshold, in: 0...threshold, name: "moderateThreshold")
        }
    }

    /// PSI of a numeric feature, binned at the reference's quantiles.
    ///
    /// - Throws: `DriftError` for an empty sample, NaN or ±∞, or an invalid configuration.
    public static func compute(
        reference: [Double], current: [Double], configuration: Configuration = Configuration()
    ) throws -> PopulationStabilityIndexResult {
        try configuration.validate()
        try Validation.checkSample(reference, name: "reference")
        try Validation.checkSample(current, name: "current")
        let edges = quantileEdges(reference.sorted(), bins: configuration.bins)
        let referenceCounts = binCounts(reference, edges: edges)
        let currentCounts = binCounts(current, edges: edges)
        return result(referenceCounts, currentCounts, configuration: configuration)
    }

    /// PSI of a categorical feature, one bin per category seen in either sample.
    ///
    /// - Throws: `DriftError` for an empty sample or an invalid configuration.
    public static func compute(
        reference: [String], current: [String], configuration: Configuration = Configuration()
    ) throws -> PopulationStabilityIndexResult {
        try configuration.validate()
        try Validation.checkLabels(reference, name: "reference")
        try Validation.checkLabels(current, name: "current")
        let table = CategoryCounts(reference: reference, current: current)
        return result(table.reference, table.current, configuration: configuration)
    }

    /// Distinct inner bin edges at the type-7 quantiles i/bins of a sorted sample.
    static func quantileEdges(_ sorted: [Double], bins: Int) -> [Double] {
        let n = sorted.count
        var edges: [Double] = []
        for i in 1..<bins {
            let (lower, remainder) = ((n - 1) * i).quotientAndRemainder(dividingBy: bins)
            let fraction = Double(remainder) / Double(bins)
            let a = sorted[lower], b = sorted[min(lower + 1, n - 1)]
            edges.append(a + fraction * (b - a))
        }
        // Sorted and distinct, like np.unique (rounding can leave a pair out of order).
        edges.sort()
        var distinct: [Double] = []
        for edge in edges where distinct.last != edge { distinct.append(edge) }
        return distinct
    }

    /// Counts per bin; bin i holds [edges[i−1], edges[i]) (an upper-bound binary search).
    static func binCounts(_ values: [Double], edges: [Double]) -> [Int] {
        var counts = [Int](repeating: 0, count: edges.count + 1)
        for value in values {
            var low = 0, high = edges.count
            while low < high {
                let mid = (low + high) / 2
                if edges[mid] <= value { low = mid + 1 } else { high = mid }
            }
            counts[low] += 1
        }
        return counts
    }

    private static func result(_ reference: [Int], _ current: [Int], configuration: Configuration) -> PopulationStabilityIndexResult {
        let referenceTotal = Double(reference.reduce(0, +)), currentTotal = Double(current.reduce(0, +))
        var psi = 0.0
        for (r, c) in zip(reference, current) {
            let rShare = max(Double(r) / referenceTotal, configuration.epsilon)
            let cShare = max(Double(c) / currentTotal, configuration.epsilon)
            psi += (cShare - rShare) * log(cShare / rShare)
        }
        let severity: Severity = psi >= configuration.threshold ? .significant
            : psi >= configuration.moderateThreshold ? .moderate : .stable
        return PopulationStabilityIndexResult(distance: psi, effectiveBins: reference.count,
                                              threshold: configuration.threshold, severity: severity)
    }
}

/// The outcome of a population stability index computation.
public struct PopulationStabilityIndexResult: Sendable, Equatable, Codable {
    /// The PSI, ≥ 0 (0 when the binned shares agree).
    public var distance: Double
    /// Bins actually used (fewer than configured when reference quantiles coincide; the
    /// number of categories for categorical features).
    public var effectiveBins: Int
    /// `drifted` when `distance` ≥ this.
    public var threshold: Double
    public var severity: PopulationStabilityIndex.Severity

    public init(distance: Double, effectiveBins: Int, threshold: Double, severity: PopulationStabilityIndex.Severity) {
        self.distance = distance
        self.effectiveBins = effectiveBins
        self.threshold = threshold
        self.severity = severity
    }

    /// Whether the PSI reaches the threshold.
    public var drifted: Bool { distance >= threshold }
}
