import Foundation

/// The element-wise kernels of a transformer layer, on raw Float buffers.
enum VectorMath {
    /// In-place LayerNorm of `rows` rows of width `width`: (x − mean)/√(var + eps)·γ + β,
    /// with mean and variance accumulated in Double (PyTorch normalises in float32 with a
    /// careful reduction; Double keeps us within its rounding).
    static func layerNorm(_ x: UnsafeMutablePointer<Float>, rows: Int, width: Int, gamma: UnsafePointer<Float>,
                          beta: UnsafePointer<Float>, epsilon: Float) {
        for r in 0 ..< rows {
            let row = x + r * width
            var sum = 0.0
            for i in 0 ..< width { sum += Double(row[i]) }
            let mean = sum / Double(width)
            var squares = 0.0
            for i in 0 ..< width {
                let d = Double(row[i]) - mean
                squares += d * d
            }
            let inverse = 1 / (squares / Double(width) + Double(epsilon)).squareRoot()
            for i in 0 ..< width {
                row[i] = Float((Double(row[i]) - mean) * inverse) * gamma[i] + beta[i]
            }
        }
    }

    /// Adds a bias vector to each of `rows` rows.
    static func addBias(_ x: UnsafeMutablePointer<Float>, rows: Int, width: Int, bias: UnsafePointer<Float>) {
        for r in 0 ..< rows {
            let row = x + r * width
            for i in 0 ..< width { row[i] += bias[i] }
        }
    }

    /// x += y, element-wise.
    static func add(_ x: UnsafeMutablePointer<Float>, _ y: UnsafePointer<Float>, count: Int) {
        for i in 0 ..< count { x[i] += y[i] }
    }

    /// Exact GELU, 0.5·x·(1 + erf(x/√2)) — BERT's "gelu", not the tanh approximation.
    static func gelu(_ x: UnsafeMutablePointer<Float>, count: Int) {
        let inverseRoot2: Float = 0.70710678118654752
        for i in 0 ..< count {
            let v = x[i]
            x[i] = 0.5 * v * (1 + erff(v * inverseRoot2))
        }
    }

    /// Row-wise softmax over `width` columns of `rows` rows with leading dimension `stride`.
    static func softmax(_ x: UnsafeMutablePointer<Float>, rows: Int, width: Int, stride: Int) {
        for r in 0 ..< rows {
            let row = x + r * stride
            var maximum = -Float.infinity
            for i in 0 ..< width { maximum = max(maximum, row[i]) }
            var sum: Float = 0
            for i in 0 ..< width {
                let e = expf(row[i] - maximum)
                row[i] = e
                sum += e
            }
            let inverse = 1 / sum
            for i in 0 ..< width { row[i] *= inverse }
        }
    }

    /// tanh in place.
    static func tanh(_ x: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0 ..< count { x[i] = tanhf(x[i]) }
    }
}
