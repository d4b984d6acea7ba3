import QuarryCore
import QuarryIndex
import QuarryWire

/// What one retrieval does: the mode, how many hits, the filter and the optional stages.
/// Defaults are what `quarry query` uses.
public struct RetrievalOptions: Sendable {
    public var mode: SearchMode = .hybrid
    /// When the collection cannot serve `mode`'s dense side (no embeddings, no or another
    /// embedder), retrieve lexically and say so instead of failing. True for the configured
    /// default mode; an explicit mode is served or refused.
    public var modeFallback = false
    /// Hits returned (1…`maxK`).
    public var k: Int = 5
    /// The largest `k` any front end allows (a TREC run of 10,000 documents per query).
    public static let maxK = 10_000
    /// Hits taken from each side before fusion (the n of "top-n").
    public var candidates: Int = 100
    public var fusion: Fusion = .auto
    /// The `retrieval.*` settings these options start from: a request that switches to a
    /// fusion method other than the configured one takes that method's configured parts
    /// (`Fusion(_:configured:)`).
    public var configured = RetrievalSettings()
    public var filter = MetadataFilter()
    /// Rerank the top `rerankDepth` fused hits (needs a configured reranker).
    public var rerank = false
    public var rerankDepth = 30
    /// Maximal marginal relevance (Carbonell & Goldstein 1998): λ·relevance − (1−λ)·max
    /// similarity to hits already chosen, over the top `mmrPool` hits; nil turns it off.
    public var mmrLambda: Double?
    public var mmrPool = 30
    /// Adjacent chunks of one document that both qualify become one hit spanning both.
    public var mergeAdjacent = true
    public var parameters = BM25Parameters()

    public init() {}

    /// The `retrieval.*` and `rerank.depth` settings as options (every front end starts
    /// from these).
    public init(_ settings: RetrievalSettings, rerankDepth: Int = 30) {
        self.init()
        mode = settings.mode
        modeFallback = true
        self.rerankDepth = rerankDepth
        k = settings.k
        candidates = settings.candidates
        configured = settings
        fusion = Fusion(settings.fusion, configured: settings)
        mmrLambda = settings.mmrLambda < 0 ? nil : settings.mmrLambda
        mergeAdjacent = settings.mergeAdjacent
    }

    /// Checks the numbers.
    /// - Throws: `RetrieveError` naming the option and its range.
    public func validate() throws {
        guard (1 ... Self.maxK).contains(k) else { throw RetrieveError("k must be 1...\(Self.maxK) (got \(k))") }
        try parameters.validate()
        guard (1 ... 10000).contains(candidates) else { throw RetrieveError("candidates must be 1...10000 (got \(candidates))") }
        guard (1 ... 1000).contains(rerankDepth) else { throw RetrieveError("rerank depth must be 1...1000 (got \(rerankDepth))") }
        guard (1 ... 1000).contains(mmrPool) else { throw RetrieveError("MMR pool must be 1...1000 (got \(mmrPool))") }
        if let mmrLambda, !(mmrLambda >= 0 && mmrLambda <= 1) {
            throw RetrieveError("MMR lambda must be within 0...1 (got \(mmrLambda))")
        }
        if case .convex(let weight, _) = fusion, !(weight >= 0 && weight <= 1) {
            throw RetrieveError("dense weight must be within 0...1 (got \(weight))")
        }
        if case .reciprocalRank(let rrfK) = fusion, !(rrfK >= 0 && rrfK.isFinite) {
            throw RetrieveError("RRF k must be a finite number >= 0 (got \(rrfK))")
        }
    }
}

extension RetrievalOptions {
    /// These options with the later stages off: what `quarry search` and a batch run rank by.
    public var firstStagesOnly: RetrievalOptions {
        var options = self
        options.rerank = false
        options.mmrLambda = nil
        options.mergeAdjacent = false
        return options
    }
}

/// The stages of one retrieval, in pipeline order; timings are keyed by these names.
public enum RetrievalStage: String, Sendable, CaseIterable, Codable {
    case filter, analysis, embedding, lexical, dense, fusion, details, rerank, mmr, merge
}

/// What a retrieval found and what it took.
public struct Retrieval: Sendable {
    public var query: String
    public var mode: SearchMode
    public var hits: [SearchHit]
    /// Seconds per stage that ran.
    public var timings: [RetrievalStage: Double]
    /// How far the dense list was trusted in fusion (hybrid only): `DenseTrust.value`, the
    /// embedder's reading of the query's script and of the query's and collection's words.
    public var denseTrust: Double?
    /// The reranker's identity when one ran.
    public var reranker: String?
    /// Chunks the filter allowed, when there was a filter.
    public var allowedChunks: Int?
    /// Things the caller should tell the user (a side skipped, an index rebuilt).
    public var notes: [String]
    /// How the query was analysed, for a language-aware analyzer: "query language en
    /// (reliable, 93%): english chain".
    public var queryAnalysis: String? = nil
    /// How the two lists were fused, with the trust and its parts (hybrid only): "auto: dense
    /// weight 0.43 (0.70 × trust), trust 0.62 = script 1.00 × vocabulary 0.62 (fit 0.57: …)".
    public var fusion: String? = nil
}
