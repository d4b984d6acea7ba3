import CKernels

/// The distance function of one metric and dimension, chosen once when an index is created
/// so the search loops never branch on strings or dispatch dynamically.
///
/// Every metric is turned into a *distance* (lower is closer) so the graph code has one
/// ordering: `−⟨a, b⟩` for cosine (on normalised vectors) and inner product, `‖a − b‖²` for
/// l2. A hit's score is the negated distance (see `VectorMetric`).
///
/// The distances come from the C kernels in `CBLAS/qdistance.c`, compiled for AVX-512,
/// AVX2 and baseline x86-64 and chosen when the library loads (the Swift module itself is
/// built for the baseline target, where SIMD code lowers to SSE2: up to 1.6× slower HNSW
/// search than hnswlib's AVX-512 kernels). They are built with -O3 in debug builds too.
/// `distances(_:rows:count:of:into:)` scores one query against a list of rows in one call
/// (an HNSW node's neighbours), prefetching the next row while scoring one.
///
/// The Swift kernels below are kept as references: SIMD (32 floats per step in two
/// `SIMD16<Float>` accumulators), an 8-way unrolled scalar loop, and the `Double` reference
/// that `DistanceKernelTests` checks all of them against.
public struct DistanceKernel: Sendable, Equatable {
    /// What the kernel computes.
    public enum Form: Sendable, Equatable {
        /// `−⟨a, b⟩`: cosine (normalised vectors) and inner product.
        case negativeInnerProduct
        /// `‖a − b‖²`.
        case squaredEuclidean
    }

    public let metric: VectorMetric
    public let dimension: Int
    public let form: Form
    /// `dimension` as the C kernels take it (indexes limit dimensions to 65,536).
    let count32: Int32

    /// The kernel for `metric` over `dimension`-long vectors (`dimension` ≥ 1).
    public init(metric: VectorMetric, dimension: Int) {
        precondition(dimension > 0 && dimension <= Int(Int32.max), "a vector dimension must be positive and fit in Int32")
        self.metric = metric
        self.dimension = dimension
        count32 = Int32(dimension)
        form = metric == .l2 ? .squaredEuclidean : .negativeInnerProduct
    }

    /// The distance between two `dimension`-long vectors (lower is closer).
    @inline(__always)
    public func distance(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>) -> Float {
        switch form {
        case .negativeInnerProduct: -qd_inner_product(a, b, count32)
        case .squaredEuclidean: qd_squared_euclidean(a, b, count32)
        }
    }

    /// `output[i] = distance(query, matrix + rows[i] · dimension)` for `i < count`: one
    /// query against rows of a row-major matrix of `dimension`-long vectors, in one call.
    /// Each value equals what `distance` returns for the same pair.
    @inline(__always)
    func distances(_ query: UnsafePointer<Float>, rows: UnsafePointer<UInt32>, count: Int, of matrix: UnsafePointer<Float>,
                   into output: UnsafeMutablePointer<Float>) {
        switch form {
        case .negativeInnerProduct: qd_negative_inner_product_rows(query, matrix, rows, Int32(truncatingIfNeeded: count), count32, output)
        case .squaredEuclidean: qd_squared_euclidean_rows(query, matrix, rows, Int32(truncatingIfNeeded: count), count32, output)
        }
    }

    /// The score of two vectors as an index reports it (higher is better). Both must have
    /// `dimension` elements and, for cosine, already be normalised.
    public func score(_ a: [Float], _ b: [Float]) -> Float {
        precondition(a.count == dimension && b.count == dimension, "vectors must have the kernel's dimension")
        return a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in -distance(a.baseAddress!, b.baseAddress!) }
        }
    }

    // MARK: SIMD kernels

    /// ⟨a, b⟩ with SIMD16 × 2 accumulators, then SIMD8 / SIMD4 / scalar tails.
    @inline(__always)
    static func simdInnerProduct(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
        let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
        var acc0 = SIMD16<Float>(), acc1 = SIMD16<Float>()
        var i = 0
        while i &+ 32 <= n {
            let offset = i &* 4
            acc0 += ra.loadUnaligned(fromByteOffset: offset, as: SIMD16<Float>.self)
                * rb.loadUnaligned(fromByteOffset: offset, as: SIMD16<Float>.self)
            acc1 += ra.loadUnaligned(fromByteOffset: offset &+ 64, as: SIMD16<Float>.self)
                * rb.loadUnaligned(fromByteOffset: offset &+ 64, as: SIMD16<Float>.self)
            i &+= 32
        }
        if i &+ 16 <= n {
            acc0 += ra.loadUnaligned(fromByteOffset: i &* 4, as: SIMD16<Float>.self)
                * rb.loadUnaligned(fromByteOffset: i &* 4, as: SIMD16<Float>.self)
            i &+= 16
        }
        let sum16 = acc0 + acc1
        var sum8 = sum16.lowHalf + sum16.highHalf
        if i &+ 8 <= n {
            sum8 += ra.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self)
                * rb.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self)
            i &+= 8
        }
        var sum4 = sum8.lowHalf + sum8.highHalf
        if i &+ 4 <= n {
            sum4 += ra.loadUnaligned(fromByteOffset: i &* 4, as: SIMD4<Float>.self)
                * rb.loadUnaligned(fromByteOffset: i &* 4, as: SIMD4<Float>.self)
            i &+= 4
        }
        let sum2 = sum4.lowHalf + sum4.highHalf
        var result = sum2.x + sum2.y
        while i < n {
            result += a[i] * b[i]
            i &+= 1
        }
        return result
    }

    /// ‖a − b‖² with the same blocking as `simdInnerProduct`.
    @inline(__always)
    static func simdSquaredEuclidean(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
        let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
        var acc0 = SIMD16<Float>(), acc1 = SIMD16<Float>()
        var i = 0
        while i &+ 32 <= n {
            let offset = i &* 4
            let d0 = ra.loadUnaligned(fromByteOffset: offset, as: SIMD16<Float>.self)
                - rb.loadUnaligned(fromByteOffset: offset, as: SIMD16<Float>.self)
            let d1 = ra.loadUnaligned(fromByteOffset: offset &+ 64, as: SIMD16<Float>.self)
                - rb.loadUnaligned(fromByteOffset: offset &+ 64, as: SIMD16<Float>.self)
            acc0 += d0 * d0
            acc1 += d1 * d1
            i &+= 32
        }
        if i &+ 16 <= n {
            let d = ra.loadUnaligned(fromByteOffset: i &* 4, as: SIMD16<Float>.self)
                - rb.loadUnaligned(fromByteOffset: i &* 4, as: SIMD16<Float>.self)
            acc0 += d * d
            i &+= 16
        }
        let sum16 = acc0 + acc1
        var sum8 = sum16.lowHalf + sum16.highHalf
        if i &+ 8 <= n {
            let d = ra.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self)
                - rb.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self)
            sum8 += d * d
            i &+= 8
        }
        var sum4 = sum8.lowHalf + sum8.highHalf
        if i &+ 4 <= n {
            let d = ra.loadUnaligned(fromByteOffset: i &* 4, as: SIMD4<Float>.self)
                - rb.loadUnaligned(fromByteOffset: i &* 4, as: SIMD4<Float>.self)
            sum4 += d * d
            i &+= 4
        }
        let sum2 = sum4.lowHalf + sum4.highHalf
        var result = sum2.x + sum2.y
        while i < n {
            let d = a[i] - b[i]
            result += d * d
            i &+= 1
        }
        return result
    }

    // MARK: Scalar kernels

    /// ⟨a, b⟩ in plain scalar code, 8-way unrolled with pointer bumps (fast without the
    /// optimiser).
    static func unrolledInnerProduct(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
        var r0: Float = 0, r1: Float = 0, r2: Float = 0, r3: Float = 0
        var pa = a, pb = b
        var left = n
        while left >= 8 {
            r0 += pa[0] * pb[0] + pa[4] * pb[4]
            r1 += pa[1] * pb[1] + pa[5] * pb[5]
            r2 += pa[2] * pb[2] + pa[6] * pb[6]
            r3 += pa[3] * pb[3] + pa[7] * pb[7]
            pa += 8
            pb += 8
            left &-= 8
        }
        while left > 0 {
            r0 += pa[0] * pb[0]
            pa += 1
            pb += 1
            left &-= 1
        }
        return (r0 + r1) + (r2 + r3)
    }

    /// ‖a − b‖² in plain scalar code, unrolled like `unrolledInnerProduct`.
    static func unrolledSquaredEuclidean(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
        var r0: Float = 0, r1: Float = 0, r2: Float = 0, r3: Float = 0
        var pa = a, pb = b
        var left = n
        while left >= 4 {
            let d0 = pa[0] - pb[0], d1 = pa[1] - pb[1], d2 = pa[2] - pb[2], d3 = pa[3] - pb[3]
            r0 += d0 * d0
            r1 += d1 * d1
            r2 += d2 * d2
            r3 += d3 * d3
            pa += 4
            pb += 4
            left &-= 4
        }
        while left > 0 {
            let d = pa[0] - pb[0]
            r0 += d * d
            pa += 1
            pb += 1
            left &-= 1
        }
        return (r0 + r1) + (r2 + r3)
    }

    /// The distance in `Double`, one element at a time: the reference the fast kernels are
    /// tested against.
    static func referenceDistance(_ form: Form, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Double {
        var sum: Double = 0
        for i in 0 ..< n {
            switch form {
            case .negativeInnerProduct: sum -= Double(a[i]) * Double(b[i])
            case .squaredEuclidean: sum += (Double(a[i]) - Double(b[i])) * (Double(a[i]) - Double(b[i]))
            }
        }
        return sum
    }
}
