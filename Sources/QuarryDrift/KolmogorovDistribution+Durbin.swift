import Foundation

extension KolmogorovDistribution {
    /// P(Dₙ ≤ d) by Durbin's matrix formula (1968) as Marsaglia, Tsang & Wang evaluate it
    /// ("Evaluating Kolmogorov's distribution", J. Stat. Softw. 8(18), 2003).
    ///
    /// Write n·d = k − h with k a positive integer and 0 ≤ h < 1. Then
    /// P(Dₙ ≤ d) = n!/nⁿ · (Hⁿ)ₖₖ for an m × m matrix H, m = 2k − 1, with entries
    /// 1/(i − j + 1)! on and below the first superdiagonal, less hʲ/j! terms along the first
    /// column and last row. Hⁿ is formed by repeated squaring; entries grow like eⁿ, so both
    /// the running power and the square are rescaled by powers of two and the exponent is
    /// carried separately (SciPy keeps them in `long double` instead). Exact up to rounding;
    /// O(m³ log n) time, so it is used only where m is small (n·d² ≤ 4 for n ≤ 140,
    /// n·d^1.5 ≤ 1.4 beyond).
    static func durbinCDF(n: Int, d: Double) -> Double {
        if d >= 1 { return 1 }
        let nd = Double(n) * d
        if nd <= 0.5 { return 0 }
        let k = Int(nd.rounded(.up))
        let h = Double(k) - nd
        let m = 2 * k - 1

        // v[j] = (1 − h^{j+1}) / (j+1)!, w[j] = 1 / j!.
        var w = [Double](repeating: 0, count: m)
        var v = [Double](repeating: 0, count: m)
        var factorial = 1.0  // 1 / j!
        for j in 0..<m {
            w[j] = factorial
            factorial /= Double(j + 1)
            v[j] = (1 - pow(h, Double(j + 1))) * factorial
        }
        // The corner also adds back the doubly-subtracted (2h − 1)^m / m! when 2h > 1.
        v[m - 1] = (1 + pow(max(2 * h - 1, 0), Double(m)) - 2 * pow(h, Double(m))) * factorial

        var matrix = [Double](repeating: 0, count: m * m)
        for row in 0..<m {
            for column in 1..<max(m, 1) where row - column + 1 >= 0 {
                matrix[row * m + column] = w[row - column + 1]
            }
            matrix[row * m] = v[row]
        }
        for column in 0..<m { matrix[(m - 1) * m + column] = v[m - 1 - column] }

        var power = [Double](repeating: 0, count: m * m)
        for i in 0..<m { power[i * m + i] = 1 }
        var powerExponent = 0, matrixExponent = 0
        var remaining = n
        var scratch = [Double](repeating: 0, count: m * m)
        while remaining > 0 {
            if remaining % 2 == 1 {
                multiply(power, matrix, into: &scratch, size: m)
                swap(&power, &scratch)
                powerExponent += matrixExponent
                rescale(&power, exponent: &powerExponent)
            }
            remaining /= 2
            if remaining > 0 {
                multiply(matrix, matrix, into: &scratch, size: m)
                swap(&matrix, &scratch)
                matrixExponent *= 2
                rescale(&matrix, exponent: &matrixExponent)
            }
        }

        // Multiply by n!/nⁿ, keeping the value in range.
        var p = power[(k - 1) * m + (k - 1)]
        var exponent = powerExponent
        let scaleUp = 0x1p128
        for i in 1...n {
            p = Double(i) * p / Double(n)
            if abs(p) < 0x1p-128 {
                p *= scaleUp
                exponent -= 128
            }
        }
        return scalbn(p, exponent)
    }

    /// `out = a · b` for square row-major matrices of side `size`.
    private static func multiply(_ a: [Double], _ b: [Double], into out: inout [Double], size m: Int) {
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                out.withUnsafeMutableBufferPointer { out in
                    for i in 0..<(m * m) { out[i] = 0 }
                    for i in 0..<m {
                        for l in 0..<m {
                            let factor = a[i * m + l]
                            if factor == 0 { continue }
                            for j in 0..<m { out[i * m + j] += factor * b[l * m + j] }
                        }
                    }
                }
            }
        }
    }

    /// Divides `values` by 2¹²⁸ while its largest entry exceeds 2¹²⁸, adding to `exponent`.
    private static func rescale(_ values: inout [Double], exponent: inout Int) {
        var largest = values.reduce(0) { max($0, abs($1)) }
        while largest > 0x1p128 {
            for i in values.indices { values[i] *= 0x1p-128 }
            largest *= 0x1p-128
            exponent += 128
        }
    }
}
