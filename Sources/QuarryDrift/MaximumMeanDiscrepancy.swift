import Foundation
import QuarryCore

/// The maximum mean discrepancy (MMD) two-sample test for embeddings (Gretton, Borgwardt,
/// Rasch, Schölkopf & Smola, "A kernel two-sample test", JMLR 13, 2012).
///
/// MMD² is the squared distance between the two samples' mean embeddings in the feature space
/// of a kernel k; with a characteristic kernel such as the Gaussian RBF it is 0 exactly when the
/// distributions are equal, so it sees any change in the embedding distribution, not just a
/// moved centroid. Definitions used here, exactly:
/// - kernel k(x, y) = exp(−‖x − y‖² / (2σ²));
/// - bandwidth σ by the median heuristic (Gretton et al. 2012, §8): the median (NumPy
///   semantics: mean of the two middle values for an even count) of the Euclidean distances
///   ‖xᵢ − xⱼ‖ over all distinct pairs i < j of the pooled sample. For more than
///   `bandwidthSampleLimit` (1,000) pooled vectors the median is taken over a random subset of
///   that many vectors, drawn with SplitMix64 seeded by `seed + 1`. If the median is 0 (more
///   than half the pairs coincide) the median of the non-zero distances is used, and σ = 1 if
///   every vector is equal;
/// - the unbiased estimator (Gretton et al., Lemma 6)
///   MMD²ᵤ = Σ_{i≠j} k(xᵢ,xⱼ)/(m(m−1)) + Σ_{i≠j} k(yᵢ,yⱼ)/(n(n−1)) − 2 Σᵢⱼ k(xᵢ,yⱼ)/(mn),
///   which can be slightly negative when the distributions are equal;
/// - the p-value by permutation: the pooled sample is reshuffled `permutations` times (200 by
///   default; SplitMix64 seeded by `seed`, default 42), MMD² recomputed for each split into m
///   and n, and p = (1 + #{permuted ≥ observed}) / (1 + permutations), never 0.
///
/// Cost: the N × N kernel matrix (N = m + n) is computed once in 64-row tiles and kept as
/// `Float` (4N² bytes: 16 MB for N = 2,000); each permutation is then one N² matrix–vector
/// pass. `DriftPolicy` uses this test only up to 1,000 rows per sample and switches to the
/// domain classifier above that.
public enum MaximumMeanDiscrepancy {
    /// Pooled size above which `test` refuses (the kernel matrix would need over 1 GB).
    public static let maximumPooledCount = 16_384

    /// Knobs for the MMD test.
    public struct Configuration: Sendable, Equatable, Codable {
        /// Permutations for the p-value (default 200: the smallest reachable p is 1/201 ≈ 0.005,
        /// ample for α = 0.05; raise it for smaller α or a steadier p).
        public var permutations: Int = 200
        /// Seed for the permutations (and, plus 1, for the bandwidth subsample). Default 42.
        public var seed: UInt64 = 42
        /// Significance level for `drifted` (default 0.05).
        public var alpha: Double = 0.05
        /// A fixed bandwidth σ, or `nil` (default) for the median heuristic.
        public var bandwidth: Double? = nil
        /// Vectors the median heuristic looks at, at most (default 1,000, ~500k pairs).
        public var bandwidthSampleLimit: Int = 1000

        public init(permutations: Int = 200, seed: UInt64 = 42, alpha: Double = 0.05,
                    bandwidth: Double? = nil, bandwidthSampleLimit: Int = 1000) {
            self.permutations = permutations
            self.seed = seed
            self.alpha = alpha
            self.bandwidth = bandwidth
            self.bandwidthSampleLimit = bandwidthSampleLimit
        }

        /// Throws `DriftError.Code.invalidParameter` for a setting out of range.
        public func validate() throws {
            try Validation.checkParameter(permutations, in: 1...1_000_000, name: "permutations")
            try Validation.checkAlpha(alpha)
            if let bandwidth { try Validation.checkPositive(bandwidth, name: "bandwidth") }
            try Validation.checkParameter(bandwidthSampleLimit, in: 2...100_000, name: "bandwidthSampleLimit")
        }
    }

    /// Runs the permutation test.
    ///
    /// - Parameters:
    ///   - reference: Reference embeddings (at least 2), all of one dimension.
    ///   - current: Current embeddings (at least 2), of the same dimension.
    /// - Throws: `DriftError` for fewer than 2 vectors per sample, mixed dimensions, NaN/±∞, more
    ///   than `maximumPooledCount` vectors in all, or an invalid configuration.
    public static func test(
        reference: [[Float]], current: [[Float]], configuration: Configuration = Configuration()
    ) throws -> MaximumMeanDiscrepancyResult {
        try configuration.validate()
        let dimension = try Validation.checkVectors(reference, name: "reference", minimum: 2)
        try Validation.checkVectors(current, name: "current", minimum: 2, dimension: dimension)
        let pooledCount = reference.count + current.count
        guard pooledCount <= maximumPooledCount else {
            throw DriftError(.invalidParameter,
                             "\(pooledCount) vectors in all exceed the MMD test's \(maximumPooledCount); subsample, or use DomainClassifier for large samples")
        }
        let pooled = PackedVectors(reference, current, dimension: dimension)
        let sigma = configuration.bandwidth
            ?? medianBandwidth(pooled, sampleLimit: configuration.bandwidthSampleLimit, seed: configuration.seed &+ 1)
        let kernel = KernelMatrix(pooled, bandwidth: sigma, splitAt: reference.count)

        var random = SplitMix64(seed: configuration.seed)
        var order = Array(0..<pooledCount)
        var mask = [Float](repeating: 0, count: pooledCount)
        for i in 0..<reference.count { mask[i] = 1 }
        let observed = kernel.permutedStatistic(mask: mask, firstCount: reference.count)
        let tolerance = 1e-9 * max(1, abs(observed))
        var atLeastAsLarge = 0
        for _ in 0..<configuration.permutations {
            random.shuffle(&order)
            for i in 0..<pooledCount { mask[i] = 0 }
            for i in order[0..<reference.count] { mask[i] = 1 }
            if kernel.permutedStatistic(mask: mask, firstCount: reference.count) >= observed - tolerance {
                atLeastAsLarge += 1
            }
        }
        let p = Double(1 + atLeastAsLarge) / Double(1 + configuration.permutations)
        return MaximumMeanDiscrepancyResult(statistic: kernel.observed, bandwidth: sigma, pValue: p,
                                            permutations: configuration.permutations, alpha: configuration.alpha)
    }

    /// The unbiased MMD² alone, streaming (no N × N matrix, so any size).
    ///
    /// - Parameter bandwidth: σ; `nil` uses the median heuristic with `seed` as above.
    /// - Throws: `DriftError` as for `test`.
    public static func statistic(
        reference: [[Float]], current: [[Float]], bandwidth: Double? = nil,
        bandwidthSampleLimit: Int = 1000, seed: UInt64 = 42
    ) throws -> (mmd2: Double, bandwidth: Double) {
        let dimension = try Validation.checkVectors(reference, name: "reference", minimum: 2)
        try Validation.checkVectors(current, name: "current", minimum: 2, dimension: dimension)
        if let bandwidth { try Validation.checkPositive(bandwidth, name: "bandwidth") }
        try Validation.checkParameter(bandwidthSampleLimit, in: 2...100_000, name: "bandwidthSampleLimit")
        let pooled = PackedVectors(reference, current, dimension: dimension)
        let sigma = bandwidth ?? medianBandwidth(pooled, sampleLimit: bandwidthSampleLimit, seed: seed &+ 1)
        let gamma = 1 / (2 * sigma * sigma)
        let m = reference.count, n = current.count
        var sums = (xx: 0.0, yy: 0.0, xy: 0.0)
        pooled.forEachPair { i, j, squared in
            let k = exp(-squared * gamma)
            if j < m { sums.xx += k } else if i >= m { sums.yy += k } else { sums.xy += k }
        }
        return (unbiased(xx: sums.xx, yy: sums.yy, xy: sums.xy, m: m, n: n), sigma)
    }

    /// The median-heuristic bandwidth for two samples, as `test` computes it.
    ///
    /// - Throws: `DriftError` as for `statistic`.
    public static func medianBandwidth(
        reference: [[Float]], current: [[Float]], sampleLimit: Int = 1000, seed: UInt64 = 43
    ) throws -> Double {
        let dimension = try Validation.checkVectors(reference, name: "reference", minimum: 1)
        try Validation.checkVectors(current, name: "current", minimum: 1, dimension: dimension)
        try Validation.checkParameter(sampleLimit, in: 2...100_000, name: "sampleLimit")
        return medianBandwidth(PackedVectors(reference, current, dimension: dimension), sampleLimit: sampleLimit, seed: seed)
    }

    static func medianBandwidth(_ pooled: PackedVectors, sampleLimit: Int, seed: UInt64) -> Double {
        var points = pooled
        if pooled.count > sampleLimit {
            var random = SplitMix64(seed: seed)
            points = pooled.subset(random.sample(sampleLimit, from: pooled.count))
        }
        var distances = [Double]()
        distances.reserveCapacity(points.count * (points.count - 1) / 2)
        points.forEachPair { _, _, squared in distances.append(squared.squareRoot()) }
        guard !distances.isEmpty else { return 1 }
        let median = Median.of(&distances)
        if median > 0 { return median }
        var positive = distances.filter { $0 > 0 }
        return positive.isEmpty ? 1 : Median.of(&positive)
    }

    /// MMD²ᵤ from the off-diagonal kernel sums over i < j (each counted once).
    static func unbiased(xx: Double, yy: Double, xy: Double, m: Int, n: Int) -> Double {
        let m = Double(m), n = Double(n)
        return 2 * xx / (m * (m - 1)) + 2 * yy / (n * (n - 1)) - 2 * xy / (m * n)
    }
}

/// The pooled kernel matrix kept for the permutations, with the observed statistic.
private struct KernelMatrix {
    /// k(zᵢ, zⱼ), row-major, N × N, as Float to halve the memory of the permutation phase.
    var values: [Float]
    var count: Int
    /// Σᵢⱼ Kᵢⱼ over the stored Float matrix, diagonal included.
    var total: Double
    /// The observed MMD²ᵤ from the Double kernel values.
    var observed: Double

    init(_ pooled: PackedVectors, bandwidth sigma: Double, splitAt m: Int) {
        let n = pooled.count
        let gamma = 1 / (2 * sigma * sigma)
        var values = [Float](repeating: 0, count: n * n)
        var sums = (xx: 0.0, yy: 0.0, xy: 0.0)
        values.withUnsafeMutableBufferPointer { k in
            for i in 0..<n { k[i * n + i] = 1 }
            pooled.forEachPair { i, j, squared in
                let value = exp(-squared * gamma)
                k[i * n + j] = Float(value)
                k[j * n + i] = Float(value)
                if j < m { sums.xx += value } else if i >= m { sums.yy += value } else { sums.xy += value }
            }
        }
        self.values = values
        self.count = n
        self.total = values.reduce(0.0) { $0 + Double($1) }
        self.observed = MaximumMeanDiscrepancy.unbiased(xx: sums.xx, yy: sums.yy, xy: sums.xy, m: m, n: n - m)
    }

    /// MMD²ᵤ for the split where `mask` is 1 on the first sample's `firstCount` members: one
    /// matrix–vector product gives each row's sum over the first sample, from which the three
    /// block sums follow (the diagonal is all ones).
    func permutedStatistic(mask: [Float], firstCount m: Int) -> Double {
        let n = count
        var firstFirst = 0.0, secondFirst = 0.0
        values.withUnsafeBufferPointer { k in
            mask.withUnsafeBufferPointer { mask in
                for i in 0..<n {
                    let row = k.baseAddress! + i * n
                    var s0 = 0.0, s1 = 0.0
                    var j = 0
                    while j + 2 <= n {
                        s0 += Double(row[j] * mask[j])
                        s1 += Double(row[j + 1] * mask[j + 1])
                        j += 2
                    }
                    if j < n { s0 += Double(row[j] * mask[j]) }
                    if mask[i] == 1 { firstFirst += s0 + s1 } else { secondFirst += s0 + s1 }
                }
            }
        }
        let secondSecond = total - firstFirst - 2 * secondFirst
        let mm = Double(m), nn = Double(n - m)
        return (firstFirst - mm) / (mm * (mm - 1)) + (secondSecond - nn) / (nn * (nn - 1)) - 2 * secondFirst / (mm * nn)
    }
}

/// The outcome of an MMD test.
public struct MaximumMeanDiscrepancyResult: Sendable, Equatable, Codable {
    /// The unbiased MMD² estimate (can be slightly negative under no drift).
    public var statistic: Double
    /// The kernel bandwidth σ used.
    public var bandwidth: Double
    /// The permutation p-value, in [1/(1 + permutations), 1].
    public var pValue: Double
    public var permutations: Int
    /// The significance level `drifted` uses.
    public var alpha: Double

    public init(statistic: Double, bandwidth: Double, pValue: Double, permutations: Int, alpha: Double) {
        self.statistic = statistic
        self.bandwidth = bandwidth
        self.pValue = pValue
        self.permutations = permutations
        self.alpha = alpha
    }

    /// Whether the permutation test rejects "same distribution" at `alpha` (p < alpha).
    public var drifted: Bool { pValue < alpha }
}
