// QuarryWire — what the HTTP API and `--json` output carry.

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
    /// How each stage saw this hit (filled by `Retriever`; nil from the single-mode searchers).
    public var stages: StageScores?
    /// The chunks this hit spans when adjacent chunks of one document were merged (the
    /// hit's own chunk first); nil when it is one chunk.
    public var mergedChunks: [Int64]?

    public init(rank: Int, score: Float, chunkID: Int64, docID: String, ordinal: Int, title: String, context: String, text: String,
                start: Int, end: Int, stages: StageScores? = nil, mergedChunks: [Int64]? = nil) {
        self.rank = rank
        self.score = score
        self.chunkID = chunkID
        self.docID = docID
        self.ordinal = ordinal
        self.title = title
        self.context = context
        self.text = text
        self.start = start
        self.end = end
        self.stages = stages
        self.mergedChunks = mergedChunks
    }

    enum CodingKeys: String, CodingKey {
        case rank, score, chunkID = "chunk_id", docID = "doc_id", ordinal, title, context, text, start, end, stages
        case mergedChunks = "merged_chunks"
    }
}

/// Per-stage ranks (from 1) and scores of one hit: what `--explain` shows. A nil rank means
/// the hit was not in that stage's list (or the stage did not run).
public struct StageScores: Sendable, Codable, Equatable {
    public var lexicalRank: Int?
    public var lexicalScore: Float?
    public var denseRank: Int?
    public var denseScore: Float?
    public var fusedRank: Int?
    public var fusedScore: Float?
    public var rerankRank: Int?
    public var rerankScore: Float?
    /// The hit's place after MMR re-ordering, when MMR ran.
    public var mmrRank: Int?

    public init() {}

    enum CodingKeys: String, CodingKey {
        case lexicalRank = "lexical_rank", lexicalScore = "lexical_score", denseRank = "dense_rank", denseScore = "dense_score"
        case fusedRank = "fused_rank", fusedScore = "fused_score", rerankRank = "rerank_rank", rerankScore = "rerank_score"
        case mmrRank = "mmr_rank"
    }
}
