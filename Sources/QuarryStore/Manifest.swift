import Foundation
import QuarryCore

/// MANIFEST.json: the committed state of a collection, replaced atomically on every commit.
///
/// It names the committed generation, the settings every document was processed with
/// (analyzer, chunking, token counter; later the embedder), the counts at that generation,
/// and each derived file with its size and checksum. It carries its own SHA-256 over the
/// rest of its fields, so a truncated or hand-edited manifest is detected, not trusted.
/// SQLite stays the source of truth: a manifest that is missing or behind the database is
/// rewritten from it by the next writer.
public struct Manifest: Codable, Sendable, Equatable {
    /// The manifest format this build reads and writes.
    public static let currentFormatVersion = 1

    public var formatVersion: Int = Manifest.currentFormatVersion
    public var collection: String
    public var generation: Int
    public var createdAt: String
    public var committedAt: String
    public var settings: CollectionSettings
    public var documentCount: Int
    public var chunkCount: Int
    public var derivedFiles: [DerivedFile] = []
    public var checksum: String = ""

    /// A file derived from SQLite at this generation (an index), with its integrity data.
    public struct DerivedFile: Codable, Sendable, Equatable {
        /// What it is ("lexical", later "vectors"); one file per kind.
        public var kind: String
        /// The file name inside the collection directory.
        public var name: String
        /// The generation whose SQLite state it reflects.
        public var generation: Int
        public var bytes: Int
        public var sha256: String

        public init(kind: String, name: String, generation: Int, bytes: Int, sha256: String) {
            self.kind = kind
            self.name = name
            self.generation = generation
            self.bytes = bytes
            self.sha256 = sha256
        }
    }

    /// The derived file of a kind, when the manifest lists one for its own generation.
    public func derivedFile(_ kind: String) -> DerivedFile? {
        derivedFiles.first { $0.kind == kind && $0.generation == generation }
    }

    enum CodingKeys: String, CodingKey {
        case formatVersion = "format_version", collection, generation, createdAt = "created_at",
             committedAt = "committed_at", settings, documentCount = "document_count", chunkCount = "chunk_count",
             derivedFiles = "derived_files", checksum
    }

    /// The checksum of every field but `checksum`.
    func computeChecksum() throws -> String {
        var copy = self
        copy.checksum = ""
        return ContentHash.sha256(try Self.encoder.encode(copy))
    }

    /// The manifest's JSON, with its checksum filled in.
    public func encoded() throws -> Data {
        var copy = self
        copy.checksum = try computeChecksum()
        return try Self.encoder.encode(copy)
    }

    /// Reads and verifies a manifest.
    /// - Throws: `StoreError.corruptManifest` or `.unsupportedFormat`.
    public static func read(from url: URL, collection: String) throws -> Manifest {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw StoreError(.corruptManifest, collection: collection, "collection '\(collection)': MANIFEST.json is missing or unreadable")
        }
        let manifest: Manifest
        do {
            manifest = try JSONDecoder().decode(Manifest.self, from: data)
        } catch {
            throw StoreError(.corruptManifest, collection: collection, "collection '\(collection)': MANIFEST.json is not valid (\(error)); a writer rebuilds it from collection.sqlite")
        }
        guard manifest.formatVersion <= currentFormatVersion else {
            throw StoreError(.unsupportedFormat, collection: collection,
                             "collection '\(collection)': manifest format v\(manifest.formatVersion) unsupported (this build reads up to v\(currentFormatVersion)); upgrade quarry")
        }
        guard try manifest.computeChecksum() == manifest.checksum else {
            throw StoreError(.corruptManifest, collection: collection, "collection '\(collection)': MANIFEST.json checksum failed; a writer rebuilds it from collection.sqlite")
        }
        return manifest
    }

    static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return encoder
    }
}

/// The processing settings fixed when a collection is created: every chunk in it was made
/// with these, so a later ingest that asks for others is refused rather than mixing them.
public struct CollectionSettings: Codable, Sendable, Equatable {
    public var analyzer: String
    public var chunking: ChunkingSettings
    public var tokenCounter: String
    /// The embedder every stored vector came from; nil for a lexical-only collection.
    /// Querying or adding with another embedder is refused (training/serving skew).
    public var embedder: EmbedderIdentity?

    public init(analyzer: String, chunking: ChunkingSettings, tokenCounter: String, embedder: EmbedderIdentity? = nil) {
        self.analyzer = analyzer
        self.chunking = chunking
        self.tokenCounter = tokenCounter
        self.embedder = embedder
    }

    enum CodingKeys: String, CodingKey { case analyzer, chunking, tokenCounter = "token_counter", embedder }
}
