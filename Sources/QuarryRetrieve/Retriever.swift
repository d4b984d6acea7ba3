import Foundation
import QuarryCore
import QuarryEmbed
import QuarryIndex
import QuarryStore
import QuarryText

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
    /// What opening had to repair.
    public let notes: [String]

    public var collection: CollectionReader { lexical.collection }

    public init(lexical: LexicalSearcher, dense: DenseSearcher?, reranker: (any Reranker)?) {
        self.lexical = lexical
        self.dense = dense
        self.reranker = reranker
        notes = lexical.notes + (dense?.notes ?? [])
    }

    /// Opens the collection's indexes. The dense side opens only when the collection holds
    /// embeddings and `embedder` is given (it must be the collection's own).
    public static func open(home: QuarryHome, collection: String, embedder: (any Embedder)?,
                            reranker: (any Reranker)? = nil) async throws -> Retriever {
        let lexical = try await LexicalSearcher.open(home: home, collection: collection)
        var dense: DenseSearcher?
        if let embedder, lexical.collection.manifest.settings.embedder != nil {
            dense = try await DenseSearcher.open(home: home, collection: collection, embedder: embedder)
        }
        return Retriever(lexical: lexical, dense: dense, reranker: reranker)
    }

    /// Retrieves the top `options.k` hits for `query`.
    /// - Throws: `RetrieveError` for an empty query, bad options, a mode the collection
    ///   cannot serve or a rerank request without a reranker; the embedder's and the
    ///   reranker's own errors unchanged (a failed stage is never skipped silently).
    public func retrieve(_ query: String, options: RetrievalOptions) async throws -> Retrieval {
        try options.validate()
        guard !query.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw RetrieveError("the query is empty") }
        if options.mode != .lexical, dense == nil {
            throw RetrieveError("collection '\(collection.name)' has no embeddings (or no embedder is configured); use --mode lexical")
        }
        if options.rerank, reranker == nil {
            throw RetrieveError("reranking was asked for but no reranker is configured (rerank.provider in the config)")
        }
        var clock = StageClock()
        var notes: [String] = []

        let allowed: Set<Int64>? = options.filter.isEmpty ? nil
            : try clock.time(.filter) { try options.filter.allowedChunks(in: collection) }
        var pool = max(options.k, options.rerank ? options.rerankDepth : 0, options.mmrLambda != nil ? options.mmrPool : 0)
        if options.mergeAdjacent { pool = max(pool, options.k * 2) }

        let terms = options.mode == .dense ? [] : try clock.time(.analysis) { try lexical.analyzer.terms(query) }
        var trust: Double?
        var vector: [Float]?
        if let dense, options.mode != .lexical {
            let weight = options.mode == .hybrid ? Fusion.denseTrust(coverage: dense.embedder.coverage(of: query)) : 1
            trust = options.mode == .hybrid ? weight : nil
            if weight > 0 {
                vector = try await clock.time(.embedding) { try await dense.embedder.embed(query) }
            } else {
                let script = ScriptProfile(query).dominant ?? "the query's"
                notes.append("dense side skipped: the embedder \(dense.embedder.identity.model) does not read \(script) script")
            }
        }

        var lexicalList: [(chunkID: Int64, score: Float)] = []
        var denseList: [(chunkID: Int64, score: Float)] = []
        var fused: [(chunkID: Int64, score: Float)]
        switch options.mode {
        case .lexical:
            lexicalList = clock.time(.lexical) { lexicalHits(terms, depth: pool, options: options, allowed: allowed) }
            fused = lexicalList
        case .dense:
            denseList = try clock.time(.dense) { try denseHits(vector!, depth: pool, allowed: allowed) }
            fused = denseList
        case .hybrid:
            let depth = max(options.candidates, pool)
            lexicalList = clock.time(.lexical) { lexicalHits(terms, depth: depth, options: options, allowed: allowed) }
            if let vector { denseList = try clock.time(.dense) { try denseHits(vector, depth: depth, allowed: allowed) } }
            fused = clock.time(.fusion) {
                Array(options.fusion.fuse([lexicalList, denseList], trust: [1, trust ?? 1]).prefix(pool))
            }
        }

        var hits = try clock.time(.details) { try ChunkDetails.attach(fused, from: collection) }
        let lexicalRanks = Self.ranks(lexicalList), denseRanks = Self.ranks(denseList)
        for i in hits.indices {
            var stages = StageScores()
            let id = hits[i].chunkID
            if let (rank, score) = lexicalRanks[id] { (stages.lexicalRank, stages.lexicalScore) = (rank, score) }
            if let (rank, score) = denseRanks[id] { (stages.denseRank, stages.denseScore) = (rank, score) }
            if options.mode == .hybrid { (stages.fusedRank, stages.fusedScore) = (i + 1, hits[i].score) }
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
        return Retrieval(query: query, mode: options.mode, hits: hits, timings: clock.seconds, denseTrust: trust,
                         reranker: options.rerank ? reranker?.identity : nil, allowedChunks: allowed?.count, notes: notes)
    }

    func lexicalHits(_ terms: [String], depth: Int, options: RetrievalOptions, allowed: Set<Int64>?) -> [(chunkID: Int64, score: Float)] {
        lexical.index.search(terms: terms, k: depth, parameters: options.parameters, allowing: allowed).map { (chunkID: $0.chunkID, score: $0.score) }
    }

    func denseHits(_ vector: [Float], depth: Int, allowed: Set<Int64>?) throws -> [(chunkID: Int64, score: Float)] {
        guard let dense else { return [] }
        return try dense.index.search(vector, k: depth, filter: allowed.map { VectorFilter(allowing: $0) }).map { (chunkID: $0.id, score: $0.score) }
    }

    static func ranks(_ list: [(chunkID: Int64, score: Float)]) -> [Int64: (Int, Float)] {
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
    static func diversify(_ hits: [SearchHit], lambda: Double, pool: Int, index: HNSWIndex) -> [SearchHit] {
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
