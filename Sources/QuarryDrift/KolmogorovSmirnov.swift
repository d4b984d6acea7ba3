/// The two-sample Kolmogorov–Smirnov test (two-sided), with p-values as
/// `scipy.stats.ks_2samp` computes them.
///
/// The statistic is D = sup_x |F_ref(x) − F_cur(x)| over the empirical CDFs, so it is
/// distribution-free and sensitive to any change in location, scale or shape of a numeric
/// feature. Ties are allowed (the ECDFs are evaluated after each distinct value, like SciPy's
/// `searchsorted(side='right')`), but the p-values assume continuous data and are conservative
/// with many ties.
///
/// ```swift
/// let result = try KolmogorovSmirnov.test(reference: trainLengths, current: liveLengths)
/// if result.drifted { print("D = \(result.statistic), p = \(result.pValue)") }
/// ```
public enum KolmogorovSmirnov {
    /// How the p-value is computed; the names and the `auto` rule are SciPy's.
    public enum Method: String, Sendable, Codable, CaseIterable {
        /// `exact` when both samples have at most `exactSizeLimit` (10,000) values, else `asymptotic`
        /// (SciPy's `MAX_AUTO_N` rule, checked against SciPy 1.17.1).
        case auto
        /// The exact null distribution of D for these sample sizes: Hodges' lattice-path count
        /// (1958) in Viehmann's numerically stable form for 1 − p (arXiv:2102.08037), or the
        /// closed alternating series when the sizes are equal. Falls back to `asymptotic` when
        /// lcm(n, m) does not fit 32 bits or the computation leaves [0, 1], as SciPy does.
        case exact
        /// The one-sample Kolmogorov distribution evaluated at round(n·m / (n + m)) — SciPy's
        /// `kstwo.sf(D, round(en))` (see `KolmogorovDistribution`), not the limiting
        /// `kstwobign`.
        case asymptotic
    }

    /// SciPy's `MAX_AUTO_N`: `auto` is exact when max(n, m) is at most this.
    public static let exactSizeLimit = 10_000

    /// Runs the test.
    ///
    /// - Parameters:
    ///   - reference: The reference sample (e.g. the training or last-known-good window).
    ///   - current: The sample to check.
    ///   - method: How to compute the p-value; `auto` picks as SciPy does.
    ///   - alpha: Significance level for `drifted` (default 0.05).
    /// - Returns: D, the p-value, the method actually used and the verdict.
    /// - Throws: `DriftError` when a sample is empty or holds NaN or ±∞, or `alpha` is outside (0, 1).
    /// - Complexity: O((n + m) log(n + m)) for D; the exact p-value costs O(n) for equal sizes
    ///   and O(max(n, m) · band) otherwise, where the band is about D · min(n, m) wide.
    public static func test(
        reference: [Double], current: [Double], method: Method = .auto, alpha: Double = 0.05
    ) throws -> KolmogorovSmirnovResult {
        try Validation.checkSample(reference, name: "reference")
        try Validation.checkSample(current, name: "current")
        try Validation.checkAlpha(alpha)
        let d = statistic(reference.sorted(), current.sorted())
        let (used, finalD, p) = pValue(d: d, n1: reference.count, n2: current.count, method: method)
        return KolmogorovSmirnovResult(statistic: finalD, pValue: p, method: used,
                                       referenceCount: reference.count, currentCount: current.count, alpha: alpha)
    }

    /// D for two sorted, non-empty samples: the largest gap between the two right-continuous
    /// ECDFs, taken at every observed value. Each ECDF value is `count / size`, then subtracted,
    /// in SciPy's order of operations.
    static func statistic(_ a: [Double], _ b: [Double]) -> Double {
        let n1 = Double(a.count), n2 = Double(b.count)
        var i = 0, j = 0
        var maxGap = 0.0, minGap = 0.0
        while i < a.count || j < b.count {
            // The next distinct value; advance both samples past every copy of it.
            let value: Double
            if j >= b.count || (i < a.count && a[i] <= b[j]) { value = a[i] } else { value = b[j] }
            while i < a.count && a[i] <= value { i += 1 }
            while j < b.count && b[j] <= value { j += 1 }
            let gap = Double(i) / n1 - Double(j) / n2
            maxGap = max(maxGap, gap)
            minGap = min(minGap, gap)
        }
        let below = min(max(-minGap, 0), 1)
        return below > maxGap ? below : maxGap
    }

    /// The two-sided p-value for D with SciPy's method resolution and fallbacks.
    /// - Returns: The method used, D (snapped to h / lcm(n1, n2) when exact, as SciPy reports it)
    ///   and the p-value clipped to [0, 1].
    static func pValue(d: Double, n1: Int, n2: Int, method: Method) -> (Method, Double, Double) {
        var resolved = method
        let g = gcd(n1, n2)
        let n1g = n1 / g, n2g = n2 / g
        switch method {
        case .auto:
            resolved = max(n1, n2) <= exactSizeLimit ? .exact : .asymptotic
        case .exact:
            if Double(n1g) >= Double(Int32.max) / Double(n2g) { resolved = .asymptotic }
        case .asymptotic:
            break
        }
        var statistic = d
        if resolved == .exact {
            let lcm = n1g * n2
            let h = Int((d * Double(lcm)).rounded(.toNearestOrEven))
            statistic = Double(h) / Double(lcm)
            if h == 0 { return (.exact, statistic, 1) }
            let p = n1 == n2
                ? exactEqualSizes(n: n1, h: h)
                : exactUnequalSizes(n1, n2, gcd: g, h: h)
            if p >= 0 && p <= 1 { return (.exact, statistic, p) }
            resolved = .asymptotic
        }
        // SciPy sorts the sizes descending before forming en = m·n/(m + n) in floating point.
        let m = Double(max(n1, n2)), n = Double(min(n1, n2))
        let en = (m * n / (m + n)).rounded(.toNearestOrEven)
        // SciPy yields NaN when en rounds to 0 (n1 = n2 = 1); one observation is the honest floor.
        let p = KolmogorovDistribution.survival(statistic, sampleSize: max(1, Int(en)))
        return (.asymptotic, statistic, min(max(p, 0), 1))
    }

    static func gcd(_ a: Int, _ b: Int) -> Int {
        var (x, y) = (a, b)
        while y != 0 { (x, y) = (y, x % y) }
        return x
    }
}

/// The outcome of a two-sample Kolmogorov–Smirnov test.
public struct KolmogorovSmirnovResult: Sendable, Equatable, Codable {
    /// D, the largest absolute difference between the two empirical CDFs, in [0, 1].
    public var statistic: Double
    /// The two-sided p-value: the chance of a D at least this large if both samples came from
    /// one continuous distribution.
    public var pValue: Double
    /// The method that produced `pValue` (`exact` or `asymptotic`; never `auto`).
    public var method: KolmogorovSmirnov.Method
    public var referenceCount: Int
    public var currentCount: Int
    /// The significance level `drifted` uses.
    public var alpha: Double

    public init(statistic: Double, pValue: Double, method: KolmogorovSmirnov.Method,
                referenceCount: Int, currentCount: Int, alpha: Double) {
        self.statistic = statistic
        self.pValue = pValue
        self.method = method
        self.referenceCount = referenceCount
        self.currentCount = currentCount
        self.alpha = alpha
    }

    /// Whether the test rejects "same distribution" at `alpha` (p < alpha).
    public var drifted: Bool { pValue < alpha }
}
