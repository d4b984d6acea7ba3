import Foundation
import GRDB
import QuarryCore

/// A read-only view of one collection at one committed generation: its manifest, counts,
/// documents, chunks and logs.
///
/// Readers never take the writer's lock and never write. The committed state comes from
/// SQLite (not MANIFEST.json, which is only a published copy), and every read of one reader
/// runs in the same SQLite read transaction, opened with the reader: what it reports, the
/// derived files it names and the chunks it returns all belong to one generation, however
/// many commits land meanwhile (WAL mode). Staged rows of an unfinished ingest are never
/// visible. Open a new reader to see a later generation.
public struct CollectionReader: Sendable {
    public let name: String
    public let directory: URL
    /// The committed state this reader sees, as SQLite records it.
    public let manifest: Manifest
    /// Documents staged by an ingest that has not committed (not visible to searches).
    public let stagedDocuments: Int
    let snapshot: Snapshot
    var database: DatabaseQueue { snapshot.queue }

    /// Opens a collection for reading.
    /// - Throws: `StoreError.notFound` when there is no such collection, `.database` when
    ///   collection.sqlite cannot be read.
    public init(home: QuarryHome, name: String) throws {
        let directory = try home.collectionDirectory(name)
        let databasePath = directory.appendingPathComponent(CollectionWriter.Files.database).path
        guard FileManager.default.fileExists(atPath: databasePath) else {
            throw StoreError(.notFound, collection: name, "no collection '\(name)' in \(home.url.path) (see `quarry collections list`)")
        }
        self.name = name
        self.directory = directory
        // Read before SQLite's snapshot: a commit landing in between then only makes SQLite newer.
        let published = try? Manifest.read(from: directory.appendingPathComponent(CollectionWriter.Files.manifest), collection: name)
        let state: (Manifest?, Int)
        do {
            snapshot = try Snapshot(queue: Schema.open(path: databasePath, readOnly: true))
            state = try snapshot.queue.read { db in
                (try CommittedState.manifest(db, collection: name, directory: directory), try CommittedState.staged(db).documents)
            }
        } catch let error as StoreError {
            throw error
        } catch let error as DatabaseError {
            throw StoreError(.database, collection: name, "collection '\(name)': cannot read collection.sqlite: \(SQLitePages.describe(error))")
        } catch {
            throw StoreError(.database, collection: name, "collection '\(name)': cannot read collection.sqlite: \(error)")
        }
        guard let manifest = state.0 else {
            throw StoreError(.notFound, collection: name, "collection '\(name)' was never initialised (collection.sqlite has no settings)")
        }
        try CommittedState.checkNotRolledBack(published: published, committed: manifest, collection: name)
        self.manifest = manifest
        stagedDocuments = state.1
    }

    /// One read-only connection held inside a read transaction for the reader's lifetime,
    /// so all its reads see one snapshot. Closed (transaction ended) with the last copy.
    final class Snapshot: @unchecked Sendable {
        let queue: DatabaseQueue

        init(queue: DatabaseQueue) throws {
            self.queue = queue
            // GRDB runs later reads inside this open transaction without starting its own;
            // the first SELECT fixes the snapshot.
            try queue.inDatabase { db in
                try db.execute(sql: "BEGIN DEFERRED TRANSACTION")
                _ = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM meta")
            }
        }

        deinit {
            try? queue.inDatabase { db in
                if db.isInsideTransaction { try db.execute(sql: "ROLLBACK") }
            }
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
        /// The language identified at ingest (a CLD2 code; "" for documents stored before).
        public var language: String
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

    static func documentColumns(_ db: Database) throws -> String {
        let language = try Schema.hasDocumentLanguage(db) ? "language" : "'' AS language"
        return "SELECT doc_id, source, format, title, text, metadata, content_hash, generation, \(language) FROM documents"
    }

    static func document(_ row: Row) -> StoredDocument {
        StoredDocument(docID: row[0], source: row[1], format: row[2], title: row[3], text: row[4], metadata: row[5],
                       contentHash: row[6], generation: row[7], language: row[8])
    }

    /// Every document, ordered by document id.
    public func documents() throws -> [StoredDocument] {
        try database.read { db in
            try Row.fetchAll(db, sql: try Self.documentColumns(db) + " ORDER BY doc_id").map(Self.document)
        }
    }

    /// One document by id, or nil.
    public func document(_ docID: String) throws -> StoredDocument? {
        try database.read { db in
            try Row.fetchOne(db, sql: try Self.documentColumns(db) + " WHERE doc_id = ?", arguments: [docID]).map(Self.document)
        }
    }

    /// Chunks per document language (CLD2 codes; "" for documents stored before languages
    /// were identified): what the `auto` analyzer reads a query against.
    public func chunkLanguageCounts() throws -> [String: Int] {
        try database.read { db in
            guard try Schema.hasDocumentLanguage(db) else { return ["": try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM chunks") ?? 0] }
            var counts: [String: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT d.language, COUNT(*) FROM chunks c JOIN documents d ON d.id = c.document_id GROUP BY d.language") {
                counts[row[0]] = row[1]
            }
            return counts
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

    /// Runs `body` with read access to the database, for tests that inspect the schema
    /// directly. Modules use the named queries (`CollectionReader+Queries.swift`) instead.
    @_spi(Testing) public func read<T>(_ body: (Database) throws -> T) throws -> T {
        try database.read(body)
    }
}
