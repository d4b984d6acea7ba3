import Foundation
import QuarryCore
import QuarryIndex
import QuarryStore
import QuarryText

/// The lexical side of one collection's retrieval: the collection's analyzer and its BM25
/// index (`Retriever` runs the queries).
///
/// Opening verifies the index file of the manifest's generation. A missing or damaged file
/// is never used: it is rebuilt from SQLite (and persisted when no writer holds the
/// collection), and `notes` says so.
public struct LexicalSearcher: Sendable {
    public let collection: CollectionReader
    public let index: any LexicalIndex
    public let analyzer: any Analyzer
    /// The collection's chunks per language, read at open for a language-aware analyzer
    /// (empty otherwise): what a query whose own language is uncertain is analysed against.
    public let languages: LanguageMix
    /// What opening had to repair.
    public let notes: [String]

    /// Opens the collection's lexical index, rebuilding it if needed.
    public static func open(home: QuarryHome, collection name: String) async throws -> LexicalSearcher {
        let outcome = try await DerivedFiles.ensure(home: home, collection: name, builder: LexicalIndexBuilder(), open: openFile)
        let reader = outcome.reader
        if let file = outcome.value {
            return try LexicalSearcher(collection: reader, index: BM25Index(reader: file), notes: outcome.notes)
        }
        // A writer is busy (or an ingest is unfinished): build a private copy.
        let temporary = FileManager.default.temporaryDirectory.appendingPathComponent("quarry-lexical-\(UUID().uuidString).bm25")
        let bytes = try LexicalIndexBuilder.encodeAll(reader, analyzer: try Analyzers.named(reader.manifest.settings.analyzer))
        try Data(bytes).write(to: temporary)
        defer { try? FileManager.default.removeItem(at: temporary) }
        let file = try BM25Reader(path: temporary.path)
        return try LexicalSearcher(collection: reader, index: BM25Index(reader: file), notes: outcome.notes)
    }

    /// Opens and checks a BM25 file against the collection's generation and analyzer.
    static func openFile(_ url: URL, _ reader: CollectionReader) throws -> BM25Reader {
        let file = try BM25Reader(path: url.path)
        guard file.header.generation == UInt64(reader.manifest.generation), file.header.analyzer == reader.manifest.settings.analyzer else {
            throw IndexError(.mismatch, path: file.path, "index is for generation \(file.header.generation), analyzer \(file.header.analyzer)")
        }
        return file
    }

    init(collection: CollectionReader, index: any LexicalIndex, notes: [String]) throws {
        self.collection = collection
        self.index = index
        self.notes = notes
        analyzer = try Analyzers.named(collection.manifest.settings.analyzer)
        languages = analyzer.isLanguageAware ? LanguageMix(chunkCounts: try collection.chunkLanguageCounts()) : LanguageMix()
    }

    /// The terms of `query`, analysed as the collection's documents were.
    public func analyzeQuery(_ query: String) throws -> QueryAnalysis {
        try analyzer.analyzeQuery(query, languages: languages)
    }
}
