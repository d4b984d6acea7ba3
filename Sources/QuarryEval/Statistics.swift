import Foundation
import QuarryCore

/// A two-sided confidence interval `[lower, upper]`.
///
/// A plain struct rather than `ClosedRange<Double>` so that it encodes as
/// `{"lower": …, "upper": …}` and never traps on a degenerate interval.
public struct ConfidenceInterval: Sendable, Equatable, Codable {
    public var lower: Double
    public var upper: Double

    public init(lower: Double, upper: Double) {
        self.lower = lower
        self.upper = upper
    }

    /// `upper - lower`.
    public var width: Double { upper - lower }

    /// Whether `value` lies inside the interval (bounds included).
    public func contains(_ value: Double) -> Bool { lower <= value && value <= upper }
}

/// The outcome of comparing two retrieval variants, A and B, query by query.
///
/// Both `pValue` and `tTestPValue` test the null hypothesis that A and B are
/// equally effective, i.e. that the per-query deltas `b[i] - a[i]` are centred
/// on zero. Two tests are offered because they rest on different assumptions:
///
/// - `pValue` is a paired randomization (sign-flip permutation) test. It only
///   assumes that, under the null hypothesis, the labels "A" and "B" are
///   exchangeable within each query, so each delta is equally likely to have
///   either sign. It makes no normality assumption, which matters for IR
///   metrics (bounded, often skewed, many ties at 0 and 1). Smucker, Allan and
///   Carterette (CIKM 2007, "A comparison of statistical significance tests
///   for information retrieval evaluation") recommend it for IR.
/// - `tTestPValue` is the classic two-sided paired Student t-test. It assumes
///   the deltas are independent draws from a normal distribution (or that
///   there are enough queries for the central limit theorem to apply). It is
///   what most papers report, so it is included for comparability.
///
/// The confidence intervals are 95 % percentile-bootstrap intervals (queries
/// resampled with replacement); they assume the evaluated queries are a
/// representative sample of the query population.
public struct PairedComparison: Sendable, Equatable, Codable {
    /// Number of queries compared.
    public var queries: Int
    /// Mean of system A's per-query scores.
    public var meanA: Double
    /// Mean of system B's per-query scores.
    public var meanB: Double
    /// Mean of the per-query deltas, B − A (equals `meanB - meanA` up to rounding).
    public var meanDelta: Double
    /// Two-sided paired randomization (sign-flip) test p-value.
    public var pValue: Double
    /// Two-sided paired t-test p-value.
    public var tTestPValue: Double
    /// 95 % bootstrap CI of the mean delta B − A.
    public var deltaCI: ConfidenceInterval
    /// 95 % bootstrap CI of A's mean.
    public var meanACI: ConfidenceInterval
    /// 95 % bootstrap CI of B's mean.
    public var meanBCI: ConfidenceInterval

    public init(
        queries: Int, meanA: Double, meanB: Double, meanDelta: Double,
        pValue: Double, tTestPValue: Double,
        deltaCI: ConfidenceInterval, meanACI: ConfidenceInterval, meanBCI: ConfidenceInterval
    ) {
        self.queries = queries
        self.meanA = meanA
        self.meanB = meanB
        self.meanDelta = meanDelta
        self.pValue = pValue
        self.tTestPValue = tTestPValue
        self.deltaCI = deltaCI
        self.meanACI = meanACI
        self.meanBCI = meanBCI
    }

    /// Whether the randomization test rejects equality at level `alpha`.
    public func isSignificant(alpha: Double = 0.05) -> Bool { pValue < alpha }
}

/// Significance tests and confidence intervals for paired per-query scores.
///
/// All randomness comes from a seeded SplitMix64 generator, so results are
/// reproducible for a given `seed`.
public enum Statistics {
    /// Compares systems A and B on the same queries.
    ///
    /// - Parameters:
    ///   - a: System A's per-query scores.
    ///   - b: System B's per-query scores, aligned with `a` by query.
    ///   - permutations: Random sign flips for the randomization test.
    ///   - bootstrapSamples: Resamples for each bootstrap interval.
    ///   - seed: Seed for both the randomization test and the bootstrap.
    /// - Throws: `EvalError` when the arrays are empty, differ in length,
    ///   contain non-finite values, or a sample count is not positive.
    public static func compare(
        _ a: [Double], _ b: [Double],
        permutations: Int = 10_000, bootstrapSamples: Int = 10_000, seed: UInt64 = 42
    ) throws -> PairedComparison {
        guard a.count == b.count else {
            throw EvalError(file: "statistics", "score arrays differ in length: \(a.count) vs \(b.count)")
        }
        guard !a.isEmpty else {
            throw EvalError(file: "statistics", "no queries to compare")
        }
        guard a.allSatisfy(\.isFinite), b.allSatisfy(\.isFinite) else {
            throw EvalError(file: "statistics", "scores must be finite numbers")
        }
        guard permutations > 0 else {
            throw EvalError(file: "statistics", "permutations must be positive, got \(permutations)")
        }
        guard bootstrapSamples > 0 else {
            throw EvalError(file: "statistics", "bootstrapSamples must be positive, got \(bootstrapSamples)")
        }
        let deltas = zip(a, b).map { $1 - $0 }
        let meanDelta = mean(deltas)
        let pValue = randomizationTest(deltas, permutations: permutations, seed: seed)
        // One resampling of query indices shared by all three intervals (a paired bootstrap).
        let intervals = bootstrapCIs([a, b, deltas], samples: bootstrapSamples, seed: seed)
        return PairedComparison(
            queries: a.count,
            meanA: mean(a),
            meanB: mean(b),
            meanDelta: meanDelta,
            pValue: pValue,
            tTestPValue: pairedTTest(deltas),
            deltaCI: intervals[2],
            meanACI: intervals[0],
            meanBCI: intervals[1])
    }

    /// Two-sided paired randomization (sign-flip permutation) test on `deltas`.
    ///
    /// Under the null hypothesis each delta is equally likely to be positive or
    /// negative; no distributional shape is assumed. Each of `permutations`
    /// rounds flips every delta's sign with probability 1/2 and the p-value is
    /// `(count(|flipped mean| ≥ |observed mean| − 1e-12) + 1) / (permutations + 1)`,
    /// which is never 0. Empty input gives 1.
    public static func randomizationTest(_ deltas: [Double], permutations: Int, seed: UInt64) -> Double {
        let n = deltas.count
        guard n > 0, permutations > 0 else { return 1 }
        let observed = abs(deltas.reduce(0, +) / Double(n))
        let threshold = observed - 1e-12
        var random = SplitMix64(seed: seed)
        var extreme = 0
        deltas.withUnsafeBufferPointer { d in
            for _ in 0..<permutations {
                var sum = 0.0
                var index = 0
                while index < n {
                    var bits = random.next()
                    let end = min(index + 64, n)
                    while index < end {
                        sum += (bits & 1) == 0 ? d[index] : -d[index]
                        bits >>= 1
                        index += 1
                    }
                }
                if abs(sum / Double(n)) >= threshold { extreme += 1 }
            }
        }
        return Double(extreme + 1) / Double(permutations + 1)
    }

    /// 95 % percentile-bootstrap confidence interval of the mean of `values`.
    ///
    /// Draws `samples` resamples of `values` with replacement, takes each
    /// resample's mean, and returns the 2.5th and 97.5th percentiles of those
    /// means (linear interpolation between order statistics). Assumes the
    /// values are an i.i.d. sample. Empty input gives `(nan, nan)`.
    public static func bootstrapCI(_ values: [Double], samples: Int = 10_000, seed: UInt64 = 42) -> (lower: Double, upper: Double) {
        guard !values.isEmpty else { return (.nan, .nan) }
        let interval = bootstrapCIs([values], samples: samples, seed: seed)[0]
        return (interval.lower, interval.upper)
    }

    /// Two-sided paired t-test p-value for H0: mean(deltas) = 0.
    ///
    /// Assumes the deltas are i.i.d. normal (or numerous enough for the CLT).
    /// `t = mean / (s / √n)` with the sample standard deviation `s` (n − 1
    /// denominator) and `n − 1` degrees of freedom; the p-value is computed
    /// exactly as `I_{ν/(ν+t²)}(ν/2, 1/2)`. Degenerate cases: all deltas zero
    /// (or fewer than two deltas) → 1; zero variance with a nonzero mean → 0.
    public static func pairedTTest(_ deltas: [Double]) -> Double {
        let n = deltas.count
        guard n > 0 else { return 1 }
        let m = mean(deltas)
        if deltas.allSatisfy({ $0 == 0 }) { return 1 }
        guard n >= 2 else { return 1 }
        if deltas.allSatisfy({ $0 == deltas[0] }) { return 0 }
        let sumSquares = deltas.reduce(0) { $0 + ($1 - m) * ($1 - m) }
        let variance = sumSquares / Double(n - 1)
        guard variance > 0 else { return m == 0 ? 1 : 0 }
        let t = m / (variance / Double(n)).squareRoot()
        let df = Double(n - 1)
        let (x, y) = betaArguments(t: t, degreesOfFreedom: df)
        return min(1, max(0, regularizedIncompleteBeta(a: df / 2, b: 0.5, x: x, y: y)))
    }

    /// Cumulative distribution function of Student's t distribution,
    /// `P(T ≤ t)` with `degreesOfFreedom` ν > 0 (need not be an integer).
    ///
    /// Uses `P(|T| ≥ |t|) = I_{ν/(ν+t²)}(ν/2, 1/2)`, with the regularized
    /// incomplete beta function evaluated by its continued fraction.
    public static func studentTCDF(_ t: Double, degreesOfFreedom: Double) -> Double {
        guard !t.isNaN, !degreesOfFreedom.isNaN, degreesOfFreedom > 0 else { return .nan }
        if t == .infinity { return 1 }
        if t == -.infinity { return 0 }
        if t == 0 { return 0.5 }
        let (x, y) = betaArguments(t: t, degreesOfFreedom: degreesOfFreedom)
        let tail = 0.5 * regularizedIncompleteBeta(a: degreesOfFreedom / 2, b: 0.5, x: x, y: y)
        return t > 0 ? 1 - tail : tail
    }

    // MARK: - Internals

    static func mean(_ values: [Double]) -> Double {
        values.reduce(0, +) / Double(values.count)
    }

    /// `x = ν/(ν+t²)` and `y = 1 − x = t²/(ν+t²)`, each computed directly so
    /// neither loses precision to cancellation.
    static func betaArguments(t: Double, degreesOfFreedom df: Double) -> (x: Double, y: Double) {
        let t2 = t * t
        if t2.isInfinite { return (0, 1) }
        let denominator = df + t2
        return (df / denominator, t2 / denominator)
    }

    /// Regularized incomplete beta function `I_x(a, b)`, with `y = 1 − x`
    /// supplied separately for accuracy (Numerical Recipes `betai`).
    static func regularizedIncompleteBeta(a: Double, b: Double, x: Double, y: Double) -> Double {
        if x <= 0 { return 0 }
        if y <= 0 { return 1 }
        let logFront = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log(y)
        let front = exp(logFront)
        if x < (a + 1) / (a + b + 2) {
            return front * betaContinuedFraction(a: a, b: b, x: x) / a
        } else {
            return 1 - front * betaContinuedFraction(a: b, b: a, x: y) / b
        }
    }

    /// Continued fraction for the incomplete beta function, evaluated with the
    /// modified Lentz method (Numerical Recipes `betacf`).
    static func betaContinuedFraction(a: Double, b: Double, x: Double) -> Double {
        let maxIterations = 10_000
        let epsilon = 1e-16
        let tiny = 1e-300
        let qab = a + b
        let qap = a + 1
        let qam = a - 1
        var c = 1.0
        var d = 1 - qab * x / qap
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var h = d
        for m in 1...maxIterations {
            let m = Double(m)
            let m2 = 2 * m
            // Even step.
            var aa = m * (b - m) * x / ((qam + m2) * (a + m2))
            d = 1 + aa * d
            if abs(d) < tiny { d = tiny }
            c = 1 + aa / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            h *= d * c
            // Odd step.
            aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
            d = 1 + aa * d
            if abs(d) < tiny { d = tiny }
            c = 1 + aa / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) <= epsilon { break }
        }
        return h
    }

    /// Percentile-bootstrap 95 % intervals of the means of several aligned
    /// series, all resampled with the same query indices.
    static func bootstrapCIs(_ series: [[Double]], samples: Int, seed: UInt64) -> [ConfidenceInterval] {
        let n = series.first?.count ?? 0
        guard n > 0 else { return series.map { _ in ConfidenceInterval(lower: .nan, upper: .nan) } }
        let rounds = max(1, samples)
        var random = SplitMix64(seed: seed ^ 0x9E37_79B9_7F4A_7C15)
        var means = Array(repeating: [Double](repeating: 0, count: rounds), count: series.count)
        var sums = [Double](repeating: 0, count: series.count)
        for round in 0..<rounds {
            for s in sums.indices { sums[s] = 0 }
            for _ in 0..<n {
                let index = random.below(n)
                for s in series.indices { sums[s] += series[s][index] }
            }
            for s in series.indices { means[s][round] = sums[s] / Double(n) }
        }
        return means.map { values in
            let sorted = values.sorted()
            return ConfidenceInterval(lower: percentile(sorted, 0.025), upper: percentile(sorted, 0.975))
        }
    }

    /// Percentile of ascending `sorted` values with linear interpolation
    /// between order statistics (NumPy's default, Hyndman–Fan type 7).
    static func percentile(_ sorted: [Double], _ p: Double) -> Double {
        let position = p * Double(sorted.count - 1)
        let lower = Int(position.rounded(.down))
        let upper = min(lower + 1, sorted.count - 1)
        let fraction = position - Double(lower)
        return sorted[lower] + (sorted[upper] - sorted[lower]) * fraction
    }
}
