/// A scored hit from a lexical index: the chunk and its BM25 score.
public struct LexicalHit: Sendable, Equatable {
    public var chunkID: Int64
    public var score: Float

    public init(chunkID: Int64, score: Float) {
        self.chunkID = chunkID
        self.score = score
    }
}

/// A type that ranks chunks for a bag of query terms: the seam lexical retrieval uses.
///
/// Terms come from the collection's analyzer (the same one that indexed the chunks);
/// a term repeated in the query counts once per repetition. Results are ordered by score
/// descending, ties by chunk id ascending, and hold only chunks with a positive score.
public protocol LexicalIndex: Sendable {
    /// Live chunks in the index.
    var documentCount: Int { get }
    /// The top `k` chunks for `terms`.
    func search(terms: [String], k: Int, parameters: BM25Parameters) -> [LexicalHit]
}

extension LexicalIndex {
    /// The top `k` chunks with the default parameters.
    public func search(terms: [String], k: Int) -> [LexicalHit] {
        search(terms: terms, k: k, parameters: BM25Parameters())
    }
}
