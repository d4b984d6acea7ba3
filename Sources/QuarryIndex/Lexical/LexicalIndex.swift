/// A type that ranks chunks for a bag of query terms: the seam lexical retrieval uses.
///
/// Terms come from the collection's analyzer (the same one that indexed the chunks);
/// a term repeated in the query counts once per repetition. Results are ordered by score
/// descending, ties by chunk id ascending, and hold only chunks with a positive score.
///
/// `BM25Index` (the mapped file, MaxScore) is the production implementation and
/// `MemoryLexicalIndex` its in-memory twin; `LexicalIndexConformanceTests` runs one suite
/// on both, and a backend added later (PostgreSQL) must pass it too.
public protocol LexicalIndex: Sendable {
    /// Live chunks in the index.
    var documentCount: Int { get }
    /// The top `k` among the chunks in `allowed` (all chunks when nil). The filter applies
    /// before ranking: a disallowed chunk never takes a place, so a selective filter still
    /// returns `k` hits when `k` allowed chunks match.
    func search(terms: [String], k: Int, parameters: BM25Parameters, allowing allowed: Set<ChunkID>?) -> [ScoredChunk]
    /// The BM25 idf of `term` (an analysed term), 0 when no chunk holds it.
    func idf(_ term: String) -> Float
    /// Whether any chunk holds `term`.
    func contains(term: String) -> Bool
}

extension LexicalIndex {
    /// The top `k` chunks, unfiltered.
    public func search(terms: [String], k: Int, parameters: BM25Parameters = BM25Parameters()) -> [ScoredChunk] {
        search(terms: terms, k: k, parameters: parameters, allowing: nil)
    }
}
