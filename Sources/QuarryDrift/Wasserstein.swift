/// The first Wasserstein (earth mover's) distance between two one-dimensional samples, as
/// `scipy.stats.wasserstein_distance` computes it: W₁ = ∫ |F_ref(x) − F_cur(x)| dx over the
/// empirical CDFs.
///
/// W₁ is in the feature's own units — how far, on average, mass has to move — so a raw value
/// means nothing without a scale. `test` therefore reads it against the reference's spread:
/// drift when W₁ ≥ 0.1 · σ_ref (σ is the population standard deviation; the convention
/// Evidently uses for large numeric samples), i.e. when the distributions differ by about a
/// tenth of a standard deviation of mass movement. A constant reference has σ = 0; the scale
/// is floored at 0.001 so any real change still reads as drift rather than dividing by zero.
public enum Wasserstein {
    /// Floor on the reference standard deviation used as the scale.
    public static let minimumScale = 0.001

    /// W₁ between two samples, in their units.
    ///
    /// - Throws: `DriftError` for an empty sample or NaN/±∞.
    /// - Complexity: O((n + m) log(n + m)).
    public static func distance(_ u: [Double], _ v: [Double]) throws -> Double {
        try Validation.checkSample(u, name: "first")
        try Validation.checkSample(v, name: "second")
        return sortedDistance(u.sorted(), v.sorted())
    }

    /// W₁ read against the reference's standard deviation.
    ///
    /// - Parameters:
    ///   - threshold: Drift when W₁ / max(σ_ref, 0.001) ≥ this (default 0.1).
    /// - Throws: `DriftError` for an empty sample, NaN/±∞, or a non-positive threshold.
    public static func test(reference: [Double], current: [Double], threshold: Double = 0.1) throws -> WassersteinResult {
        try Validation.checkPositive(threshold, name: "threshold")
        let w = try distance(reference, current)
        let scale = max(standardDeviation(reference), minimumScale)
        return WassersteinResult(distance: w, scale: scale, threshold: threshold * scale)
    }

    /// ∫|F_u − F_v| as a sum over the gaps of the pooled sorted sample.
    static func sortedDistance(_ u: [Double], _ v: [Double]) -> Double {
        let nu = Double(u.count), nv = Double(v.count)
        var i = 0, j = 0
        var total = 0.0
        var previous = min(u[0], v[0])
        while i < u.count || j < v.count {
            let next: Double
            if j >= v.count || (i < u.count && u[i] <= v[j]) { next = u[i] } else { next = v[j] }
            // Between `previous` and `next` both ECDFs are flat at i/nu and j/nv.
            total += abs(Double(i) / nu - Double(j) / nv) * (next - previous)
            previous = next
            if j >= v.count || (i < u.count && u[i] <= v[j]) { i += 1 } else { j += 1 }
        }
        return total
    }

    /// Population standard deviation (NumPy's `std` with ddof 0), two-pass.
    static func standardDeviation(_ values: [Double]) -> Double {
        let mean = values.reduce(0, +) / Double(values.count)
        let squares = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
        return (squares / Double(values.count)).squareRoot()
    }
}

/// The outcome of a Wasserstein-1 comparison.
public struct WassersteinResult: Sendable, Equatable, Codable {
    /// W₁ in the feature's units.
    public var distance: Double
    /// max(σ_ref, 0.001): the unit `normalizedDistance` is measured in.
    public var scale: Double
    /// The absolute threshold, `relativeThreshold · scale`.
    public var threshold: Double

    public init(distance: Double, scale: Double, threshold: Double) {
        self.distance = distance
        self.scale = scale
        self.threshold = threshold
    }

    /// W₁ in reference standard deviations.
    public var normalizedDistance: Double { distance / scale }

    /// Whether W₁ reaches the threshold.
    public var drifted: Bool { distance >= threshold }
}
