import Foundation
import QuarryCore
import QuarryStore

/// Keeps a collection's HNSW index in step with its commits: the `DerivedIndexBuilder` for
/// kind "vectors", over the chunk embeddings stored in SQLite.
///
/// At each commit it loads the previous generation's file and applies the generation's
/// changes: tombstoned chunks are removed (HNSW tombstones, compacted automatically past the
/// configured ratio so recall does not decay) and the new chunks' vectors are inserted. A
/// missing, damaged or mismatched previous file means a full build from SQLite, reported in
/// the note. The file records the embedder, so vectors from another model are never mixed.
public struct VectorIndexBuilder: DerivedIndexBuilder {
    public let kind = VectorIndexBuilder.kindName
    public static let kindName = "vectors"
    /// Graph parameters for new files (M, efConstruction, ef, compaction threshold).
    public var configuration: HNSWIndex.Configuration
    /// Build from every embedding even when the previous file could be updated.
    public var fullRebuild: Bool

    public init(configuration: HNSWIndex.Configuration = HNSWIndex.Configuration(), fullRebuild: Bool = false) {
        self.configuration = configuration
        self.fullRebuild = fullRebuild
    }

    /// The file name for a generation.
    public static func fileName(generation: Int) -> String { "vectors.\(generation).hnsw" }

    /// The id an index file records for an embedder (the file format allows 64 bytes).
    public static func embedderID(_ identity: EmbedderIdentity) -> String {
        "\(identity.kind):\(ContentHash.sha256(identity.description).prefix(32)):\(identity.dimension)"
    }

    public func build(_ context: DerivedBuildContext) throws -> DerivedBuildResult {
        guard let embedder = context.settings.embedder else {
            throw IndexError(.invalidArgument, path: context.directory.path, "collection '\(context.collection)' has no embedder, so no vector index")
        }
        let id = Self.embedderID(embedder)
        var note: String?
        var index: HNSWIndex?
        if !fullRebuild, let entry = context.previous?.derivedFile(kind), let previous = context.previous {
            do {
                let loaded = try HNSWIndex(path: context.url(entry.name).path, expectedEmbedderID: id)
                guard try HNSWFile.readHeader(at: context.url(entry.name).path).generation == UInt64(previous.generation) else {
                    throw IndexError(.mismatch, path: entry.name, "file is not of generation \(previous.generation)")
                }
                try apply(context, to: loaded, dimension: embedder.dimension)
                index = loaded
            } catch {
                note = "vector index: previous file unusable (\(error)); rebuilt from collection.sqlite"
            }
        }
        let built = try index ?? Self.buildAll(dimension: embedder.dimension, configuration: configuration) {
            try context.forEachEmbedding(dimension: embedder.dimension, $0)
        }
        let name = Self.fileName(generation: context.generation)
        let data = Data(try built.encoded(generation: UInt64(context.generation), embedderID: id))
        Failpoint.hit("index.hnsw.encoded")
        try AtomicFile.write(data, to: context.url(name))
        return DerivedBuildResult(file: Manifest.DerivedFile(kind: kind, name: name, generation: context.generation, bytes: data.count,
                                                             sha256: ContentHash.sha256(data)),
                                  note: note)
    }

    /// Removes the generation's tombstoned chunks and inserts its new ones.
    func apply(_ context: DerivedBuildContext, to index: HNSWIndex, dimension: Int) throws {
        for chunk in try context.removedChunkIDs().sorted() { _ = index.remove(id: chunk) }
        try context.forEachAddedEmbedding(dimension: dimension) { ids, vectors in
            for (id, vector) in zip(ids, vectors) {
                try index.add(id: id, vector: vector)
                Failpoint.hit("index.hnsw.inserted")
            }
        }
    }

    /// Builds an index from every embedding of a collection snapshot (for readers that
    /// cannot write).
    public static func buildAll(_ reader: CollectionReader, dimension: Int, configuration: HNSWIndex.Configuration) throws -> HNSWIndex {
        try buildAll(dimension: dimension, configuration: configuration) { try reader.forEachEmbedding(dimension: dimension, $0) }
    }

    /// Builds an index from the embeddings `forEach` hands out in batches.
    static func buildAll(dimension: Int, configuration: HNSWIndex.Configuration,
                         forEach: (([Int64], [[Float]]) throws -> Void) throws -> Void) throws -> HNSWIndex {
        let index = try HNSWIndex(dimension: dimension, metric: .cosine, configuration: configuration)
        try forEach { ids, vectors in
            try index.add(ids: ids, vectors: vectors)
            Failpoint.hit("index.hnsw.inserted")
        }
        return index
    }

}
