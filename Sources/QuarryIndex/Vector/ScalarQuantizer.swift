import CKernels
import QuarryCore

/// Per-dimension 8-bit scalar quantisation (SQ8, FAISS's `QT_8bit`): component d is stored as
/// the code c = round((x − low[d]) / step[d]) in 0…255, with low and low + 255·step the
/// smallest and largest value of that dimension over the vectors it was trained on. A
/// decoded component is off by at most step/2: for MiniLM's normalised vectors, whose
/// components span about ±0.3, that is about 0.001 per component, small against the
/// distances between neighbours, and the rescoring with the float vectors removes the rest.
///
/// Why per dimension and not one range for all: a few dimensions of sentence embeddings
/// carry much wider values than the rest, and one shared range would spend most codes on
/// them.
struct ScalarQuantizer: Sendable {
    let dimension: Int
    let low: [Float]
    let step: [Float]
    let inverseStep: [Float]

    /// Trained on the nodes `0 ..< count` of `vectors` that `include` takes (all of them
    /// when it takes none, so an index of tombstones still gets a range).
    init(dimension: Int, vectors: UnsafePointer<Float>, count: Int, include: (Int) -> Bool) {
        self.dimension = dimension
        var low = [Float](repeating: .infinity, count: dimension)
        var high = [Float](repeating: -.infinity, count: dimension)
        func widen(_ node: Int) {
            let row = vectors + node * dimension
            for d in 0 ..< dimension {
                low[d] = min(low[d], row[d])
                high[d] = max(high[d], row[d])
            }
        }
        var any = false
        for node in 0 ..< count where include(node) {
            widen(node)
            any = true
        }
        if !any { for node in 0 ..< count { widen(node) } }
        for d in 0 ..< dimension where !(low[d] <= high[d]) {
            low[d] = 0
            high[d] = 0
        }
        let step = (0 ..< dimension).map { (high[$0] - low[$0]) / 255 }
        self.low = low
        self.step = step
        inverseStep = step.map { $0 > 0 ? 1 / $0 : 0 }
    }

    /// The codes of `vector` (`dimension` components) into `codes`; values outside the
    /// trained range (a vector added later) are clamped to it.
    func encode(_ vector: UnsafePointer<Float>, into codes: UnsafeMutablePointer<UInt8>) {
        low.withUnsafeBufferPointer { low in
            inverseStep.withUnsafeBufferPointer { inverse in
                qd_sq8_encode(vector, low.baseAddress!, inverse.baseAddress!, codes, Int32(dimension))
            }
        }
    }

    /// What a search against the codes needs of its query: for an inner product
    /// `query[d]·step[d]` and the constant Σ query[d]·low[d]; for l2 the residual
    /// `query[d] − low[d]`.
    func prepare(_ query: UnsafePointer<Float>, form: DistanceKernel.Form) -> (values: [Float], offset: Float) {
        switch form {
        case .negativeInnerProduct:
            var offset: Float = 0
            for d in 0 ..< dimension { offset += query[d] * low[d] }
            return ((0 ..< dimension).map { query[$0] * step[$0] }, offset)
        case .squaredEuclidean:
            return ((0 ..< dimension).map { query[$0] - low[$0] }, 0)
        }
    }
}

/// How a graph search scores its query against nodes: full-precision vectors
/// (`VectorScorer`) or their codes (`CodeScorer`). The search loops are generic over it, so
/// each is specialised and the call inlines.
protocol NodeScorer {
    func distance(to node: HNSWGraph.NodeID) -> Float
    /// `output[i]` = the distance to `rows[i]`, for `i < count`, in one prefetching call.
    func distances(_ rows: UnsafePointer<UInt32>, count: Int, into output: UnsafeMutablePointer<Float>)
}

/// Exact distances to the float vectors.
struct VectorScorer: NodeScorer {
    let query: UnsafePointer<Float>
    let vectors: UnsafePointer<Float>
    let kernel: DistanceKernel

    init(_ query: UnsafePointer<Float>, _ graph: borrowing HNSWGraph) {
        self.query = query
        vectors = UnsafePointer(graph.vectors)
        kernel = graph.kernel
    }

    @inline(__always)
    func distance(to node: HNSWGraph.NodeID) -> Float {
        kernel.distance(query, vectors + Int(node) &* kernel.dimension)
    }

    @inline(__always)
    func distances(_ rows: UnsafePointer<UInt32>, count: Int, into output: UnsafeMutablePointer<Float>) {
        kernel.distances(query, rows: rows, count: count, of: vectors, into: output)
    }
}

/// Approximate distances to the SQ8 codes, from a query prepared by
/// `ScalarQuantizer.prepare` (the pointers must outlive the scorer).
struct CodeScorer: NodeScorer {
    let prepared: UnsafePointer<Float>
    let offset: Float
    let step: UnsafePointer<Float>
    let codes: UnsafePointer<UInt8>
    let dimension: Int32
    let form: DistanceKernel.Form

    @inline(__always)
    func distance(to node: HNSWGraph.NodeID) -> Float {
        var row = node
        var out: Float = 0
        distances(&row, count: 1, into: &out)
        return out
    }

    @inline(__always)
    func distances(_ rows: UnsafePointer<UInt32>, count: Int, into output: UnsafeMutablePointer<Float>) {
        switch form {
        case .negativeInnerProduct:
            qd_sq8_negative_inner_product_rows(prepared, offset, codes, rows, Int32(truncatingIfNeeded: count), dimension, output)
        case .squaredEuclidean:
            qd_sq8_squared_euclidean_rows(prepared, step, codes, rows, Int32(truncatingIfNeeded: count), dimension, output)
        }
    }
}
