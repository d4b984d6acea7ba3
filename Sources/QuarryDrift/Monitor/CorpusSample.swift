import Foundation
import QuarryCore
import QuarryStore
import QuarryTrack

/// Chunks drawn from one committed collection generation: the corpus side of a drift check.
///
/// A collection keeps only its latest generation on disk (replaced chunks are deleted, not
/// versioned), so a side can only be the generation the collection holds now. A registry
/// version that pins an older generation is refused with that explanation rather than
/// silently compared as the current one.
public struct CorpusSample: Sendable {
    /// One sampled chunk.
    public struct Chunk: Sendable, Equatable {
        public var text: String
        /// Title › heading path the chunk was embedded with.
        public var context: String
        /// Tokens as the collection's token counter counted them.
        public var tokenCount: Int
        /// The stored embedding, when the collection has them.
        public var vector: [Float]?
    }

    public var collection: String
    public var generation: Int
    /// The collection's analyzer name (both sides are analysed with the reference's).
    public var analyzer: String
    public var embedder: EmbedderIdentity?
    /// Chunks in the generation.
    public var totalCount: Int
    public var chunks: [Chunk]
    public var notes: [String]

    /// Loads a seeded sample of at most `limit` chunks of `source` (a `collection:` or
    /// `version:` side).
    /// - Throws: `DriftError.Code.sourceNotFound` for an unknown collection or version,
    ///   `.sourceUnavailable` when a version's generation is no longer on disk, `.invalidSource`
    ///   for a query side.
    public static func load(_ source: DriftSource, home: QuarryHome, limit: Int, seed: UInt64) throws -> CorpusSample {
        var notes: [String] = []
        let name: String
        var pinned: (generation: Int, checksum: String)?
        switch source {
        case .collection(let collection):
            name = collection
        case .registryVersion(let pipeline, let reference):
            let version: PipelineVersion
            do {
                version = try Registry(store: try SQLiteTrackingStore(home: home)).resolve(pipeline, reference)
            } catch let error as TrackingError {
                throw DriftError(.sourceNotFound, "\(source): \(error)")
            }
            name = version.collection
            pinned = (version.generation, version.manifestChecksum)
            notes.append("\(source) is version \(version.version) of \(pipeline): collection '\(name)' generation \(version.generation)")
        case .queryFile, .queryLog:
            throw DriftError(.invalidSource, "\(source) is a query side; a corpus check needs collection:NAME or version:PIPELINE@REF")
        }
        let reader: CollectionReader
        do {
            reader = try CollectionReader(home: home, name: name)
        } catch let error as StoreError where error.code == .notFound {
            throw DriftError(.sourceNotFound, "\(source): \(error.message)")
        }
        let manifest = reader.manifest
        if let pinned, pinned.generation != manifest.generation || pinned.checksum != manifest.checksum {
            let now = pinned.generation != manifest.generation ? "is now at generation \(manifest.generation)"
                : "was rebuilt since (its MANIFEST checksum differs)"
            throw DriftError(.sourceUnavailable, "\(source) pins collection '\(name)' generation \(pinned.generation), but the collection \(now) "
                             + "and keeps only its latest generation on disk, so the pinned chunks are gone. Compare collection:\(name) "
                             + "(its current generation) instead, or keep versions in separate collections (e.g. \(name)-v1, \(name)-v2)")
        }
        let dimension = manifest.settings.embedder?.dimension
        var random = SplitMix64(seed: seed)
        let (total, sampled) = try reader.sampleChunks(limit: limit, dimension: dimension) { count in random.sample(limit, from: count) }
        let chunks = sampled.map { Chunk(text: $0.text, context: $0.context, tokenCount: $0.tokenCount, vector: $0.vector) }
        guard !chunks.isEmpty else {
            throw DriftError(.sourceUnavailable, "\(source): collection '\(name)' holds no chunks")
        }
        if chunks.count < total {
            notes.append("\(source): \(chunks.count) of \(total) chunks sampled (seed \(seed))")
        }
        return CorpusSample(collection: name, generation: manifest.generation, analyzer: manifest.settings.analyzer,
                            embedder: manifest.settings.embedder, totalCount: total, chunks: chunks, notes: notes)
    }
}
