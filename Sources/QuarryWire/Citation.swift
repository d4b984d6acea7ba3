// QuarryWire — what the HTTP API and `--json` output carry.

/// A passage the answer cites, mapped back to its source.
public struct Citation: Sendable, Codable, Equatable {
    public var number: Int
    public var docID: String
    public var title: String
    public var chunkID: Int64
    /// Unicode-scalar offsets of the cited passage in the document.
    public var start: Int
    public var end: Int

    public init(number: Int, docID: String, title: String, chunkID: Int64, start: Int, end: Int) {
        self.number = number
        self.docID = docID
        self.title = title
        self.chunkID = chunkID
        self.start = start
        self.end = end
    }

    enum CodingKeys: String, CodingKey {
        case number, docID = "doc_id", title, chunkID = "chunk_id", start, end
    }
}
