import QuarryCore
import QuarryEmbed
import QuarryIndex
import QuarryStore

/// Hybrid search: the lexical top-n and the dense top-n of one collection, fused (RRF by
/// default). Both sides open with their own checks (the embedder must be the collection's).
///
/// The dense side is trusted in proportion to the embedder's coverage of the query's
/// letters (`Embedder.coverage(of:)`): an English-only model reads an Arabic query as noise,
/// so its list gets weight 0 and the fused order is BM25's. ARCHITECTURE.md ("Fusion that
/// knows when a side is blind") gives the rule and the per-corpus figures.
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

    /// How far the dense list is trusted for `query` (0…1).
    public func denseTrust(_ query: String) -> Double { Fusion.denseTrust(coverage: dense.embedder.coverage(of: query)) }

    /// Both sides' lists and the fused list for already-analysed terms and an embedded query
    /// vector (nil when the dense side is not trusted at all).
    public func lists(terms: [String], vector: [Float]?, k: Int, denseTrust: Double, allowed: Set<Int64>? = nil,
                      parameters: BM25Parameters = BM25Parameters()) throws
        -> (lexical: [(chunkID: Int64, score: Float)], dense: [(chunkID: Int64, score: Float)], fused: [(chunkID: Int64, score: Float)]) {
        let depth = max(candidates, k)
        let lexicalHits = lexical.index.search(terms: terms, k: depth, parameters: parameters, allowing: allowed)
            .map { (chunkID: $0.chunkID, score: $0.score) }
        var denseHits: [(chunkID: Int64, score: Float)] = []
        if let vector, denseTrust > 0 {
            denseHits = try dense.index.search(vector, k: depth, filter: allowed.map { VectorFilter(allowing: $0) })
                .map { (chunkID: $0.id, score: $0.score) }
        }
        let fused = fusion.fuse([lexicalHits, denseHits], trust: [1, denseTrust])
        return (lexicalHits, denseHits, Array(fused.prefix(k)))
    }

    /// Fused chunks for already-analysed terms and an embedded query vector.
    public func rank(terms: [String], vector: [Float]?, k: Int, denseTrust: Double = 1,
                     parameters: BM25Parameters = BM25Parameters()) throws -> [(chunkID: Int64, score: Float)] {
        try lists(terms: terms, vector: vector, k: k, denseTrust: denseTrust, parameters: parameters).fused
    }

    /// The top `k` fused chunks for `query`.
    public func search(_ query: String, k: Int, parameters: BM25Parameters = BM25Parameters()) async throws -> [SearchHit] {
        let trust = denseTrust(query)
        let vector = trust > 0 ? try await dense.embedder.embed(query) : nil
        let hits = try rank(terms: try lexical.analyzer.terms(query), vector: vector, k: k, denseTrust: trust, parameters: parameters)
        return try ChunkDetails.attach(hits, from: lexical.collection)
    }
}
