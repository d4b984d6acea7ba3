// QuarryWire — what the HTTP API and `--json` output carry.

/// One numbered passage of an assembled context: what the model may cite as `[number]`.
public struct ContextPassage: Sendable, Codable, Equatable {
    public var number: Int
    public var docID: String
    public var title: String
    public var chunkID: Int64
    /// Every chunk the passage covers when adjacent chunks were merged.
    public var mergedChunks: [Int64]?
    /// Unicode-scalar offsets of the passage text in the document.
    public var start: Int
    public var end: Int
    public var text: String
    public var score: Float
    /// Whether the text was cut to fit the budget (only ever the first passage).
    public var truncated: Bool

    public init(number: Int, docID: String, title: String, chunkID: Int64, mergedChunks: [Int64]?, start: Int, end: Int,
                text: String, score: Float, truncated: Bool) {
        self.number = number
        self.docID = docID
        self.title = title
        self.chunkID = chunkID
        self.mergedChunks = mergedChunks
        self.start = start
        self.end = end
        self.text = text
        self.score = score
        self.truncated = truncated
    }

    /// How the prompt names the passage's source.
    public var sourceLabel: String { title.isEmpty ? docID : "\(title) (\(docID))" }

    enum CodingKeys: String, CodingKey {
        case number, docID = "doc_id", title, chunkID = "chunk_id", mergedChunks = "merged_chunks", start, end, text, score, truncated
    }
}
