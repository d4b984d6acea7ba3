/// One retrieved chunk, with where it sits in its document.
public struct SearchHit: Sendable, Codable, Equatable {
    public var rank: Int
    public var score: Float
    public var chunkID: Int64
    public var docID: String
    public var ordinal: Int
    public var title: String
    public var context: String
    public var text: String
    /// Unicode-scalar offsets of the chunk in the document text.
    public var start: Int
    public var end: Int

    enum CodingKeys: String, CodingKey {
        case rank, score, chunkID = "chunk_id", docID = "doc_id", ordinal, title, context, text, start, end
    }
}

/// The retrieval modes `quarry search` offers.
public enum SearchMode: String, Sendable, CaseIterable, Codable {
    /// BM25 over the collection's analyzer.
    case lexical
    /// Nearest neighbours of the query embedding (HNSW).
    case dense
    /// Lexical and dense top-n fused (reciprocal rank fusion by default).
    case hybrid
}
