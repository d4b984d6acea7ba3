import QuarryIndex
import QuarryRetrieve
import QuarryWire

extension Retriever {
    /// One mode's top `k`, the later stages off: what `quarry search` runs.
    func search(_ query: String, mode: SearchMode, k: Int) async throws -> [SearchHit] {
        var options = RetrievalOptions().firstStagesOnly
        options.mode = mode
        options.k = k
        return try await retrieve(query, options: options).hits.map { hit in
            var hit = hit
            hit.stages = nil
            return hit
        }
    }

    /// A batch run in one mode (TREC rankings).
    func batch(_ queries: [Query], mode: SearchMode, k: Int) async throws -> [BatchSearch.Ranking] {
        var options = RetrievalOptions()
        options.mode = mode
        return try await BatchSearch.run(self, queries, k: k, options: options).rankings
    }
}

extension LexicalSearcher {
    /// Lexical search through the one retrieval path.
    func search(_ query: String, k: Int) async throws -> [SearchHit] {
        try await Retriever(lexical: self, dense: nil, reranker: nil).search(query, mode: .lexical, k: k)
    }
}

/// A ranked list written as (chunk id, score) pairs.
func scored(_ pairs: [(Int64, Float)]) -> [ScoredChunk] {
    pairs.map { ScoredChunk(chunkID: $0.0, score: $0.1) }
}
