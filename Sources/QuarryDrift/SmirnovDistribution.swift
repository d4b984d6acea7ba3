import Foundation

/// Smirnov's one-sided distribution, P(Dₙ⁺ ≥ d) with Dₙ⁺ = sup (Fₙ − F): SciPy's
/// `scipy.special.smirnov`, which `KolmogorovDistribution` doubles for large d.
enum SmirnovDistribution {
    /// SciPy switches to an approximation above this n (cephes `SMIRNOV_MAX_COMPUTE_N`).
    static let exactSizeLimit = 1_000_000

    /// P(Dₙ⁺ ≥ d).
    ///
    /// For n ≤ 1,000,000 this is the Birnbaum–Tingey sum (1951),
    /// d · Σ_{j=0}^{⌊n(1−d)⌋} C(n, j) (1 − d − j/n)^{n−j} (d + j/n)^{j−1},
    /// whose terms are all positive; they are formed in log space and summed relative to the
    /// largest, so there is no cancellation and no overflow. Above that, SciPy's
    /// p ≈ exp(−(6nd + 1)² / (18n)) is used so results agree.
    static func survival(_ d: Double, sampleSize n: Int) -> Double {
        precondition(n >= 1)
        if d.isNaN { return .nan }
        if d <= 0 { return 1 }
        if d >= 1 { return 0 }
        let nd = Double(n)
        if n == 1 { return 1 - d }
        // The tail underflows a double (cephes MINLOG).
        if -2 * nd * d * d < -708.3964185322641 { return 0 }
        if n > exactSizeLimit {
            let logP = -pow(6 * nd * d + 1, 2) / 18 / nd
            return logP < -M_LN2 ? exp(logP) : 1 + expm1(logP)
        }
        let last = Int((nd * (1 - d)).rounded(.down))
        var logTerms = [Double]()
        logTerms.reserveCapacity(last + 1)
        var logBinomial = 0.0  // log C(n, j)
        for j in 0...last {
            if j > 0 { logBinomial += log(Double(n - j + 1) / Double(j)) }
            let left = Double(n - j) / nd - d   // 1 − d − j/n
            if left <= 0 { break }
            let right = Double(j) / nd + d      // d + j/n
            logTerms.append(logBinomial + Double(n - j) * log(left) + Double(j - 1) * log(right))
        }
        guard let largest = logTerms.max() else { return 0 }
        var sum = 0.0
        for term in logTerms { sum += exp(term - largest) }
        return d * sum * exp(largest)
    }
}
