/// A type that finds the stored vectors nearest to a query: the seam dense retrieval uses.
///
/// `FlatIndex` is the exact twin (the recall oracle); `HNSWIndex` is the production,
/// approximate implementation. Results hold at most `k` live ids ordered by score
/// descending, ties by id ascending. Implementations are safe to search from any number of
/// threads at once, also while one writer adds or removes vectors.
public protocol VectorIndex: Sendable {
    /// The length every stored and query vector must have.
    var dimension: Int { get }
    /// How vectors are compared.
    var metric: VectorMetric { get }
    /// Live (searchable) vectors.
    var count: Int { get }
    /// The `k` stored vectors nearest to `query` among those `filter` allows (all when nil).
    /// - Throws: `IndexError.invalidArgument` for a query of the wrong dimension, with a
    ///   non-finite component, a zero query under cosine, or a negative `k`.
    func search(_ query: [Float], k: Int, filter: VectorFilter?) throws -> [ScoredChunk]
    /// The stored vector of `id` as it was added (nil when `id` is not live): MMR compares
    /// hits by these.
    func vector(for id: ChunkID) -> [Float]?
}

extension VectorIndex {
    /// The `k` nearest stored vectors, unfiltered.
    public func search(_ query: [Float], k: Int) throws -> [ScoredChunk] {
        try search(query, k: k, filter: nil)
    }

    /// The `k` nearest stored vectors among `ids`.
    public func search(_ query: [Float], k: Int, allowing ids: Set<Int64>) throws -> [ScoredChunk] {
        try search(query, k: k, filter: VectorFilter(allowing: ids))
    }

    /// Whether no live vector is stored.
    public var isEmpty: Bool { count == 0 }
}

/// The input checks every vector index shares, so backends only store and search.
enum VectorInput {
    /// A copy of `vector` ready to store or compare: checked for dimension and finiteness,
    /// and normalised under cosine.
    /// - Throws: `IndexError.invalidArgument` naming `role` ("vector", "query").
    static func prepare(_ vector: [Float], dimension: Int, metric: VectorMetric, role: String) throws -> [Float] {
        guard vector.count == dimension else {
            throw IndexError(.invalidArgument, path: "", "\(role) has dimension \(vector.count); the index expects \(dimension)")
        }
        var sumOfSquares: Double = 0
        for x in vector {
            guard x.isFinite else { throw IndexError(.invalidArgument, path: "", "\(role) has a non-finite component (\(x))") }
            sumOfSquares += Double(x) * Double(x)
        }
        guard metric.normalizesVectors else { return vector }
        let norm = sumOfSquares.squareRoot()
        guard norm > 0, norm.isFinite else {
            throw IndexError(.invalidArgument, path: "", "\(role) is a zero vector, which has no cosine similarity")
        }
        let scale = 1 / norm
        return vector.map { Float(Double($0) * scale) }
    }

    /// Checks `k` and says how many hits to return at most.
    static func limit(_ k: Int, live: Int) throws -> Int {
        guard k >= 0 else { throw IndexError(.invalidArgument, path: "", "k must be at least 0, got \(k)") }
        return min(k, live)
    }
}
