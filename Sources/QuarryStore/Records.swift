/// A document ready to be stored: its text, where it came from, and its chunks.
public struct NewDocument: Sendable, Equatable {
    /// The stable id: a path relative to the ingest root, or a corpus's `_id`; NFC.
    public var docID: String
    /// The absolute path of the file it was read from.
    public var source: String
    /// The reader that produced it ("text", "markdown", "html", "jsonl", "pdf").
    public var format: String
    public var title: String
    /// The extracted plain text; chunk offsets index into it (Unicode scalars).
    public var text: String
    /// JSON object text (`{}` when none).
    public var metadata: String
    /// Identity of the content: unchanged hash means the document is skipped on re-ingest.
    public var contentHash: String
    public var byteSize: Int
    public var chunks: [NewChunk]
    /// The identified language (a CLD2 code such as "en"; "un" when unidentified, "" when
    /// not identified at all).
    public var language: String

    public init(docID: String, source: String, format: String, title: String, text: String, metadata: String,
                contentHash: String, byteSize: Int, chunks: [NewChunk], language: String = "") {
        self.language = language
        self.docID = docID
        self.source = source
        self.format = format
        self.title = title
        self.text = text
        self.metadata = metadata
        self.contentHash = contentHash
        self.byteSize = byteSize
        self.chunks = chunks
    }
}

/// A chunk of a document: text, context and offsets.
public struct NewChunk: Sendable, Equatable {
    public var ordinal: Int
    public var text: String
    /// Title and heading path, e.g. "Moon phases › Waxing › Gibbous".
    public var context: String
    /// Unicode-scalar offsets into the document's text: `text == document.text[start..<end]`.
    public var start: Int
    public var end: Int
    public var tokenCount: Int
    public var contentHash: String
    /// The chunk's vector from the collection's embedder, when it has one.
    public var embedding: [Float]?

    public init(ordinal: Int, text: String, context: String, start: Int, end: Int, tokenCount: Int, contentHash: String,
                embedding: [Float]? = nil) {
        self.embedding = embedding
        self.ordinal = ordinal
        self.text = text
        self.context = context
        self.start = start
        self.end = end
        self.tokenCount = tokenCount
        self.contentHash = contentHash
    }

    /// The stable chunk key: document id, ordinal and the first 16 hex digits of the chunk's
    /// content hash, so a changed chunk gets a new key and an unchanged one keeps its key.
    public func key(docID: String) -> String {
        "\(docID)#\(ordinal)@\(contentHash.prefix(16))"
    }
}

/// What the store knows of a document, for incremental re-ingest.
public struct KnownDocument: Sendable, Equatable {
    public var contentHash: String
    public var source: String

    public init(contentHash: String, source: String) {
        self.contentHash = contentHash
        self.source = source
    }
}

/// Counts of what one batch or one ingest changed.
public struct ChangeCounts: Sendable, Equatable, Codable {
    public var documentsAdded = 0
    public var documentsReplaced = 0
    public var documentsDeleted = 0
    public var chunksAdded = 0
    public var chunksDeleted = 0

    public init() {}

    public var isEmpty: Bool { self == ChangeCounts() }

    public static func += (lhs: inout ChangeCounts, rhs: ChangeCounts) {
        lhs.documentsAdded += rhs.documentsAdded
        lhs.documentsReplaced += rhs.documentsReplaced
        lhs.documentsDeleted += rhs.documentsDeleted
        lhs.chunksAdded += rhs.chunksAdded
        lhs.chunksDeleted += rhs.chunksDeleted
    }

    enum CodingKeys: String, CodingKey {
        case documentsAdded = "documents_added", documentsReplaced = "documents_replaced",
             documentsDeleted = "documents_deleted", chunksAdded = "chunks_added", chunksDeleted = "chunks_deleted"
    }
}
