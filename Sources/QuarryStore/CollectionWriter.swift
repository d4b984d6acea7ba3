import Foundation
import GRDB
import QuarryCore

/// The single writer of a collection: holds its lock, stages batches of document changes,
/// and commits generations.
///
/// ## Commit protocol (roll back what was never committed)
/// `apply` writes each batch, in one SQLite transaction, to the *staging* tables
/// (`staged_documents`, `staged_chunks`), which no reader looks at. `commit()` is ONE SQLite
/// transaction: it moves the staged rows into the main tables, builds the derived files
/// (written and fsync'ed under names of the new generation, not yet named by anything),
/// records them in `derived_files`, and advances `meta.generation`. Only then is
/// MANIFEST.json rewritten, as a published copy of that state.
///
/// So SQLite alone says what is committed, and the switch is atomic: a crash before the
/// COMMIT leaves the previous generation wholly served (the staged rows stay staged, the
/// half-built files are orphans that the next writer removes), a crash after it leaves the
/// new generation wholly served (a lagging MANIFEST.json is rewritten at the next open).
/// Staged rows of an interrupted `quarry ingest` are resumed by re-running the same
/// command with the same parameters (already-staged documents are skipped by content
/// hash); any other write rolls them back first, so it never publishes what it did not
/// write.
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
    /// Whether the staged rows are this writer's to commit (it staged or adopted them).
    private var ownsStaged = false

    /// The file names inside a collection directory.
    public enum Files {
        public static let database = "collection.sqlite"
        public static let manifest = "MANIFEST.json"
    }

    /// Opens a collection for writing, creating it with `settings` when it does not exist,
    /// and recovers from a crash: marks a running ingest interrupted, removes derived and
    /// temporary files no commit names, and rewrites MANIFEST.json when it differs from SQLite.
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
        var committedState: Manifest?
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
            let recovery = try Self.recover(database: database, directory: directory, name: name)
            notes += recovery.notes
            committedState = recovery.committed
        } catch let error as DecodingError {
            throw StoreError(.database, collection: name, "collection '\(name)': stored settings unreadable: \(error)")
        } catch let error as StoreError {
            throw error
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
        if let committedState, let repaired = try Self.repairManifest(committedState, directory: directory, name: name) {
            notes.append(repaired)
        }
        recoveryNotes = notes
    }

    static func describe(_ settings: CollectionSettings) -> String {
        "analyzer \(settings.analyzer), max_tokens \(settings.chunking.maxTokens), overlap_tokens \(settings.chunking.overlapTokens), token counter \(settings.tokenCounter), embedder \(settings.embedder?.description ?? "none")"
    }

    /// The pending generation this writer's changes carry.
    public var pendingGeneration: Int { committedGeneration + 1 }

    /// Every document's content hash and source, by document id, as this writer's next
    /// commit would leave them: committed documents overlaid with the staged changes.
    public func knownDocuments() throws -> [String: KnownDocument] {
        try database.read { db in
            var known: [String: KnownDocument] = [:]
            let rows = try Row.fetchCursor(db, sql: "SELECT doc_id, content_hash, source FROM documents")
            while let row = try rows.next() {
                known[row[0]] = KnownDocument(contentHash: row[1], source: row[2])
            }
            guard ownsStaged else { return known }
            let staged = try Row.fetchCursor(db, sql: "SELECT doc_id, deleted, content_hash, source FROM staged_documents")
            while let row = try staged.next() {
                let docID: String = row[0]
                if (row[1] as Int) != 0 { known[docID] = nil } else { known[docID] = KnownDocument(contentHash: row[2], source: row[3]) }
            }
            return known
        }
    }

    /// Records the start of an ingest in the ingest log, and settles staged rows an
    /// interrupted writer left: with `resume` and the same parameters (paths and settings) as
    /// the interrupted ingest they are adopted (committed with this run; a re-run skips them by
    /// content hash); otherwise they are rolled back, so this run publishes only its own.
    /// - Returns: notes for the user on what was resumed or rolled back.
    @discardableResult
    public func beginIngest(command: String, parameters: [String: String], resume: Bool = false) throws -> [String] {
        let params = String(decoding: try JSONSerialization.data(withJSONObject: parameters, options: [.sortedKeys]), as: UTF8.self)
        let now = Timestamp.now()
        var notes: [String] = []
        let ownsStaged = self.ownsStaged
        logID = try database.write { db in
            try db.execute(sql: "INSERT INTO ingest_log(started_at, status, command, params) VALUES (?, 'running', ?, ?)",
                           arguments: [now, command, params])
            let id = db.lastInsertedRowID
            let staged = try CommittedState.staged(db)
            if ownsStaged {
                try db.execute(sql: "UPDATE staged_documents SET ingest_id = ?", arguments: [id])
            } else if staged.documents > 0 {
                var adopt = false
                if resume, staged.ingests.count == 1,
                   let earlier = try String.fetchOne(db, sql: "SELECT params FROM ingest_log WHERE id = ?", arguments: [staged.ingests[0]]) {
                    // The parameters name the paths and every setting; the command line may
                    // differ in flags that do not change what is ingested (--json, --quiet).
                    adopt = earlier == params
                }
                let earlier = staged.ingests.map { "#\($0)" }.joined(separator: ", ")
                if adopt {
                    try db.execute(sql: "UPDATE staged_documents SET ingest_id = ?", arguments: [id])
                    try db.execute(sql: "UPDATE ingest_log SET status = 'resumed', finished_at = ? WHERE id = ?", arguments: [now, staged.ingests[0]])
                    notes.append("resuming interrupted ingest \(earlier): \(staged.documents) documents it staged are kept and committed with this run")
                } else {
                    try Self.clearStaging(db)
                    try db.execute(sql: "UPDATE ingest_log SET status = 'rolled_back', finished_at = ? WHERE status IN ('running', 'interrupted', 'failed') AND id < ? AND generation IS NULL",
                                   arguments: [now, id])
                    notes.append("rolled back \(staged.documents) staged documents of an unfinished ingest \(earlier.isEmpty ? "" : "(\(earlier)) ")that were never committed; re-run it to add them")
                }
            }
            return id
        }
        // Whatever is staged now (nothing, or adopted rows) is this writer's to commit.
        self.ownsStaged = true
        return notes
    }

    /// Stages upserts and deletions in one transaction: all of the batch or none of it.
    /// Nothing is visible to readers until `commit()`. A document with the same id replaces
    /// the stored (or staged) one. The counts are against the state this writer would commit.
    @discardableResult
    public func apply(upserts: [NewDocument], deletions: [String] = []) throws -> ChangeCounts {
        for document in upserts { try validate(document) }
        let now = Timestamp.now()
        let logID = self.logID
        let foreign = !ownsStaged
        let counts = try database.write { db -> ChangeCounts in
            // Rows another writer staged and this one did not adopt are never published by it.
            if foreign { try Self.clearStaging(db) }
            var counts = ChangeCounts()
            let insertDocument = try db.cachedStatement(sql: """
                INSERT INTO staged_documents(doc_id, deleted, source, format, title, text, metadata, content_hash, byte_size, staged_at, ingest_id, language)
                VALUES (?, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            let insertChunk = try db.cachedStatement(sql: """
                INSERT INTO staged_chunks(staged_document_id, ordinal, chunk_key, text, context, start_offset, end_offset, token_count, content_hash, vector)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            for document in upserts {
                if let prior = try Self.currentChunkCount(db, docID: document.docID) {
                    counts.documentsReplaced += 1
                    counts.chunksDeleted += prior
                } else {
                    counts.documentsAdded += 1
                }
                try db.execute(sql: "DELETE FROM staged_documents WHERE doc_id = ?", arguments: [document.docID])
                try insertDocument.execute(arguments: [document.docID, document.source, document.format, document.title, document.text,
                                                       document.metadata, document.contentHash, document.byteSize, now, logID, document.language])
                let stagedID = db.lastInsertedRowID
                for chunk in document.chunks {
                    try insertChunk.execute(arguments: [stagedID, chunk.ordinal, chunk.key(docID: document.docID), chunk.text, chunk.context,
                                                        chunk.start, chunk.end, chunk.tokenCount, chunk.contentHash,
                                                        chunk.embedding.map(VectorBlob.encode)])
                }
                counts.chunksAdded += document.chunks.count
                Failpoint.hit("store.staged")
            }
            for docID in deletions {
                guard let prior = try Self.currentChunkCount(db, docID: docID) else { continue }
                counts.documentsDeleted += 1
                counts.chunksDeleted += prior
                try db.execute(sql: "DELETE FROM staged_documents WHERE doc_id = ?", arguments: [docID])
                try db.execute(sql: "INSERT INTO staged_documents(doc_id, deleted, staged_at, ingest_id) VALUES (?, 1, ?, ?)",
                               arguments: [docID, now, logID])
            }
            return counts
        }
        Failpoint.hit("store.applied")
        ownsStaged = true
        changes += counts
        return counts
    }

    /// The chunk count of a document as the next commit would leave it (staged over
    /// committed), or nil when it would not exist.
    private static func currentChunkCount(_ db: Database, docID: String) throws -> Int? {
        if let row = try Row.fetchOne(db, sql: "SELECT id, deleted FROM staged_documents WHERE doc_id = ?", arguments: [docID]) {
            if (row[1] as Int) != 0 { return nil }
            return try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM staged_chunks WHERE staged_document_id = ?", arguments: [row[0] as Int64]) ?? 0
        }
        guard let id = try Int64.fetchOne(db, sql: "SELECT id FROM documents WHERE doc_id = ?", arguments: [docID]) else { return nil }
        return try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM chunks WHERE document_id = ?", arguments: [id]) ?? 0
    }

    private static func clearStaging(_ db: Database) throws {
        try db.execute(sql: "DELETE FROM staged_chunks")
        try db.execute(sql: "DELETE FROM staged_documents")
    }

    /// Drops everything this writer staged (a write that failed must never be published by
    /// a later one).
    public func discardStaged() throws {
        try database.write { db in try Self.clearStaging(db) }
        changes = ChangeCounts()
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
        if let problem = DocumentID.problem(document.docID) ?? (DocumentID.normalize(document.docID).utf8.elementsEqual(document.docID.utf8) ? nil
            : "the document id is not normalized (NFC, no NUL)") {
            throw StoreError(.invalidDocument, collection: name, "document \(Printable.quoted(document.docID)) was not stored: \(problem)")
        }
        let length = document.text.unicodeScalars.count
        for (ordinal, chunk) in document.chunks.enumerated() where chunk.ordinal != ordinal || chunk.start < 0 || chunk.end > length || chunk.start > chunk.end {
            throw StoreError(.invalidDocument, collection: name, "document \(Printable.quoted(document.docID)): chunk \(ordinal) has bad ordinal or offsets")
        }
    }

    /// Whether the main tables hold rows of the pending generation that no commit
    /// published: only a collection written before staging existed (schema v2) can have
    /// them; the next commit publishes them.
    public func hasPendingRows() throws -> Bool {
        let generation = pendingGeneration
        return try database.read { db in
            try Bool.fetchOne(db, sql: """
                SELECT EXISTS(SELECT 1 FROM documents WHERE generation >= ?) OR EXISTS(SELECT 1 FROM chunk_tombstones WHERE generation >= ?)
                """, arguments: [generation, generation]) ?? false
        }
    }

    /// How many documents are staged, waiting for a commit (this writer's or an interrupted one's).
    public func stagedDocumentCount() throws -> Int {
        try database.read { db in try CommittedState.staged(db).documents }
    }

    /// Publishes this writer's staged changes as a new generation, atomically: one SQLite
    /// transaction moves them into the main tables, builds every derived file for the new
    /// generation, records the files and advances the generation. MANIFEST.json is then
    /// rewritten from SQLite and superseded files removed. With nothing staged, only the
    /// derived files that are missing (or listed in `rebuilding`) are built. A builder that
    /// fails rolls the whole commit back; the staged rows stay for a retry.
    /// - Parameters:
    ///   - builders: the derived indexes to maintain (e.g. the BM25 index).
    ///   - summary: counts for the ingest log (files seen, skipped, failed, …).
    ///   - rebuilding: kinds to build again even if SQLite lists them (found damaged).
    /// - Returns: the committed manifest; builders' notes accumulate in `buildNotes`.
    @discardableResult
    public func commit(status: String = "completed", summary: [String: Int] = [:], builders: [any DerivedIndexBuilder] = [],
                       rebuilding: Set<String> = []) throws -> Manifest {
        let publishStaged = try ownsStaged && stagedDocumentCount() > 0
        let publish = try publishStaged || hasPendingRows()
        let generation = publish ? pendingGeneration : committedGeneration
        let now = Timestamp.now()
        var logCounts = summary
        logCounts["documents_added"] = changes.documentsAdded
        logCounts["documents_replaced"] = changes.documentsReplaced
        logCounts["documents_deleted"] = changes.documentsDeleted
        logCounts["chunks_added"] = changes.chunksAdded
        logCounts["chunks_deleted"] = changes.chunksDeleted
        let countsJSON = String(decoding: try JSONSerialization.data(withJSONObject: logCounts, options: [.sortedKeys]), as: UTF8.self)
        let logID = self.logID
        let (name, directory, settings) = (self.name, self.directory, self.settings)
        var notes: [String] = []
        let committed = try database.write { db -> Manifest in
            guard let previous = try CommittedState.manifest(db, collection: name, directory: directory) else {
                throw StoreError(.database, collection: name, "collection '\(name)': collection.sqlite has no settings")
            }
            let promoted = publishStaged ? try Self.promote(db, generation: generation) : ChangeCounts()
            Failpoint.hit("store.promoted")
            var derived = publish ? [] : previous.derivedFiles.filter { !rebuilding.contains($0.kind) }
            var built = false
            for builder in builders where !derived.contains(where: { $0.kind == builder.kind }) {
                // Merging onto a file of the same generation would apply its changes twice.
                let context = DerivedBuildContext(collection: name, directory: directory, generation: generation,
                                                  previous: publish ? previous : nil, settings: settings, database: db)
                let result = try builder.build(context)
                if let note = result.note { notes.append(note) }
                derived.append(result.file)
                built = true
                Failpoint.hit("store.derived-built")
            }
            if publish {
                let documents = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM documents") ?? 0
                let chunks = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM chunks") ?? 0
                try db.execute(sql: "UPDATE meta SET value = ? WHERE key = 'generation'", arguments: ["\(generation)"])
                try db.execute(sql: """
                    INSERT OR REPLACE INTO generations(generation, committed_at, documents_added, documents_replaced, documents_deleted,
                        chunks_added, chunks_deleted, document_count, chunk_count) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [generation, now, promoted.documentsAdded, promoted.documentsReplaced, promoted.documentsDeleted,
                                     promoted.chunksAdded, promoted.chunksDeleted, documents, chunks])
            }
            if publish || built || !rebuilding.isEmpty {
                try db.execute(sql: "DELETE FROM derived_files")
                for file in derived {
                    try db.execute(sql: "INSERT INTO derived_files(kind, name, generation, bytes, sha256) VALUES (?, ?, ?, ?, ?)",
                                   arguments: [file.kind, file.name, generation, file.bytes, file.sha256])
                }
            }
            if let logID {
                try db.execute(sql: "UPDATE ingest_log SET finished_at = ?, status = ?, counts = ?, generation = ? WHERE id = ?",
                               arguments: [now, status, countsJSON, generation, logID])
            }
            guard let committed = try CommittedState.manifest(db, collection: name, directory: directory) else {
                throw StoreError(.database, collection: name, "collection '\(name)': collection.sqlite has no settings")
            }
            return committed
        }
        Failpoint.hit("store.sqlite-committed")
        buildNotes += notes
        committedGeneration = generation
        changes = ChangeCounts()
        self.logID = nil
        ownsStaged = false
        do {
            try Self.publishManifest(committed, directory: directory)
        } catch {
            // SQLite is committed; the next writer rewrites the copy.
            buildNotes.append("\(error)")
        }
        Failpoint.hit("store.manifest-published")
        Self.removeUnnamedFiles(directory: directory, keeping: Set(committed.derivedFiles.map(\.name)))
        return committed
    }

    /// Moves every staged row into the main tables under `generation`, in staging order (so
    /// new chunk ids keep ascending, as the derived indexes need), tombstoning the chunks of
    /// replaced and deleted documents, and empties the staging tables.
    private static func promote(_ db: Database, generation: Int) throws -> ChangeCounts {
        var counts = ChangeCounts()
        let staged = try Row.fetchCursor(db, sql: "SELECT id, doc_id, deleted FROM staged_documents ORDER BY id")
        let find = try db.cachedStatement(sql: "SELECT id FROM documents WHERE doc_id = ?")
        let update = try db.cachedStatement(sql: """
            UPDATE documents SET (source, format, title, text, metadata, content_hash, byte_size, char_count, generation, ingested_at, language) =
                (SELECT source, format, title, text, metadata, content_hash, byte_size, length(text), ?, staged_at, language FROM staged_documents WHERE id = ?)
            WHERE id = ?
            """)
        let insert = try db.cachedStatement(sql: """
            INSERT INTO documents(doc_id, source, format, title, text, metadata, content_hash, byte_size, char_count, generation, ingested_at, language)
            SELECT doc_id, source, format, title, text, metadata, content_hash, byte_size, length(text), ?, staged_at, language FROM staged_documents WHERE id = ?
            """)
        let insertChunks = try db.cachedStatement(sql: """
            INSERT INTO chunks(chunk_key, document_id, ordinal, text, context, start_offset, end_offset, token_count, content_hash, generation)
            SELECT chunk_key, ?, ordinal, text, context, start_offset, end_offset, token_count, content_hash, ? FROM staged_chunks
            WHERE staged_document_id = ? ORDER BY ordinal
            """)
        let insertVectors = try db.cachedStatement(sql: """
            INSERT INTO embeddings(chunk_id, vector)
            SELECT c.id, s.vector FROM staged_chunks s JOIN chunks c ON c.document_id = ? AND c.ordinal = s.ordinal
            WHERE s.staged_document_id = ? AND s.vector IS NOT NULL ORDER BY s.ordinal
            """)
        while let row = try staged.next() {
            let stagedID: Int64 = row[0]
            let docID: String = row[1]
            let existing = try Int64.fetchOne(find, arguments: [docID])
            if let existing { counts.chunksDeleted += try tombstoneChunks(db, documentRowID: existing, generation: generation) }
            if (row[2] as Int) != 0 {
                guard let existing else { continue }
                try db.execute(sql: "DELETE FROM documents WHERE id = ?", arguments: [existing])
                counts.documentsDeleted += 1
                continue
            }
            let rowID: Int64
            if let existing {
                try update.execute(arguments: [generation, stagedID, existing])
                rowID = existing
                counts.documentsReplaced += 1
            } else {
                try insert.execute(arguments: [generation, stagedID])
                rowID = db.lastInsertedRowID
                counts.documentsAdded += 1
            }
            try insertChunks.execute(arguments: [rowID, generation, stagedID])
            counts.chunksAdded += db.changesCount
            try insertVectors.execute(arguments: [rowID, stagedID])
        }
        try clearStaging(db)
        return counts
    }

    private static func tombstoneChunks(_ db: Database, documentRowID: Int64, generation: Int) throws -> Int {
        try db.execute(sql: "INSERT OR REPLACE INTO chunk_tombstones(chunk_id, generation) SELECT id, ? FROM chunks WHERE document_id = ?",
                       arguments: [generation, documentRowID])
        try db.execute(sql: "DELETE FROM chunks WHERE document_id = ?", arguments: [documentRowID])
        return db.changesCount
    }

    /// Notes from derived-index builders during this writer's commits (full rebuilds, …).
    public private(set) var buildNotes: [String] = []

    /// Deletes derived files (and leftover temporary files) that the committed generation
    /// does not name: superseded generations, and orphans of a commit that never finished.
    /// Readers that mapped an old file keep it alive until they close it.
    @discardableResult
    static func removeUnnamedFiles(directory: URL, keeping: Set<String>) -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { return [] }
        var removed: [String] = []
        for name in names.sorted() where !keeping.contains(name) && CommittedState.isDerivedOrTemporary(name) {
            if (try? FileManager.default.removeItem(at: directory.appendingPathComponent(name))) != nil { removed.append(name) }
        }
        return removed
    }

    /// Marks the running ingest as failed. Its staged rows stay (a re-run of the same ingest
    /// resumes them) unless the caller discards them.
    public func fail(reason: String) throws {
        guard let logID else { return }
        try database.write { db in
            try db.execute(sql: "UPDATE ingest_log SET finished_at = ?, status = 'failed', counts = ? WHERE id = ?",
                           arguments: [Timestamp.now(), "{\"error\": \(JSONText.quoted(reason))}", logID])
        }
        self.logID = nil
    }

    /// Releases the lock. The writer must not be used afterwards.
    public func close() {
        lock.release()
    }

    // MARK: Recovery and the published manifest

    /// What opening repairs after a crash (lock held): ingests left running are marked
    /// interrupted; derived files of a v2 collection are recorded in SQLite; files no commit
    /// names are removed. Staged rows stay staged (invisible) until an ingest resumes or
    /// rolls them back.
    /// - Returns: the notes, and the committed state as SQLite records it (nil for a database
    ///   that has no settings yet).
    static func recover(database: DatabaseQueue, directory: URL, name: String) throws -> (notes: [String], committed: Manifest?) {
        var notes: [String] = []
        let published = try? Manifest.read(from: directory.appendingPathComponent(Files.manifest), collection: name)
        let (interrupted, staged, committed) = try database.write { db -> (Int, Int, Manifest?) in
            try db.execute(sql: "UPDATE ingest_log SET status = 'interrupted' WHERE status = 'running'")
            let interrupted = db.changesCount
            let count = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM derived_files") ?? 0
            let committed = try CommittedState.manifest(db, collection: name, directory: directory)
            // Before anything is repaired or removed (the newer generation's files included).
            if let committed { try CommittedState.checkNotRolledBack(published: published, committed: committed, collection: name) }
            if count == 0, let committed, !committed.derivedFiles.isEmpty {
                for file in committed.derivedFiles {
                    try db.execute(sql: "INSERT INTO derived_files(kind, name, generation, bytes, sha256) VALUES (?, ?, ?, ?, ?)",
                                   arguments: [file.kind, file.name, file.generation, file.bytes, file.sha256])
                }
            }
            return (interrupted, try CommittedState.staged(db).documents, committed)
        }
        if interrupted > 0 {
            notes.append(staged > 0
                ? "an earlier ingest was interrupted before it committed; its \(staged) staged documents are not visible (re-running the same ingest resumes them, any other write rolls them back)"
                : "an earlier ingest was interrupted before it staged anything")
        }
        let removed = removeUnnamedFiles(directory: directory, keeping: Set(committed?.derivedFiles.map(\.name) ?? []))
        if !removed.isEmpty { notes.append("removed \(removed.count) file(s) no commit names (left by an interrupted commit): \(removed.joined(separator: ", "))") }
        return (notes, committed)
    }

    /// Writes MANIFEST.json atomically (temp file, fsync, rename, fsync of the directory).
    static func publishManifest(_ manifest: Manifest, directory: URL) throws {
        do {
            try AtomicFile.write(try manifest.encoded(), to: directory.appendingPathComponent(Files.manifest))
        } catch {
            throw StoreError(.io, collection: manifest.collection, "collection '\(manifest.collection)': cannot write MANIFEST.json: \(error)")
        }
    }

    /// Rewrites MANIFEST.json when it is missing, damaged or differs from what SQLite has
    /// committed. Returns a note saying what was repaired, or nil.
    static func repairManifest(_ committed: Manifest, directory: URL, name: String) throws -> String? {
        let url = directory.appendingPathComponent(Files.manifest)
        let note: String
        if !FileManager.default.fileExists(atPath: url.path) {
            // A brand-new collection gets its first manifest silently.
            note = committed.generation == 0 ? "" : "MANIFEST.json was missing; rewritten from collection.sqlite"
        } else {
            do {
                let manifest = try Manifest.read(from: url, collection: name)
                if manifest == committed { return nil }
                note = "MANIFEST.json named generation \(manifest.generation), collection.sqlite has committed \(committed.generation); rewritten from collection.sqlite"
            } catch {
                note = "\(error)"
            }
        }
        try publishManifest(committed, directory: directory)
        return note.isEmpty ? nil : note
    }
}
