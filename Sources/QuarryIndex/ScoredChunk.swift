/// A chunk's id in its collection (SQLite's `chunks.id`); vector and lexical indexes store
/// these as the ids of what they rank.
public typealias ChunkID = Int64

/// A chunk and its score under one ranking: what every index returns and every retrieval
/// stage hands on (BM25, HNSW and flat search, fusion, batch runs). Lists of them are best
/// first, ties by chunk id ascending.
public struct ScoredChunk: Sendable, Hashable {
    public var chunkID: ChunkID
    /// Higher is better; its scale is the ranking's own (BM25, a negated distance, a fused score).
    public var score: Float

    public init(chunkID: ChunkID, score: Float) {
        self.chunkID = chunkID
        self.score = score
    }

    /// The result order: score descending, ties by chunk id ascending.
    @inline(__always)
    public static func ranksBefore(_ a: ScoredChunk, _ b: ScoredChunk) -> Bool {
        a.score > b.score || (a.score == b.score && a.chunkID < b.chunkID)
    }
}
