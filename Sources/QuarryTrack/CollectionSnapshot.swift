import Foundation
import QuarryCore
import QuarryStore

/// What a registry version pins of a collection: its committed generation, the MANIFEST
/// checksum that names that generation's files, the embedder, and a corpus fingerprint.
public struct CollectionSnapshot: Sendable, Equatable {
    public var collection: String
    public var generation: Int
    public var manifestChecksum: String
    public var embedder: String?
    /// SHA-256 over the sorted (document id, content hash) pairs: two collections with the
    /// same documents have the same fingerprint whatever their generation numbers.
    public var corpusFingerprint: String

    public static func capture(home: QuarryHome, collection: String) throws -> CollectionSnapshot {
        let reader = try CollectionReader(home: home, name: collection)
        let pairs = try reader.documentHashes().map { "\($0.docID)\t\($0.contentHash)" }
        return CollectionSnapshot(collection: collection, generation: reader.manifest.generation, manifestChecksum: reader.manifest.checksum,
                                  embedder: reader.manifest.settings.embedder?.description,
                                  corpusFingerprint: ContentHash.sha256(fields: pairs))
    }
}
