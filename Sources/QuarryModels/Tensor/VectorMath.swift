import CKernels

/// The element-wise kernels of a transformer layer. They live in C (CBLAS/qkernels.c),
/// compiled for AVX-512, AVX2 and baseline x86-64 with the best chosen at load time:
/// Swift's SIMD types lowered parts of them to per-lane loops, and scalar `erff`/`expf`
/// alone took a quarter of the encoder's time.
enum VectorMath {
    /// In-place LayerNorm: (x − mean)/√(var + eps)·γ + β per row (two-pass variance).
    static func layerNorm(_ x: UnsafeMutablePointer<Float>, rows: Int, width: Int, gamma: UnsafePointer<Float>,
                          beta: UnsafePointer<Float>, epsilon: Float) {
        qk_layernorm(x, Int32(rows), Int32(width), gamma, beta, epsilon)
    }

    /// Adds a bias vector to each of `rows` rows.
    static func addBias(_ x: UnsafeMutablePointer<Float>, rows: Int, width: Int, bias: UnsafePointer<Float>) {
        qk_add_bias(x, Int32(rows), Int32(width), bias)
    }

    /// x += y, element-wise.
    static func add(_ x: UnsafeMutablePointer<Float>, _ y: UnsafePointer<Float>, count: Int) {
        qk_add(x, y, Int64(count))
    }

    /// Exact GELU, 0.5·x·(1 + erf(x/√2)) — BERT's "gelu", not the tanh approximation.
    static func gelu(_ x: UnsafeMutablePointer<Float>, count: Int) {
        qk_gelu(x, Int64(count))
    }

    /// Row-wise softmax over `width` columns of `rows` rows with leading dimension `stride`.
    static func softmax(_ x: UnsafeMutablePointer<Float>, rows: Int, width: Int, stride: Int) {
        qk_softmax(x, Int32(rows), Int32(width), Int32(stride))
    }
}
