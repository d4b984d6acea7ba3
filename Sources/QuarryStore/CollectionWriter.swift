import Foundation
import GRDB
import QuarryCore

/// The single writer of a collection: holds its lock, applies batches of document changes
/// in SQLite transactions, and commits generations.
///
/// ## Commit protocol
/// An ingest writes every batch as one SQLite transaction tagged with the *pending*
/// generation (committed + 1). `commit()` then advances the generation in SQLite and
/// replaces MANIFEST.json atomically (temp file, fsync, rename, fsync of the directory).
/// A crash at any point leaves SQLite consistent (whole batches or nothing) and the manifest
/// naming the last committed generation; the next writer marks the interrupted ingest in
/// the log, rewrites a manifest that is behind, and a re-run skips what was already stored
/// (same content hash) and finishes the rest under the same pending generation.
public actor CollectionWriter {
    public nonisolated let name: String
    public nonisolated let directory: URL
    /// The settings every chunk of this collection was made with.
    public nonisolated let settings: CollectionSettings
    /// What opening had to repair, for the log (e.g. an interrupted ingest).
    public nonisolated let recoveryNotes: [String]

    let database: DatabaseQueue
    let lock: CollectionLock
    private(set) var committedGeneration: Int
    private var changes = ChangeCounts()
    private var logID: Int64?

    /// The file names inside a collection directory.
    public enum Files {
        public static let database = "collection.sqlite"
        public static let manifest = "MANIFEST.json"
    }

    /// Opens a collection for writing, creating it with `settings` when it does not exist.
    /// - Parameters:
    ///   - enforceSettings: when true and the collection exists with other settings, fail
    ///     instead of using the stored ones (the user asked for these explicitly).
    /// - Throws: `StoreError` (`.locked`, `.settingsMismatch`, `.database`, …).
    public init(home: QuarryHome, name: String, settings requested: CollectionSettings, enforceSettings: Bool = false) throws {
        let directory = try home.collectionDirectory(name)
        self.name = name
        self.directory = directory
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw StoreError(.io, collection: name, "cannot create \(directory.path): \(error.localizedDescription)")
        }
        lock = try CollectionLock(directory: directory, collection: name)
        do {
            database = try Schema.open(path: directory.appendingPathComponent(Files.database).path, readOnly: false)
        } catch {
            throw StoreError(.database, collection: name, "collection '\(name)': cannot open collection.sqlite: \(error)")
        }
        var notes: [String] = []
        let stored: (CollectionSettings, Int)
        do {
            stored = try database.write { db -> (CollectionSettings, Int) in
                if let json = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'settings'") {
                    let settings = try JSONDecoder().decode(CollectionSettings.self, from: Data(json.utf8))
                    let generation = Int(try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'generation'") ?? "0") ?? 0
                    return (settings, generation)
                }
                let json = String(decoding: try JSONEncoder().encode(requested), as: UTF8.self)
                try db.execute(sql: "INSERT INTO meta(key, value) VALUES ('settings', ?), ('generation', '0'), ('created_at', ?), ('name', ?)",
                               arguments: [json, Timestamp.now(), name])
                return (requested, 0)
            }
            let interrupted = try database.write { db -> Int in
                try db.execute(sql: "UPDATE ingest_log SET status = 'interrupted' WHERE status = 'running'")
                return db.changesCount
            }
            if interrupted > 0 { notes.append("an earlier ingest was interrupted; re-running it completes the collection") }
        } catch let error as DecodingError {
            throw StoreError(.database, collection: name, "collection '\(name)': stored settings unreadable: \(error)")
        } catch {
            throw StoreError(.database, collection: name, "collection '\(name)': \(error)")
        }
        if stored.0.embedder != requested.embedder {
            throw StoreError(.embedderMismatch, collection: name,
                             "collection '\(name)' was embedded with \(stored.0.embedder?.description ?? "no embedder (lexical only)"); this ingest uses \(requested.embedder?.description ?? "no embedder"). Use the collection's embedder (see `quarry collections show \(name)`), or ingest into a new collection")
        }
        if enforceSettings && stored.0 != requested {
            throw StoreError(.settingsMismatch, collection: name,
                             "collection '\(name)' was built with \(Self.describe(stored.0)); this ingest asked for \(Self.describe(requested)). Use the collection's settings, or ingest into a new collection")
        }
        settings = stored.0
        committedGeneration = stored.1
        if let repaired = try Self.repairManifest(database: database, directory: directory, name: name, settings: stored.0, generation: stored.1) {
            notes.append(repaired)
        }
        recoveryNotes = notes
    }

    static func describe(_ settings: CollectionSettings) -> String {
        "analyzer \(settings.analyzer), max_tokens \(settings.chunking.maxTokens), overlap_tokens \(settings.chunking.overlapTokens), token counter \(settings.tokenCounter), embedder \(settings.embedder?.description ?? "none")"
    }

    /// The pending generation this writer's changes carry.
    public var pendingGeneration: Int { committedGeneration + 1 }

    /// Every stored document's content hash and source, by document id.
    public func knownDocuments() throws -> [String: KnownDocument] {
        try database.read { db in
            var known: [String: KnownDocument] = [:]
            let rows = try Row.fetchCursor(db, sql: "SELECT doc_id, content_hash, source FROM documents")
            while let row = try rows.next() {
                known[row[0]] = KnownDocument(contentHash: row[1], source: row[2])
            }
            return known
        }
    }

    /// Records the start of an ingest in the ingest log.
    public func beginIngest(command: String, parameters: [String: String]) throws {
        let params = String(decoding: try JSONSerialization.data(withJSONObject: parameters, options: [.sortedKeys]), as: UTF8.self)
        logID = try database.write { db in
            try db.execute(sql: "INSERT INTO ingest_log(started_at, status, command, params) VALUES (?, 'running', ?, ?)",
                           arguments: [Timestamp.now(), command, params])
            return db.lastInsertedRowID
        }
    }

    /// Stores and deletes documents in one transaction: all of the batch or none of it.
    /// A stored document with the same id is replaced, its old chunks tombstoned.
    @discardableResult
    public func apply(upserts: [NewDocument], deletions: [String] = []) throws -> ChangeCounts {
        for document in upserts { try validate(document) }
        let generation = pendingGeneration
        let now = Timestamp.now()
        let counts = try database.write { db -> ChangeCounts in
            var counts = ChangeCounts()
            for document in upserts {
                let existing = try Int64.fetchOne(db, sql: "SELECT id FROM documents WHERE doc_id = ?", arguments: [document.docID])
                let rowID: Int64
                if let existing {
                    counts.chunksDeleted += try Self.tombstoneChunks(db, documentRowID: existing, generation: generation)
                    try db.execute(sql: """
                        UPDATE documents SET source = ?, format = ?, title = ?, text = ?, metadata = ?, content_hash = ?,
                            byte_size = ?, char_count = ?, generation = ?, ingested_at = ? WHERE id = ?
                        """, arguments: [document.source, document.format, document.title, document.text, document.metadata,
                                         document.contentHash, document.byteSize, document.text.unicodeScalars.count, generation, now, existing])
                    rowID = existing
                    counts.documentsReplaced += 1
                } else {
                    try db.execute(sql: """
                        INSERT INTO documents(doc_id, source, format, title, text, metadata, content_hash, byte_size, char_count, generation, ingested_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """, arguments: [document.docID, document.source, document.format, document.title, document.text, document.metadata,
                                         document.contentHash, document.byteSize, document.text.unicodeScalars.count, generation, now])
                    rowID = db.lastInsertedRowID
                    counts.documentsAdded += 1
                }
                let insert = try db.cachedStatement(sql: """
                    INSERT INTO chunks(chunk_key, document_id, ordinal, text, context, start_offset, end_offset, token_count, content_hash, generation)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
                let insertVector = try db.cachedStatement(sql: "INSERT INTO embeddings(chunk_id, vector) VALUES (?, ?)")
                for chunk in document.chunks {
                    try insert.execute(arguments: [chunk.key(docID: document.docID), rowID, chunk.ordinal, chunk.text, chunk.context,
                                                   chunk.start, chunk.end, chunk.tokenCount, chunk.contentHash, generation])
                    if let vector = chunk.embedding {
                        try insertVector.execute(arguments: [db.lastInsertedRowID, VectorBlob.encode(vector)])
                    }
                }
                counts.chunksAdded += document.chunks.count
            }
            for docID in deletions {
                guard let existing = try Int64.fetchOne(db, sql: "SELECT id FROM documents WHERE doc_id = ?", arguments: [docID]) else { continue }
                counts.chunksDeleted += try Self.tombstoneChunks(db, documentRowID: existing, generation: generation)
                try db.execute(sql: "DELETE FROM documents WHERE id = ?", arguments: [existing])
                counts.documentsDeleted += 1
            }
            return counts
        }
        changes += counts
        return counts
    }

    /// Refuses what SQLite's C interface would silently truncate (NUL characters) and
    /// chunks whose offsets do not fit the text; readers strip NULs before this point.
    private func validate(_ document: NewDocument) throws {
        let fields = [document.docID, document.title, document.text, document.metadata, document.source]
        if fields.contains(where: { $0.utf8.contains(0) }) || document.chunks.contains(where: { $0.text.utf8.contains(0) || $0.context.utf8.contains(0) }) {
            throw StoreError(.invalidDocument, collection: name, "document \(Printable.quoted(document.docID)) contains a NUL character; it was not stored")
        }
        if let embedder = settings.embedder {
            for chunk in document.chunks {
                guard let vector = chunk.embedding, vector.count == embedder.dimension, vector.allSatisfy(\.isFinite) else {
                    throw StoreError(.invalidDocument, collection: name,
                                     "document \(Printable.quoted(document.docID)): chunk \(chunk.ordinal) lacks a finite \(embedder.dimension)-d embedding from \(embedder)")
                }
            }
        } else if document.chunks.contains(where: { $0.embedding != nil }) {
            throw StoreError(.embedderMismatch, collection: name, "collection '\(name)' has no embedder; vectors were supplied for \(Printable.quoted(document.docID))")
        }
        guard !document.docID.isEmpty else {
            throw StoreError(.invalidDocument, collection: name, "a document with an empty id was not stored")
        }
        let length = document.text.unicodeScalars.count
        for (ordinal, chunk) in document.chunks.enumerated() where chunk.ordinal != ordinal || chunk.start < 0 || chunk.end > length || chunk.start > chunk.end {
            throw StoreError(.invalidDocument, collection: name, "document \(Printable.quoted(document.docID)): chunk \(ordinal) has bad ordinal or offsets")
        }
    }

    private static func tombstoneChunks(_ db: Database, documentRowID: Int64, generation: Int) throws -> Int {
        try db.execute(sql: "INSERT OR REPLACE INTO chunk_tombstones(chunk_id, generation) SELECT id, ? FROM chunks WHERE document_id = ?",
                       arguments: [generation, documentRowID])
        try db.execute(sql: "DELETE FROM chunks WHERE document_id = ?", arguments: [documentRowID])
        return db.changesCount
    }

    /// Whether the database holds rows of the pending generation that no commit published
    /// (left by this writer or by an interrupted one).
    public func hasPendingRows() throws -> Bool {
        let generation = pendingGeneration
        return try database.read { db in
            try Bool.fetchOne(db, sql: """
                SELECT EXISTS(SELECT 1 FROM documents WHERE generation = ?) OR EXISTS(SELECT 1 FROM chunk_tombstones WHERE generation = ?)
                """, arguments: [generation, generation]) ?? false
        }
    }

    /// Publishes the pending generation when anything changed (in this run or in an
    /// interrupted one): builds the derived files for it, advances the generation in
    /// SQLite, rewrites MANIFEST.json, removes superseded derived files, and closes the
    /// ingest-log entry. With nothing changed, derived files are only built if missing.
    /// - Parameters:
    ///   - builders: the derived indexes to maintain (e.g. the BM25 index).
    ///   - summary: counts for the ingest log (files seen, skipped, failed, …).
    ///   - rebuilding: kinds to build again even if the manifest lists them (found damaged).
    /// - Returns: the manifest now on disk; builders' notes accumulate in `buildNotes`.
    @discardableResult
    public func commit(status: String = "completed", summary: [String: Int] = [:], builders: [any DerivedIndexBuilder] = [],
                       rebuilding: Set<String> = []) throws -> Manifest {
        let publish = try !changes.isEmpty || hasPendingRows()
        let generation = publish ? pendingGeneration : committedGeneration
        let previous = try? Manifest.read(from: directory.appendingPathComponent(Files.manifest), collection: name)
        var derived = publish ? [] : (previous?.derivedFiles.filter { $0.generation == generation && !rebuilding.contains($0.kind) } ?? [])
        for builder in builders where !derived.contains(where: { $0.kind == builder.kind }) {
            let context = DerivedBuildContext(collection: name, directory: directory, generation: generation, previous: previous,
                                              settings: settings, database: database)
            let result = try builder.build(context)
            if let note = result.note { buildNotes.append(note) }
            derived.append(result.file)
        }
        let now = Timestamp.now()
        var logCounts = summary
        logCounts["documents_added"] = changes.documentsAdded
        logCounts["documents_replaced"] = changes.documentsReplaced
        logCounts["documents_deleted"] = changes.documentsDeleted
        logCounts["chunks_added"] = changes.chunksAdded
        logCounts["chunks_deleted"] = changes.chunksDeleted
        let countsJSON = String(decoding: try JSONSerialization.data(withJSONObject: logCounts, options: [.sortedKeys]), as: UTF8.self)
        let changes = self.changes
        let logID = self.logID
        try database.write { db in
            if publish {
                let documents = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM documents") ?? 0
                let chunks = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM chunks") ?? 0
                try db.execute(sql: "UPDATE meta SET value = ? WHERE key = 'generation'", arguments: ["\(generation)"])
                try db.execute(sql: """
                    INSERT OR REPLACE INTO generations(generation, committed_at, documents_added, documents_replaced, documents_deleted,
                        chunks_added, chunks_deleted, document_count, chunk_count) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [generation, now, changes.documentsAdded, changes.documentsReplaced, changes.documentsDeleted,
                                     changes.chunksAdded, changes.chunksDeleted, documents, chunks])
            }
            if let logID {
                try db.execute(sql: "UPDATE ingest_log SET finished_at = ?, status = ?, counts = ?, generation = ? WHERE id = ?",
                               arguments: [now, status, countsJSON, generation, logID])
            }
        }
        committedGeneration = generation
        self.changes = ChangeCounts()
        self.logID = nil
        let manifest = try Self.writeManifest(database: database, directory: directory, name: name, settings: settings,
                                              generation: generation, derived: derived)
        removeSupersededFiles(keeping: Set(derived.map(\.name)))
        return manifest
    }

    /// Notes from derived-index builders during this writer's commits (full rebuilds, …).
    public private(set) var buildNotes: [String] = []

    /// Deletes derived files (and leftover temporary files) the manifest no longer names.
    /// Readers that mapped an old file keep it alive until they close it.
    private func removeSupersededFiles(keeping: Set<String>) {
        let keep = keeping.union([Files.database, Files.manifest, "LOCK", Files.database + "-wal", Files.database + "-shm"])
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { return }
        for name in names where !keep.contains(name) {
            let derivedPattern = name.hasPrefix(".") && name.contains(".tmp-") || name.range(of: #"^[a-z]+\.[0-9]+\.[a-z0-9]+$"#, options: .regularExpression) != nil
            if derivedPattern { try? FileManager.default.removeItem(at: directory.appendingPathComponent(name)) }
        }
    }

    /// Marks the running ingest as failed, keeping what earlier batches stored.
    public func fail(reason: String) throws {
        guard let logID else { return }
        try database.write { db in
            try db.execute(sql: "UPDATE ingest_log SET finished_at = ?, status = 'failed', counts = ? WHERE id = ?",
                           arguments: [Timestamp.now(), "{\"error\": \(Self.jsonString(reason))}", logID])
        }
        self.logID = nil
    }

    /// Releases the lock. The writer must not be used afterwards.
    public func close() {
        lock.release()
    }

    static func jsonString(_ value: String) -> String {
        (try? String(decoding: JSONSerialization.data(withJSONObject: [value], options: []), as: UTF8.self).dropFirst().dropLast()).map(String.init) ?? "\"\""
    }

    // MARK: Manifest

    @discardableResult
    static func writeManifest(database: DatabaseQueue, directory: URL, name: String, settings: CollectionSettings, generation: Int,
                              derived: [Manifest.DerivedFile] = []) throws -> Manifest {
        let (createdAt, committedAt, documents, chunks) = try database.read { db in
            (try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'created_at'") ?? Timestamp.now(),
             try String.fetchOne(db, sql: "SELECT committed_at FROM generations WHERE generation = ?", arguments: [generation]),
             try Int.fetchOne(db, sql: "SELECT document_count FROM generations WHERE generation = ?", arguments: [generation]) ?? 0,
             try Int.fetchOne(db, sql: "SELECT chunk_count FROM generations WHERE generation = ?", arguments: [generation]) ?? 0)
        }
        let manifest = Manifest(collection: name, generation: generation, createdAt: createdAt, committedAt: committedAt ?? createdAt,
                                settings: settings, documentCount: documents, chunkCount: chunks, derivedFiles: derived)
        var written = manifest
        do {
            written.checksum = try manifest.computeChecksum()
            try AtomicFile.write(try written.encoded(), to: directory.appendingPathComponent(Files.manifest))
        } catch {
            throw StoreError(.io, collection: name, "collection '\(name)': cannot write MANIFEST.json: \(error)")
        }
        return written
    }

    /// Rewrites the manifest when it is missing, damaged or names another generation than
    /// SQLite. Returns a note saying what was repaired, or nil.
    static func repairManifest(database: DatabaseQueue, directory: URL, name: String, settings: CollectionSettings, generation: Int) throws -> String? {
        let url = directory.appendingPathComponent(Files.manifest)
        let note: String
        if !FileManager.default.fileExists(atPath: url.path) {
            // A brand-new collection gets its first manifest silently.
            note = generation == 0 ? "" : "MANIFEST.json was missing; rewritten from collection.sqlite"
        } else {
            do {
                let manifest = try Manifest.read(from: url, collection: name)
                if manifest.generation == generation && manifest.settings == settings { return nil }
                note = "MANIFEST.json named generation \(manifest.generation), collection.sqlite has \(generation); rewritten (derived indexes are rebuilt on next use)"
            } catch {
                note = "\(error)"
            }
        }
        try writeManifest(database: database, directory: directory, name: name, settings: settings, generation: generation)
        return note.isEmpty ? nil : note
    }
}
