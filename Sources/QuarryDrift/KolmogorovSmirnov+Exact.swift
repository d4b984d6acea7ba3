/// Exact two-sided p-values of the two-sample statistic, P(D ≥ h / lcm(n1, n2)) under H0.
///
/// Under H0 every interleaving of the two sorted samples is equally likely, i.e. every
/// monotone lattice path from (0, 0) to (n1, n2). D ≥ h / lcm exactly when the path touches
/// one of the lines |x·n2/g − y·n1/g| = h (g = gcd), so the p-value is the share of paths that
/// leave the open band between them (Hodges 1958, "The significance probability of the Smirnov
/// two-sample test", Ark. Mat. 3).
extension KolmogorovSmirnov {
    /// Equal sizes n: the reflection-principle series
    /// P = 2 Σ_{k≥1} (−1)^{k−1} C(2n, n − k·h) / C(2n, n),
    /// evaluated as 2·A₁(1 − A₂(1 − A₃(…))) with Aₖ = C(2n, n − k·h) / C(2n, n − (k−1)·h), a
    /// Horner-like nesting that avoids the cancellation of the alternating sum. O(n).
    static func exactEqualSizes(n: Int, h: Int) -> Double {
        var nested = 0.0
        var k = n / h
        while k >= 0 {
            // C(2n, n − (k+1)h) / C(2n, n − kh) as a product of h ratios.
            var ratio = 1.0
            for j in 0..<h {
                ratio = Double(n - k * h - j) * ratio / Double(n + k * h + j + 1)
            }
            nested = ratio * (1 - nested)
            k -= 1
        }
        return 2 * nested
    }

    /// Unequal sizes: walks the lattice column by column keeping, for each point inside the
    /// band, the probability that a uniformly random path to it has already left the band
    /// (Viehmann's recursion for 1 − p, arXiv:2102.08037, which never forms the huge path
    /// counts). A path reaches (i, j) from (i−1, j) with probability i/(i+j) and from (i, j−1)
    /// with probability j/(i+j); points outside the band hold 1. Only a band of about
    /// 2h / (n1/g) rows per column is touched: O(max(n1, n2) · band) time, O(min(n1, n2)) memory.
    static func exactUnequalSizes(_ n1: Int, _ n2: Int, gcd g: Int, h: Int) -> Double {
        let m = max(n1, n2), n = min(n1, n2)
        let mg = m / g, ng = n / g
        // Point (i, j) is inside the band when |ng·i − mg·j| < h.
        var column = [Double](repeating: 1, count: n + 1)
        var lower = 0
        let firstUpper = min(ceilDivide(h, mg), n + 1)
        for j in 0..<firstUpper { column[j] = 0 }
        return column.withUnsafeMutableBufferPointer { exited -> Double in
            for i in 1...m {
                let newLower = min(max(floorDivide(ng * i - h, mg) + 1, 0), n)
                let newUpper = min(ceilDivide(ng * i + h, mg), n + 1)
                if newUpper <= newLower { return 1 }
                // Rows that dropped below the band are now outside it.
                if newLower > lower { for j in lower..<newLower { exited[j] = 1 } }
                lower = newLower
                let x = Double(i)
                var below = newLower == 0 ? 0.0 : 1.0
                for j in newLower..<newUpper {
                    let y = Double(j)
                    below = (exited[j] * x + below * y) / (x + y)
                    exited[j] = below
                }
            }
            return exited[n]
        }
    }

    static func floorDivide(_ a: Int, _ b: Int) -> Int {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }

    static func ceilDivide(_ a: Int, _ b: Int) -> Int { -floorDivide(-a, b) }
}
