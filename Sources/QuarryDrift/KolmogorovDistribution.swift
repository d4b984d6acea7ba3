import Foundation

/// The distribution of the one-sample two-sided Kolmogorov–Smirnov statistic
/// Dₙ = sup |Fₙ − F| for a sample of size n: SciPy's `kstwo`, which `ks_2samp(method='asymp')`
/// evaluates at n = round(n₁n₂ / (n₁ + n₂)).
///
/// No single formula is both fast and accurate over all (n, d), so, like SciPy, this follows
/// Simard & L'Ecuyer ("Computing the two-sided Kolmogorov–Smirnov distribution", J. Stat.
/// Softw. 39(11), 2011) in choosing per region:
/// - n·d ≤ 1 and n·d ≥ n − 1: Ruben & Gambino's closed forms;
/// - d ≥ 0.5: 2·P(Dₙ⁺ ≥ d), exact there because the two one-sided events are disjoint;
/// - n ≤ 140: the Durbin matrix (1968) in Marsaglia, Tsang & Wang's form (2003) where SciPy
///   uses Durbin or Pomeranz (both exact, so they agree to rounding), and 2·P(Dₙ⁺ ≥ d) above
///   n·d² = 4;
/// - n > 140: 0 above n·d² = 370, 2·P(Dₙ⁺ ≥ d) above 2.2, otherwise Durbin while
///   n·d^1.5 ≤ 1.4 (and n ≤ 100,000) and the Pelz–Good asymptotic series (1976) beyond.
///
/// P(Dₙ⁺ ≥ d) is Smirnov's one-sided tail (`SmirnovDistribution`). The region boundaries are
/// SciPy's, so approximations are made where SciPy makes them and the two agree to about 1e-12.
public enum KolmogorovDistribution {
    /// P(Dₙ ≥ d), the survival function.
    ///
    /// - Parameters:
    ///   - d: The statistic, any real (values outside (0.5/n, 1) give 1 or 0).
    ///   - sampleSize: n ≥ 1.
    public static func survival(_ d: Double, sampleSize n: Int) -> Double {
        precondition(n >= 1, "sample size must be positive")
        if d.isNaN { return .nan }
        if d >= 1 { return 0 }
        let nd = Double(n)
        let t = nd * d
        if t <= 0.5 { return 1 }
        if t <= 1 {
            // Ruben–Gambino: P(Dₙ ≤ d) = n!/nⁿ · (2t − 1)ⁿ for 1/(2n) ≤ d ≤ 1/n.
            let cdf: Double
            if n <= 140 {
                var product = 1.0
                for i in 1...n { product *= Double(i) * (1.0 / nd) * (2 * t - 1) }
                cdf = product
            } else {
                cdf = exp(logFactorialOverPower(n) + nd * log(2 * t - 1))
            }
            return clip(1 - clip(cdf))
        }
        if t >= nd - 1 { return clip(2 * pow(1 - d, nd)) }
        if d >= 0.5 { return clip(2 * SmirnovDistribution.survival(d, sampleSize: n)) }
        let nd2 = t * d
        if n <= 140 {
            if nd2 <= 4 { return clip(1 - clip(durbinCDF(n: n, d: d))) }
            return clip(2 * SmirnovDistribution.survival(d, sampleSize: n))
        }
        if nd2 >= 370 { return 0 }
        if nd2 >= 2.2 { return clip(2 * SmirnovDistribution.survival(d, sampleSize: n)) }
        let cdf: Double
        if n <= 100_000 && nd * pow(d, 1.5) <= 1.4 {
            cdf = durbinCDF(n: n, d: d)
        } else {
            cdf = pelzGoodCDF(n: n, d: d)
        }
        return clip(1 - cdf)
    }

    static func clip(_ p: Double) -> Double { min(max(p, 0), 1) }

    /// log(n! / nⁿ) by Stirling's series with the n·log n terms cancelled analytically:
    /// ½·log n − n + ½·log 2π + Σⱼ B₂ⱼ / (2j(2j−1) n^{2j−1}), j = 1…8.
    static func logFactorialOverPower(_ n: Int) -> Double {
        // B₂ⱼ / (2j (2j − 1)) for j = 8 … 1 (Horner order).
        let coefficients: [Double] = [
            -3617.0 / 510.0 / 240.0, 7.0 / 6.0 / 182.0, -691.0 / 2730.0 / 132.0, 5.0 / 66.0 / 90.0,
            -1.0 / 30.0 / 56.0, 1.0 / 42.0 / 30.0, -1.0 / 30.0 / 12.0, 1.0 / 6.0 / 2.0,
        ]
        let x = Double(n)
        let r = 1 / x
        var series = 0.0
        for c in coefficients { series = series * (r * r) + c }
        return log(x) / 2 - x + log(2 * Double.pi) / 2 + r * series
    }

    /// Pelz & Good's expansion ("Approximating the lower tail-areas of the Kolmogorov–Smirnov
    /// one-sample statistic", JRSS B 38(2), 1976): Li-Chien and Korolyuk's series
    /// K₀ + K₁/√n + K₂/n + K₃/n^{3/2} in z = d√n, with each Kᵢ rewritten through Jacobi's theta
    /// identity into sums over q = exp(−π²/(8z²)) that converge fast for small z.
    static func pelzGoodCDF(n: Int, d: Double) -> Double {
        if d <= 0 { return 0 }
        if d >= 1 { return 1 }
        let pi2 = Double.pi * Double.pi, pi4 = pi2 * pi2, pi6 = pi4 * pi2
        let z = sqrt(Double(n)) * d
        let z2 = z * z, z4 = z2 * z2, z6 = z4 * z2
        let logQ = -pi2 / 8 / z2
        if logQ < -708 { return 0 }
        let q = exp(logQ)

        let k1a = -z2, k1b = pi2 / 4
        let k2a = 6 * z6 + 2 * z4, k2b = (2 * z4 - 5 * z2) * pi2 / 4, k2c = pi4 * (1 - 2 * z2) / 16
        let k3d = pi6 * (5 - 30 * z2) / 64
        let k3c = pi4 * (-60 * z2 + 212 * z4) / 16
        let k3b = pi2 * (135 * z4 - 96 * z6) / 4
        let k3a = -30 * z6 - 90 * z4 * z4

        // Σₖ cₖ q^{(2k−1)²} by Horner: consecutive exponents differ by 8k.
        var terms = (0.0, 0.0, 0.0, 0.0)
        let maxK = Int((16 * z / Double.pi).rounded(.up))
        for k in stride(from: maxK, through: 1, by: -1) {
            let m = Double(2 * k - 1)
            let m2 = m * m, m4 = m2 * m2, m6 = m4 * m2
            let step = pow(q, Double(8 * k))
            terms.0 = terms.0 * step + 1
            terms.1 = terms.1 * step + (k1a + k1b * m2)
            terms.2 = terms.2 * step + (k2a + k2b * m2 + k2c * m4)
            terms.3 = terms.3 * step + (k3a + k3b * m2 + k3c * m4 + k3d * m6)
        }
        let scale = q * sqrt(2 * Double.pi)
        terms.0 *= scale / z
        terms.1 *= scale / (6 * z4)
        terms.2 *= scale / (72 * z4 * z2 * z)
        terms.3 *= scale / (6480 * z4 * z6)

        // The remaining sums over all k ≥ 1 in K₂ and K₃, with q' = exp(−π²/(2z²)).
        let q2 = exp(-pi2 / 2 / z2)
        let root3z = 3.0.squareRoot() * z
        var extra2 = 0.0, extra3 = 0.0
        for k in stride(from: maxK, through: 1, by: -1) {
            let kk = Double(k * k)
            let power = pow(q2, kk)
            let kpi = Double.pi * Double(k)
            extra2 += kk * power
            extra3 += (root3z + kpi) * (root3z - kpi) * kk * power
        }
        terms.2 += extra2 * pi2 * sqrt(2 * Double.pi) / (-36 * z2 * z)
        terms.3 += extra3 * pi2 * sqrt(2 * Double.pi) / (216 * z6)

        let rootN = sqrt(Double(n))
        return terms.0 + terms.1 / rootN + terms.2 / Double(n) + terms.3 / (Double(n) * rootN)
    }
}
