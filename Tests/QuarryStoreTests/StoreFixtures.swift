import QuarryCore
import QuarryStore

/// What the store suites build collections from: one settings value and one-chunk documents.
enum StoreFixtures {
    static let settings = CollectionSettings(analyzer: "standard", chunking: ChunkingSettings(), tokenCounter: "words")

    /// A document whose whole text is its one chunk.
    static func document(_ id: String, _ text: String) -> NewDocument {
        let chunk = NewChunk(ordinal: 0, text: text, context: "", start: 0, end: text.unicodeScalars.count, tokenCount: 1,
                             contentHash: ContentHash.sha256(text))
        return NewDocument(docID: id, source: "/src/\(id)", format: "text", title: id, text: text, metadata: "{}",
                           contentHash: ContentHash.sha256(text), byteSize: text.utf8.count, chunks: [chunk])
    }
}
