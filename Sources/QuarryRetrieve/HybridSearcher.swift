import QuarryCore
import QuarryEmbed
import QuarryIndex
import QuarryStore

/// Hybrid search: the lexical top-n and the dense top-n of one collection, fused (RRF by
/// default). Both sides open with their own checks (the embedder must be the collection's).
public struct HybridSearcher: Sendable {
    public let lexical: LexicalSearcher
    public let dense: DenseSearcher
    public var fusion: Fusion
    /// Hits taken from each side before fusing (the n of "top-n").
    public var candidates: Int

    public static func open(home: QuarryHome, collection: String, embedder: any Embedder,
                            fusion: Fusion = .reciprocalRank(), candidates: Int = 100) async throws -> HybridSearcher {
        HybridSearcher(lexical: try await LexicalSearcher.open(home: home, collection: collection),
                       dense: try await DenseSearcher.open(home: home, collection: collection, embedder: embedder),
                       fusion: fusion, candidates: candidates)
    }

    public var notes: [String] { lexical.notes + dense.notes }

    /// Fused chunks for already-analysed terms and an embedded query vector.
    public func rank(terms: [String], vector: [Float], k: Int, parameters: BM25Parameters = BM25Parameters()) throws
        -> [(chunkID: Int64, score: Float)] {
        let depth = max(candidates, k)
        let lexicalHits = lexical.index.search(terms: terms, k: depth, parameters: parameters).map { (chunkID: $0.chunkID, score: $0.score) }
        let denseHits = try dense.index.search(vector, k: depth, filter: nil).map { (chunkID: $0.id, score: $0.score) }
        return Array(fusion.fuse([lexicalHits, denseHits]).prefix(k))
    }

    /// The top `k` fused chunks for `query`.
    public func search(_ query: String, k: Int, parameters: BM25Parameters = BM25Parameters()) async throws -> [SearchHit] {
        let vector = try await dense.embedder.embed(query)
        let hits = try rank(terms: try lexical.analyzer.terms(query), vector: vector, k: k, parameters: parameters)
        return try ChunkDetails.attach(hits, from: lexical.collection)
    }
}
