import Foundation
import QuarryCore

/// The collections in a Quarry home: listing and deleting.
public struct CollectionCatalog: Sendable {
    public let home: QuarryHome

    public init(home: QuarryHome) {
        self.home = home
    }

    /// A line of `quarry collections list`.
    public struct Entry: Sendable, Codable, Equatable {
        public var name: String
        public var generation: Int?
        public var documents: Int?
        public var chunks: Int?
        public var committedAt: String?
        public var analyzer: String?
        /// Set when the collection could not be read.
        public var error: String?

        enum CodingKeys: String, CodingKey {
            case name, generation, documents, chunks, committedAt = "committed_at", analyzer, error
        }
    }

    /// Every collection, sorted by name, with its committed state as SQLite records it.
    public func list() throws -> [Entry] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: home.collectionsDirectory.path)) ?? []
        return names.sorted().compactMap { name -> Entry? in
            guard (try? CollectionName.validate(name)) != nil else { return nil }
            let databaseURL = home.collectionsDirectory.appendingPathComponent(name).appendingPathComponent(CollectionWriter.Files.database)
            guard FileManager.default.fileExists(atPath: databaseURL.path) else {
                return Entry(name: name, error: "no collection.sqlite (never written, or damaged)")
            }
            do {
                let manifest = try CollectionReader(home: home, name: name).manifest
                return Entry(name: name, generation: manifest.generation, documents: manifest.documentCount, chunks: manifest.chunkCount,
                             committedAt: manifest.committedAt, analyzer: manifest.settings.analyzer)
            } catch {
                return Entry(name: name, error: "\(error)")
            }
        }
    }

    /// Deletes a collection, refusing while a writer holds it.
    /// - Throws: `StoreError.notFound` or `.locked`.
    public func delete(_ name: String) throws {
        let directory = try home.collectionDirectory(name)
        guard FileManager.default.fileExists(atPath: directory.path) else {
            throw StoreError(.notFound, collection: name, "no collection '\(name)' in \(home.url.path)")
        }
        let lock = try CollectionLock(directory: directory, collection: name)
        defer { lock.release() }
        // Rename first so a crash mid-delete never leaves a half-deleted collection that
        // looks valid; then remove the renamed directory.
        let trash = home.collectionsDirectory.appendingPathComponent(".deleting-\(name)-\(UInt32.random(in: 0 ... .max))")
        do {
            try FileManager.default.moveItem(at: directory, to: trash)
            try AtomicFile.syncDirectory(home.collectionsDirectory)
            try FileManager.default.removeItem(at: trash)
        } catch {
            throw StoreError(.io, collection: name, "cannot delete collection '\(name)': \(error.localizedDescription)")
        }
    }
}
