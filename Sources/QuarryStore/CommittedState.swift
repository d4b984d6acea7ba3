import Foundation
import GRDB
import QuarryCore

/// What SQLite says is committed: the one source of truth for a collection's generation,
/// counts and derived files. MANIFEST.json is a copy of this, written after each commit for
/// people and change detection; nothing trusts it over SQLite.
enum CommittedState {
    /// The committed manifest as SQLite records it, or nil when the database was never
    /// initialised (no settings row).
    ///
    /// A collection written before `derived_files` existed (schema v2) keeps its derived
    /// list in MANIFEST.json only; that list is used when it names the same generation.
    static func manifest(_ db: Database, collection: String, directory: URL) throws -> Manifest? {
        guard let settingsJSON = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'settings'") else { return nil }
        let settings: CollectionSettings
        do {
            settings = try JSONDecoder().decode(CollectionSettings.self, from: Data(settingsJSON.utf8))
        } catch {
            throw StoreError(.database, collection: collection, "collection '\(collection)': stored settings unreadable: \(error)")
        }
        let generation = Int(try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'generation'") ?? "0") ?? 0
        let createdAt = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'created_at'") ?? ""
        let row = try Row.fetchOne(db, sql: "SELECT committed_at, document_count, chunk_count FROM generations WHERE generation = ?",
                                   arguments: [generation])
        var derived: [Manifest.DerivedFile] = []
        if try db.tableExists("derived_files") {
            derived = try Row.fetchAll(db, sql: "SELECT kind, name, generation, bytes, sha256 FROM derived_files WHERE generation = ? ORDER BY kind",
                                       arguments: [generation]).map {
                Manifest.DerivedFile(kind: $0[0], name: $0[1], generation: $0[2], bytes: $0[3], sha256: $0[4])
            }
        }
        if derived.isEmpty, generation > 0,
           let legacy = try? Manifest.read(from: directory.appendingPathComponent(CollectionWriter.Files.manifest), collection: collection),
           legacy.generation == generation {
            derived = legacy.derivedFiles.filter { $0.generation == generation }.sorted { $0.kind < $1.kind }
        }
        var manifest = Manifest(collection: collection, generation: generation, createdAt: createdAt,
                                committedAt: row?[0] ?? createdAt, settings: settings,
                                documentCount: row?[1] ?? 0, chunkCount: row?[2] ?? 0, derivedFiles: derived)
        manifest.checksum = try manifest.computeChecksum()
        return manifest
    }

    /// Refuses a collection.sqlite that is older than its published MANIFEST.json.
    ///
    /// MANIFEST.json is written only after SQLite commits, so it may lag SQLite (a crash in
    /// between) but never lead it. A published generation above SQLite's means
    /// collection.sqlite was replaced by an older copy or lost committed transactions; serving
    /// it would silently answer from the past, and a writer would build over it. The
    /// published copy must be read before SQLite's state, so a commit in between cannot look
    /// like this.
    static func checkNotRolledBack(published: Manifest?, committed: Manifest, collection: String) throws {
        guard let published, published.generation > committed.generation else { return }
        throw StoreError(.database, collection: collection, """
            collection '\(collection)': collection.sqlite is at generation \(committed.generation), but MANIFEST.json was published \
            for generation \(published.generation) after it: collection.sqlite was replaced by an older copy or lost committed \
            transactions. Restore the current collection.sqlite; or, to keep the older state on purpose (a restored backup), \
            delete MANIFEST.json (it is rewritten from collection.sqlite)
            """)
    }

    /// How many documents are staged (written by an ingest that has not committed), and
    /// which ingest-log entries staged them.
    static func staged(_ db: Database) throws -> (documents: Int, ingests: [Int64]) {
        guard try db.tableExists("staged_documents") else { return (0, []) }
        let count = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM staged_documents") ?? 0
        let ingests = try Int64.fetchAll(db, sql: "SELECT DISTINCT ingest_id FROM staged_documents WHERE ingest_id IS NOT NULL ORDER BY ingest_id")
        return (count, ingests)
    }

    /// Whether a derived-file name looks like one a builder writes (`kind.N.ext`) or a
    /// leftover temporary file of an atomic write.
    static func isDerivedOrTemporary(_ name: String) -> Bool {
        name.hasPrefix(".") && name.contains(".tmp-") || name.range(of: #"^[a-z]+\.[0-9]+\.[a-z0-9]+$"#, options: .regularExpression) != nil
    }
}
