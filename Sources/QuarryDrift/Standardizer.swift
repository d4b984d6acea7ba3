/// Per-column centring and scaling to unit variance, fitted on training rows only so the
/// held-out fold never leaks into the model (scikit-learn's `StandardScaler`, population σ).
///
/// Standardising makes one L2 penalty mean the same for every column whatever its units, and
/// keeps L-BFGS well conditioned. Constant columns get σ = 1 (they carry no signal either way).
struct Standardizer: Sendable {
    var means: [Double]
    var scales: [Double]

    init(fitting x: PackedVectors) {
        let n = x.count, d = x.dimension
        var means = [Double](repeating: 0, count: d)
        var squares = [Double](repeating: 0, count: d)
        for i in 0..<n { for k in 0..<d { means[k] += x.values[i * d + k] } }
        for k in 0..<d { means[k] /= Double(n) }
        for i in 0..<n {
            for k in 0..<d {
                let centred = x.values[i * d + k] - means[k]
                squares[k] += centred * centred
            }
        }
        self.means = means
        self.scales = squares.map { sum in
            let sigma = (sum / Double(n)).squareRoot()
            return sigma > 0 ? sigma : 1
        }
    }

    /// The rows of `x`, standardised.
    func transform(_ x: PackedVectors) -> PackedVectors {
        var out = x
        let d = x.dimension
        out.values.withUnsafeMutableBufferPointer { v in
            for i in 0..<x.count {
                for k in 0..<d { v[i * d + k] = (v[i * d + k] - means[k]) / scales[k] }
            }
        }
        return out
    }
}
