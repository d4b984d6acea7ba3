import Foundation
import GRDB
import QuarryCore

/// A read-only view of one collection: its manifest, counts, documents, chunks and logs.
///
/// Readers never take the writer's lock; SQLite's WAL mode lets them read while a writer
/// appends, and they trust only what the manifest's generation published.
public struct CollectionReader: Sendable {
    public let name: String
    public let directory: URL
    public let manifest: Manifest
    let database: DatabaseQueue

    /// Opens a collection for reading.
    /// - Throws: `StoreError.notFound` when there is no such collection, or the manifest's errors.
    public init(home: QuarryHome, name: String) throws {
        let directory = try home.collectionDirectory(name)
        let databasePath = directory.appendingPathComponent(CollectionWriter.Files.database).path
        guard FileManager.default.fileExists(atPath: databasePath) else {
            throw StoreError(.notFound, collection: name, "no collection '\(name)' in \(home.url.path) (see `quarry collections list`)")
        }
        self.name = name
        self.directory = directory
        manifest = try Manifest.read(from: directory.appendingPathComponent(CollectionWriter.Files.manifest), collection: name)
        do {
            database = try Schema.open(path: databasePath, readOnly: true)
        } catch {
            throw StoreError(.database, collection: name, "collection '\(name)': cannot open collection.sqlite: \(error)")
        }
    }

    /// One ingest-log entry.
    public struct IngestLogEntry: Sendable, Codable, Equatable {
        public var id: Int64
        public var startedAt: String
        public var finishedAt: String?
        public var status: String
        public var command: String
        public var params: String
        public var counts: String
        public var generation: Int?

        enum CodingKeys: String, CodingKey {
            case id, startedAt = "started_at", finishedAt = "finished_at", status, command, params, counts, generation
        }
    }

    /// The newest ingest-log entries first.
    public func ingestLog(limit: Int = 20) throws -> [IngestLogEntry] {
        try database.read { db in
            try Row.fetchAll(db, sql: "SELECT id, started_at, finished_at, status, command, params, counts, generation FROM ingest_log ORDER BY id DESC LIMIT ?",
                             arguments: [limit]).map {
                IngestLogEntry(id: $0[0], startedAt: $0[1], finishedAt: $0[2], status: $0[3], command: $0[4], params: $0[5], counts: $0[6], generation: $0[7])
            }
        }
    }

    /// A stored document (without its chunks).
    public struct StoredDocument: Sendable, Codable, Equatable {
        public var docID: String
        public var source: String
        public var format: String
        public var title: String
        public var text: String
        public var metadata: String
        public var contentHash: String
        public var generation: Int
    }

    /// A stored chunk.
    public struct StoredChunk: Sendable, Codable, Equatable {
        public var id: Int64
        public var key: String
        public var docID: String
        public var ordinal: Int
        public var text: String
        public var context: String
        public var start: Int
        public var end: Int
        public var tokenCount: Int
    }

    static let documentColumns = "SELECT doc_id, source, format, title, text, metadata, content_hash, generation FROM documents"

    static func document(_ row: Row) -> StoredDocument {
        StoredDocument(docID: row[0], source: row[1], format: row[2], title: row[3], text: row[4], metadata: row[5],
                       contentHash: row[6], generation: row[7])
    }

    /// Every document, ordered by document id.
    public func documents() throws -> [StoredDocument] {
        try database.read { db in
            try Row.fetchAll(db, sql: Self.documentColumns + " ORDER BY doc_id").map(Self.document)
        }
    }

    /// One document by id, or nil.
    public func document(_ docID: String) throws -> StoredDocument? {
        try database.read { db in
            try Row.fetchOne(db, sql: Self.documentColumns + " WHERE doc_id = ?", arguments: [docID]).map(Self.document)
        }
    }

    /// The chunks of one document (or all chunks when `docID` is nil), in order.
    public func chunks(of docID: String? = nil) throws -> [StoredChunk] {
        try database.read { db in
            let base = """
                SELECT c.id, c.chunk_key, d.doc_id, c.ordinal, c.text, c.context, c.start_offset, c.end_offset, c.token_count
                FROM chunks c JOIN documents d ON d.id = c.document_id
                """
            let rows = docID == nil
                ? try Row.fetchAll(db, sql: base + " ORDER BY d.doc_id, c.ordinal")
                : try Row.fetchAll(db, sql: base + " WHERE d.doc_id = ? ORDER BY c.ordinal", arguments: [docID])
            return rows.map {
                StoredChunk(id: $0[0], key: $0[1], docID: $0[2], ordinal: $0[3], text: $0[4], context: $0[5], start: $0[6], end: $0[7], tokenCount: $0[8])
            }
        }
    }

    /// Counts straight from SQLite (the manifest's are as of its generation).
    public func liveCounts() throws -> (documents: Int, chunks: Int) {
        try database.read { db in
            (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM documents") ?? 0, try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM chunks") ?? 0)
        }
    }

    /// Runs `body` with read access to the database (for other modules' queries).
    public func read<T>(_ body: (Database) throws -> T) throws -> T {
        try database.read(body)
    }
}
