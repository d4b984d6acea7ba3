import Foundation

/// The Jensen–Shannon distance between two distributions, as
/// `scipy.spatial.distance.jensenshannon(p, q, base=2)` computes it: the square root of
/// JSD(P‖Q) = ½ KL(P‖M) + ½ KL(Q‖M), M = ½(P + Q), with base-2 logarithms.
///
/// Unlike KL or PSI it is symmetric, finite when a bin is empty on one side (no epsilon
/// needed) and bounded in [0, 1]: 0 for equal histograms, 1 for disjoint supports (Lin, "Divergence
/// measures based on the Shannon entropy", IEEE Trans. Inf. Theory 37(1), 1991; Endres &
/// Schindelin 2003 for the metric property of the root). The default threshold 0.1 is the one
/// Evidently uses for large samples. Numeric samples are compared as histograms on shared
/// equal-width bins over the pooled range (`EqualWidthBins`, Sturges' count by default);
/// categorical samples as counts over the union of categories.
public enum JensenShannon {
    /// The distance between two non-negative weight vectors aligned by bin; each is normalised
    /// to sum to 1 first.
    ///
    /// - Throws: `DriftError` when the lengths differ, a weight is negative or non-finite, or
    ///   a vector sums to 0.
    public static func distance(_ p: [Double], _ q: [Double]) throws -> Double {
        guard p.count == q.count, !p.isEmpty else {
            throw DriftError(.dimensionMismatch, "histograms must be non-empty and of equal length: \(p.count) vs \(q.count)")
        }
        guard p.allSatisfy({ $0.isFinite && $0 >= 0 }), q.allSatisfy({ $0.isFinite && $0 >= 0 }) else {
            throw DriftError(.invalidParameter, "histogram weights must be finite and non-negative")
        }
        let pTotal = p.reduce(0, +), qTotal = q.reduce(0, +)
        guard pTotal > 0, qTotal > 0 else {
            throw DriftError(.emptySample, "a histogram has no mass (totals \(pTotal) and \(qTotal))")
        }
        var left = 0.0, right = 0.0
        for (pw, qw) in zip(p, q) {
            let a = pw / pTotal, b = qw / qTotal
            let m = (a + b) / 2
            left += relativeEntropy(a, m)
            right += relativeEntropy(b, m)
        }
        let divergence = (left + right) / log(2.0)
        return max(divergence / 2, 0).squareRoot()
    }

    /// Histogram distance for a numeric feature.
    ///
    /// - Parameters:
    ///   - bins: Equal-width bins over the pooled range; `nil` (default) uses Sturges' rule on
    ///     the pooled size.
    ///   - threshold: Drift when the distance ≥ this (default 0.1).
    /// - Throws: `DriftError` for an empty sample, NaN/±∞, or bad parameters.
    public static func test(
        reference: [Double], current: [Double], bins: Int? = nil, threshold: Double = 0.1
    ) throws -> JensenShannonResult {
        try Validation.checkSample(reference, name: "reference")
        try Validation.checkSample(current, name: "current")
        try Validation.checkShare(threshold, name: "threshold")
        let count = bins ?? EqualWidthBins.sturgesCount(reference.count + current.count)
        try Validation.checkParameter(count, in: 1...100_000, name: "bins")
        let lower = min(reference.min()!, current.min()!)
        let upper = max(reference.max()!, current.max()!)
        let grid = EqualWidthBins(lower: lower, upper: upper, count: count)
        let d = try distance(grid.counts(reference).map(Double.init), grid.counts(current).map(Double.init))
        return JensenShannonResult(distance: d, bins: count, threshold: threshold)
    }

    /// Category-frequency distance for a categorical feature.
    ///
    /// - Throws: `DriftError` for an empty sample or a bad threshold.
    public static func test(reference: [String], current: [String], threshold: Double = 0.1) throws -> JensenShannonResult {
        try Validation.checkLabels(reference, name: "reference")
        try Validation.checkLabels(current, name: "current")
        try Validation.checkShare(threshold, name: "threshold")
        let table = CategoryCounts(reference: reference, current: current)
        let d = try distance(table.reference.map(Double.init), table.current.map(Double.init))
        return JensenShannonResult(distance: d, bins: table.categories.count, threshold: threshold)
    }

    /// x·ln(x/y), with 0·ln(0/y) = 0 (SciPy's `rel_entr`).
    private static func relativeEntropy(_ x: Double, _ y: Double) -> Double {
        if x > 0 && y > 0 { return x * log(x / y) }
        if x == 0 && y >= 0 { return 0 }
        return .infinity
    }
}

/// The outcome of a Jensen–Shannon comparison.
public struct JensenShannonResult: Sendable, Equatable, Codable {
    /// The distance in [0, 1] (base 2).
    public var distance: Double
    /// Histogram bins, or categories, compared.
    public var bins: Int
    /// `drifted` when `distance` ≥ this.
    public var threshold: Double

    public init(distance: Double, bins: Int, threshold: Double) {
        self.distance = distance
        self.bins = bins
        self.threshold = threshold
    }

    /// Whether the distance reaches the threshold.
    public var drifted: Bool { distance >= threshold }
}
