import Foundation
import GRDB
import QuarryCore
import QuarryIndex
import QuarryStore
import QuarryText

/// Lexical search over one collection: the collection's analyzer on the query, BM25 over
/// its index, chunk details from SQLite.
///
/// Opening verifies the index file of the manifest's generation. A missing or damaged file
/// is never used: it is rebuilt from SQLite (and persisted when no writer holds the
/// collection), and `notes` says so.
public struct LexicalSearcher: Sendable {
    public let collection: CollectionReader
    public let index: BM25Index
    public let analyzer: any Analyzer
    /// What opening had to repair.
    public let notes: [String]

    /// Opens the collection's lexical index, rebuilding it if needed.
    public static func open(home: QuarryHome, collection name: String) async throws -> LexicalSearcher {
        var reader = try CollectionReader(home: home, name: name)
        var notes: [String] = []
        var rebuild: Set<String> = []
        if let entry = reader.manifest.derivedFile(LexicalIndexBuilder.kindName) {
            do {
                let file = try BM25Reader(path: reader.directory.appendingPathComponent(entry.name).path)
                guard file.header.generation == UInt64(reader.manifest.generation), file.header.analyzer == reader.manifest.settings.analyzer else {
                    throw IndexError(.mismatch, path: file.path, "index is for generation \(file.header.generation), analyzer \(file.header.analyzer)")
                }
                return try LexicalSearcher(collection: reader, index: BM25Index(reader: file), notes: [])
            } catch {
                notes.append("lexical index damaged or mismatched (\(error)); rebuilding from collection.sqlite")
                rebuild = [LexicalIndexBuilder.kindName]
            }
        } else {
            notes.append("collection '\(name)' has no lexical index for generation \(reader.manifest.generation); building it from collection.sqlite")
        }
        // Persist the rebuilt index when no writer is busy and nothing is pending.
        if let writer = try? CollectionWriter(home: home, name: name, settings: reader.manifest.settings) {
            let pending = (try? await writer.hasPendingRows()) ?? true
            if !pending {
                let manifest = try await writer.commit(builders: [LexicalIndexBuilder()], rebuilding: rebuild)
                notes += await writer.buildNotes
                await writer.close()
                reader = try CollectionReader(home: home, name: name)
                if let entry = manifest.derivedFile(LexicalIndexBuilder.kindName) {
                    let file = try BM25Reader(path: reader.directory.appendingPathComponent(entry.name).path)
                    return try LexicalSearcher(collection: reader, index: BM25Index(reader: file), notes: notes)
                }
            } else {
                await writer.close()
            }
        }
        // A writer is busy (or an ingest is unfinished): build a private copy in memory.
        let temporary = FileManager.default.temporaryDirectory.appendingPathComponent("quarry-lexical-\(UUID().uuidString).bm25")
        let bytes = try reader.read { db in try InMemoryLexicalBuild.encode(db, analyzer: try Analyzers.named(reader.manifest.settings.analyzer),
                                                                             generation: reader.manifest.generation) }
        try Data(bytes).write(to: temporary)
        defer { try? FileManager.default.removeItem(at: temporary) }
        let file = try BM25Reader(path: temporary.path)
        notes.append("the collection is being written; searched a temporary index built from its current contents")
        return try LexicalSearcher(collection: reader, index: BM25Index(reader: file), notes: notes)
    }

    init(collection: CollectionReader, index: BM25Index, notes: [String]) throws {
        self.collection = collection
        self.index = index
        self.notes = notes
        analyzer = try Analyzers.named(collection.manifest.settings.analyzer)
    }

    /// The top `k` chunks for `query`.
    public func search(_ query: String, k: Int, parameters: BM25Parameters = BM25Parameters()) throws -> [SearchHit] {
        let hits = index.search(terms: try analyzer.terms(query), k: k, parameters: parameters)
        return try details(hits)
    }

    /// Attaches document ids, text and offsets to scored chunk ids.
    func details(_ hits: [LexicalHit]) throws -> [SearchHit] {
        guard !hits.isEmpty else { return [] }
        let rows = try collection.read { db -> [Int64: Row] in
            let ids = hits.map(\.chunkID)
            let placeholders = Array(repeating: "?", count: ids.count).joined(separator: ",")
            let rows = try Row.fetchAll(db, sql: """
                SELECT c.id, d.doc_id, c.ordinal, d.title, c.context, c.text, c.start_offset, c.end_offset
                FROM chunks c JOIN documents d ON d.id = c.document_id WHERE c.id IN (\(placeholders))
                """, arguments: StatementArguments(ids))
            return Dictionary(uniqueKeysWithValues: rows.map { ($0[0] as Int64, $0) })
        }
        return hits.enumerated().compactMap { rank, hit in
            guard let row = rows[hit.chunkID] else { return nil }
            return SearchHit(rank: rank + 1, score: hit.score, chunkID: hit.chunkID, docID: row[1], ordinal: row[2], title: row[3],
                             context: row[4], text: row[5], start: row[6], end: row[7])
        }
    }
}

/// Builds an index from a database connection without the commit machinery (for readers
/// that cannot take the writer lock).
enum InMemoryLexicalBuild {
    static func encode(_ db: Database, analyzer: any Analyzer, generation: Int) throws -> [UInt8] {
        var builder = BM25Builder()
        let rows = try Row.fetchAll(db, sql: "SELECT id, context, text FROM chunks ORDER BY id").map { ($0[0] as Int64, $0[1] as String, $0[2] as String) }
        for document in try LexicalAnalysis.analyze(rows, analyzer: analyzer) { try builder.add(document) }
        return BM25File.encode(generation: UInt64(generation), analyzer: analyzer.name, chunkIDs: builder.chunkIDs,
                               lengths: builder.lengths, terms: builder.sortedTerms())
    }
}
