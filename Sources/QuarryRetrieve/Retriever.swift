import Foundation
import QuarryCore
import QuarryEmbed
import QuarryIndex
import QuarryStore
import QuarryText
import QuarryWire

/// The whole retrieval pipeline of one collection, as `quarry query` and the server run it:
/// filter → analysis → embedding → lexical / dense top-n → fusion → chunk details →
/// rerank → MMR → adjacent-chunk merge, each stage timed, each hit carrying how every stage
/// saw it (`StageScores`, the `--explain` view).
///
/// Concurrency: a `Sendable` value; every stage reads immutable indexes or opens its own
/// SQLite read, so any number of retrievals may run at once.
public struct Retriever: Sendable {
    public let lexical: LexicalSearcher
    /// nil when the collection has no embeddings or no embedder was given.
    public let dense: DenseSearcher?
    public let reranker: (any Reranker)?
    /// Why there is no dense side, when there is none (said in the error or the fallback note).
    public let denseUnavailable: String?
    /// What opening had to repair.
    public let notes: [String]

    public var collection: CollectionReader { lexical.collection }

    public init(lexical: LexicalSearcher, dense: DenseSearcher?, reranker: (any Reranker)?, denseUnavailable: String? = nil) {
        self.lexical = lexical
        self.dense = dense
        self.reranker = reranker
        self.denseUnavailable = dense != nil ? nil
            : denseUnavailable ?? "collection '\(lexical.collection.name)' has no embeddings (or no embedder is configured)"
        notes = lexical.notes + (dense?.notes ?? [])
    }

    /// Opens the collection's indexes. The dense side opens when the collection holds
    /// embeddings and `embedder` is the one they were made with, or `catalog` has that
    /// model; otherwise `denseUnavailable` says which of those is missing.
    /// `quantization` is how the HNSW index holds its vectors (`retrieval.vector_quantization`).
    public static func open(home: QuarryHome, collection: String, embedder: (any Embedder)?,
                            catalog: EmbedderCatalog? = nil, reranker: (any Reranker)? = nil,
                            quantization: VectorQuantization = .none) async throws -> Retriever {
        let lexical = try await LexicalSearcher.open(home: home, collection: collection)
        let stored = lexical.collection.manifest.settings.embedder
        switch (stored, embedder) {
        case (nil, _):
            return Retriever(lexical: lexical, dense: nil, reranker: reranker,
                             denseUnavailable: "collection '\(collection)' has no embeddings")
        case (let stored?, nil):
            return Retriever(lexical: lexical, dense: nil, reranker: reranker,
                             denseUnavailable: "collection '\(collection)' was embedded with \(stored), and no embedder is configured (embedding.provider is none)")
        case (let stored?, let embedder?) where stored != embedder.identity:
            if let catalog {
                do {
                    let own = try await catalog.embedder(for: stored)
                    let dense = try await DenseSearcher.open(home: home, collection: collection, embedder: own, quantization: quantization)
                    return Retriever(lexical: lexical, dense: dense, reranker: reranker)
                } catch let error as EmbedError {
                    return Retriever(lexical: lexical, dense: nil, reranker: reranker,
                                     denseUnavailable: "collection '\(collection)' was embedded with \(stored); \(error.message)")
                }
            }
            return Retriever(lexical: lexical, dense: nil, reranker: reranker,
                             denseUnavailable: "collection '\(collection)' was embedded with \(stored); the configured embedder is \(embedder.identity) (configure the collection's embedder, or re-ingest)")
        case (_, let embedder?):
            let dense = try await DenseSearcher.open(home: home, collection: collection, embedder: embedder, quantization: quantization)
            return Retriever(lexical: lexical, dense: dense, reranker: reranker)
        }
    }

    /// The mode `options` can be served in: its own, or lexical when the dense side is
    /// missing and `modeFallback` allows it (with the note that says so).
    /// - Throws: `RetrieveError` when an explicit mode needs the missing dense side.
    public func servedMode(_ options: RetrievalOptions) throws -> (mode: SearchMode, note: String?) {
        guard options.mode != .lexical, dense == nil else { return (options.mode, nil) }
        let why = denseUnavailable ?? "collection '\(collection.name)' has no dense index"
        guard options.modeFallback else { throw RetrieveError("\(why), so \(options.mode.rawValue) retrieval cannot run (use mode lexical)") }
        return (.lexical, "\(why): lexical retrieval only")
    }

    /// A query's inputs to the first stages: its analysed terms, its embedding and how far
    /// the dense side is trusted for it.
    public struct PreparedQuery: Sendable {
        public var text: String
        public var terms: [String]
        /// nil when the mode has no dense side or the embedder cannot read the query.
        public var vector: [Float]?
        /// How far the dense list is trusted in fusion (hybrid only): `trust.value`.
        public var denseTrust: Double? { trust?.value }
        /// The dense trust and what it was read from (hybrid only).
        public var trust: DenseTrust?
        public var notes: [String] = []
        /// How a language-aware analyzer read the query (`--explain`); nil otherwise.
        public var analysis: QueryAnalysis?
    }

    /// Prepares `queries` for `mode`: every text analysed, and every text the embedder can
    /// read embedded in one batch (in hybrid mode each text's `DenseTrust`, from the
    /// embedder's script coverage and vocabulary fit; a trust of 0 skips the embedding, with
    /// a note).
    public func prepare(_ queries: [String], mode: SearchMode) async throws -> [PreparedQuery] {
        var clock = StageClock()
        return try await prepare(queries, mode: mode, clock: &clock)
    }

    func prepare(_ queries: [String], mode: SearchMode, clock: inout StageClock) async throws -> [PreparedQuery] {
        let analyses: [QueryAnalysis?] = mode == .dense ? queries.map { _ in nil }
            : try clock.time(.analysis) { try queries.map { try lexical.analyzeQuery($0) } }
        var prepared = queries.indices.map { i in
            PreparedQuery(text: queries[i], terms: analyses[i]?.terms ?? [], analysis: analyses[i]?.language == nil ? nil : analyses[i])
        }
        guard let dense, mode != .lexical else { return prepared }
        var readable: [Int] = []
        for i in prepared.indices {
            // Dense mode embeds every query; only hybrid weighs (and may skip) the dense side.
            guard mode == .hybrid else {
                readable.append(i)
                continue
            }
            let trust = DenseTrust(query: queries[i], embedder: dense.embedder, collectionFit: dense.vocabularyFit)
            prepared[i].trust = trust
            let model = dense.embedder.identity.model
            if trust.value > 0 {
                readable.append(i)
            } else if trust.script == 0 {
                let script = ScriptProfile(queries[i]).dominant ?? "the query's"
                prepared[i].notes.append("dense side skipped: the embedder \(model) does not read \(script) script")
            } else {
                let fit = String(format: "%.2f", trust.fit ?? 0)
                prepared[i].notes.append("dense side skipped: the embedder \(model) holds few of the words whole (vocabulary fit \(fit))")
            }
        }
        guard !readable.isEmpty else { return prepared }
        let texts = readable.map { queries[$0] }
        let vectors = try await clock.time(.embedding) { texts.count == 1 ? [try await dense.embedder.embedQuery(texts[0])] : try await dense.embedder.embed(texts, as: .query) }
        for (slot, i) in readable.enumerated() { prepared[i].vector = vectors[slot] }
        return prepared
    }

    /// The first stages' lists for a prepared query: the lexical and dense top-`depth` (each
    /// side `max(candidates, depth)` deep in hybrid mode) and the fused list cut to `depth`.
    public struct Candidates: Sendable {
        public var lexical: [ScoredChunk] = []
        public var dense: [ScoredChunk] = []
        public var fused: [ScoredChunk] = []
    }

    /// Ranks one prepared query: lexical, dense, or both fused.
    public func candidates(_ query: PreparedQuery, mode: SearchMode, depth: Int, options: RetrievalOptions,
                           allowed: Set<Int64>?) throws -> Candidates {
        var clock = StageClock()
        return try candidates(query, mode: mode, depth: depth, options: options, allowed: allowed, clock: &clock)
    }

    func candidates(_ query: PreparedQuery, mode: SearchMode, depth: Int, options: RetrievalOptions, allowed: Set<Int64>?,
                    clock: inout StageClock) throws -> Candidates {
        var lists = Candidates()
        switch mode {
        case .lexical:
            lists.lexical = clock.time(.lexical) { lexicalHits(query.terms, depth: depth, options: options, allowed: allowed) }
            lists.fused = lists.lexical
        case .dense:
            if let vector = query.vector { lists.dense = try clock.time(.dense) { try denseHits(vector, depth: depth, allowed: allowed) } }
            lists.fused = lists.dense
        case .hybrid:
            let sideDepth = max(options.candidates, depth)
            lists.lexical = clock.time(.lexical) { lexicalHits(query.terms, depth: sideDepth, options: options, allowed: allowed) }
            if let vector = query.vector { lists.dense = try clock.time(.dense) { try denseHits(vector, depth: sideDepth, allowed: allowed) } }
            let trust = query.denseTrust ?? 1
            lists.fused = clock.time(.fusion) {
                Array(options.fusion.fuse([lists.lexical, lists.dense], trust: [1, trust]).prefix(depth))
            }
        }
        return lists
    }

    /// The chunks the options' filter allows (nil: no filter).
    public func allowedChunks(_ options: RetrievalOptions) throws -> Set<Int64>? {
        options.filter.isEmpty ? nil : try options.filter.allowedChunks(in: collection)
    }

    /// Retrieves the top `options.k` hits for `query`: the first stages, then chunk details,
    /// rerank, MMR and the adjacent-chunk merge as the options turn them on (search is this
    /// with the later stages off).
    /// - Throws: `RetrieveError` for an empty query, bad options, a mode the collection
    ///   cannot serve or a rerank request without a reranker; the embedder's and the
    ///   reranker's own errors unchanged (a failed stage is never skipped silently).
    public func retrieve(_ query: String, options: RetrievalOptions) async throws -> Retrieval {
        try options.validate()
        guard !query.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw RetrieveError("the query is empty") }
        let (mode, modeNote) = try servedMode(options)
        if options.rerank, reranker == nil {
            throw RetrieveError("reranking was asked for but no reranker is configured (rerank.provider in the config)")
        }
        var clock = StageClock()
        let allowed: Set<Int64>? = options.filter.isEmpty ? nil : try clock.time(.filter) { try allowedChunks(options) }
        var pool = max(options.k, options.rerank ? options.rerankDepth : 0, options.mmrLambda != nil ? options.mmrPool : 0)
        if options.mergeAdjacent { pool = max(pool, options.k * 2) }

        let prepared = try await prepare([query], mode: mode, clock: &clock)[0]
        let lists = try candidates(prepared, mode: mode, depth: pool, options: options, allowed: allowed, clock: &clock)

        var hits = try clock.time(.details) { try ChunkDetails.attach(lists.fused, from: collection) }
        let lexicalRanks = Self.ranks(lists.lexical), denseRanks = Self.ranks(lists.dense)
        for i in hits.indices {
            var stages = StageScores()
            let id = hits[i].chunkID
            if let (rank, score) = lexicalRanks[id] { (stages.lexicalRank, stages.lexicalScore) = (rank, score) }
            if let (rank, score) = denseRanks[id] { (stages.denseRank, stages.denseScore) = (rank, score) }
            if mode == .hybrid { (stages.fusedRank, stages.fusedScore) = (i + 1, hits[i].score) }
            hits[i].stages = stages
        }

        if options.rerank, let reranker {
            hits = try await clock.time(.rerank) { try await Self.rerank(hits, query: query, reranker: reranker, depth: options.rerankDepth) }
        }
        if let lambda = options.mmrLambda {
            guard let dense else { throw RetrieveError("MMR needs the collection's embeddings and its embedder") }
            hits = clock.time(.mmr) { Self.diversify(hits, lambda: lambda, pool: options.mmrPool, index: dense.index) }
        }
        if options.mergeAdjacent {
            hits = try clock.time(.merge) { try AdjacentChunks.merge(hits, limit: options.k, from: collection) }
        }
        hits = Array(hits.prefix(options.k))
        for i in hits.indices { hits[i].rank = i + 1 }
        return Retrieval(query: query, mode: mode, hits: hits, timings: clock.seconds, denseTrust: prepared.denseTrust,
                         reranker: options.rerank ? reranker?.identity : nil, allowedChunks: allowed?.count,
                         notes: (modeNote.map { [$0] } ?? []) + prepared.notes, queryAnalysis: prepared.analysis?.summary,
                         fusion: mode == .hybrid ? prepared.trust.map { options.fusion.describe(trust: $0) } : nil)
    }

    func lexicalHits(_ terms: [String], depth: Int, options: RetrievalOptions, allowed: Set<Int64>?) -> [ScoredChunk] {
        lexical.index.search(terms: terms, k: depth, parameters: options.parameters, allowing: allowed)
    }

    func denseHits(_ vector: [Float], depth: Int, allowed: Set<Int64>?) throws -> [ScoredChunk] {
        guard let dense else { return [] }
        return try dense.index.search(vector, k: depth, filter: allowed.map { VectorFilter(allowing: $0) })
    }

    static func ranks(_ list: [ScoredChunk]) -> [Int64: (Int, Float)] {
        var ranks: [Int64: (Int, Float)] = [:]
        for (i, hit) in list.enumerated() { ranks[hit.chunkID] = (i + 1, hit.score) }
        return ranks
    }

    /// Reorders the top `depth` hits by the reranker's scores (ties keep the fused order);
    /// hits below the depth follow unchanged.
    static func rerank(_ hits: [SearchHit], query: String, reranker: any Reranker, depth: Int) async throws -> [SearchHit] {
        let head = Array(hits.prefix(depth))
        guard !head.isEmpty else { return hits }
        let scores = try await reranker.scores(query: query, passages: head.map(\.text))
        guard scores.count == head.count else {
            throw RetrieveError("the reranker \(reranker.identity) returned \(scores.count) scores for \(head.count) passages")
        }
        let order = head.indices.sorted { scores[$0] > scores[$1] || (scores[$0] == scores[$1] && $0 < $1) }
        var reranked: [SearchHit] = []
        for (position, index) in order.enumerated() {
            var hit = head[index]
            hit.score = scores[index]
            hit.stages?.rerankRank = position + 1
            hit.stages?.rerankScore = scores[index]
            reranked.append(hit)
        }
        return reranked + hits.dropFirst(depth)
    }

    /// MMR over the top `pool` hits: relevance is the hit's current score min-max scaled to
    /// 0…1 (so it follows fusion and reranking), redundancy the cosine similarity of chunk
    /// embeddings. Hits without a stored vector count as dissimilar to everything.
    static func diversify(_ hits: [SearchHit], lambda: Double, pool: Int, index: any VectorIndex) -> [SearchHit] {
        let head = Array(hits.prefix(pool))
        guard head.count > 1 else { return hits }
        let scores = head.map { Double($0.score) }
        let low = scores.min()!, high = scores.max()!
        let relevance = scores.map { high > low ? ($0 - low) / (high - low) : 1 }
        let vectors = head.map { index.vector(for: $0.chunkID).map(Self.normalized) }
        var chosen: [Int] = []
        var remaining = Array(head.indices)
        var maxSimilarity = [Double](repeating: 0, count: head.count)
        while !remaining.isEmpty {
            var best = remaining[0], bestValue = -Double.infinity
            for i in remaining {
                let value = lambda * relevance[i] - (1 - lambda) * (chosen.isEmpty ? 0 : maxSimilarity[i])
                if value > bestValue { (best, bestValue) = (i, value) }
            }
            chosen.append(best)
            remaining.removeAll { $0 == best }
            if let picked = vectors[best] {
                for i in remaining {
                    guard let other = vectors[i] else { continue }
                    var dot: Float = 0
                    for d in 0 ..< min(picked.count, other.count) { dot += picked[d] * other[d] }
                    maxSimilarity[i] = max(maxSimilarity[i], Double(dot))
                }
            }
        }
        var result: [SearchHit] = []
        for (position, index) in chosen.enumerated() {
            var hit = head[index]
            hit.stages?.mmrRank = position + 1
            result.append(hit)
        }
        return result + hits.dropFirst(pool)
    }

    static func normalized(_ vector: [Float]) -> [Float] {
        let norm = vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return norm > 0 ? vector.map { $0 / norm } : vector
    }
}

/// Wall-clock seconds per stage.
struct StageClock {
    private(set) var seconds: [RetrievalStage: Double] = [:]

    mutating func time<T>(_ stage: RetrievalStage, _ body: () throws -> T) rethrows -> T {
        let start = DispatchTime.now().uptimeNanoseconds
        defer { seconds[stage, default: 0] += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
        return try body()
    }

    mutating func time<T>(_ stage: RetrievalStage, _ body: () async throws -> T) async rethrows -> T {
        let start = DispatchTime.now().uptimeNanoseconds
        defer { seconds[stage, default: 0] += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
        return try await body()
    }
}
