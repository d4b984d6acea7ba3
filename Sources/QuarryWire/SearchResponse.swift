// QuarryWire — what the HTTP API and `--json` output carry.

import QuarryCore

/// The answer of `POST …/search`.
public struct SearchResponse: Sendable, Codable {
    public var collection: String
    public var generation: Int
    public var mode: SearchMode
    public var hits: [SearchHit]
    public var timingsMilliseconds: [String: Double]
    public var denseTrust: Double?
    public var reranker: String?
    public var notes: [String]
    /// How a language-aware analyzer read the query; nil otherwise.
    public var queryAnalysis: String? = nil
    /// How the lexical and dense lists were fused and how far the dense one was trusted, and
    /// why (hybrid only).
    public var fusion: String? = nil

    public init(collection: String, generation: Int, mode: SearchMode, hits: [SearchHit], timingsMilliseconds: [String: Double],
                denseTrust: Double?, reranker: String?, notes: [String]) {
        self.collection = collection
        self.generation = generation
        self.mode = mode
        self.hits = hits
        self.timingsMilliseconds = timingsMilliseconds
        self.denseTrust = denseTrust
        self.reranker = reranker
        self.notes = notes
    }

    enum CodingKeys: String, CodingKey {
        case collection, generation, mode, hits, timingsMilliseconds = "timings_ms", denseTrust = "dense_trust", reranker, notes, queryAnalysis = "query_analysis", fusion
    }
}
