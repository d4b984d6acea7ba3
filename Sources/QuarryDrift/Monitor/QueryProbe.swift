import Foundation
import QuarryCore
import QuarryEmbed
import QuarryRetrieve
import QuarryStore

/// What query sides are measured against: one collection's lexicon and indexes (for the OOV
/// rate and the best lexical and dense scores) and an embedder (for query embeddings).
///
/// Both sides of a check use the same probe, so a difference between them comes from the
/// queries and never from the yardstick. Without a collection only the features of the text
/// itself (length, script, embeddings) can be measured; the report says which were skipped.
public struct QueryProbe: Sendable {
    public let collection: String?
    public let lexical: LexicalSearcher?
    /// nil when the collection has no embeddings or its embedder is not the configured one.
    public let dense: DenseSearcher?
    /// Embeds the queries: the collection's own embedder when dense search is open, else the
    /// configured one, else none.
    public let embedder: (any Embedder)?
    /// What opening had to leave out or repair.
    public let notes: [String]

    public init(collection: String?, lexical: LexicalSearcher?, dense: DenseSearcher?, embedder: (any Embedder)?, notes: [String]) {
        self.collection = collection
        self.lexical = lexical
        self.dense = dense
        self.embedder = embedder
        self.notes = notes
    }

    /// Opens `collection`'s indexes (when given) and picks the embedder.
    /// - Throws: `DriftError.Code.sourceNotFound` for an unknown collection; index errors unchanged.
    public static func open(home: QuarryHome, collection: String?, embedder: (any Embedder)?,
                            catalog: EmbedderCatalog? = nil) async throws -> QueryProbe {
        guard let collection else {
            return QueryProbe(collection: nil, lexical: nil, dense: nil, embedder: embedder,
                              notes: ["no collection given: OOV rate, best scores and no-good-result rate are not measured (pass --collection)"])
        }
        let lexical: LexicalSearcher
        do {
            lexical = try await LexicalSearcher.open(home: home, collection: collection)
        } catch let error as StoreError where error.code == .notFound {
            throw DriftError(.sourceNotFound, error.message)
        }
        var notes = lexical.notes
        var dense: DenseSearcher?
        if let stored = lexical.collection.manifest.settings.embedder {
            var own = embedder?.identity == stored ? embedder : nil
            var why = "the configured embedder is \(embedder.map { "\($0.identity)" } ?? "none")"
            if own == nil, embedder != nil, let catalog {
                do {
                    own = try await catalog.embedder(for: stored)
                } catch let error as EmbedError {
                    why = error.message
                }
            }
            if let own {
                dense = try await DenseSearcher.open(home: home, collection: collection, embedder: own)
                notes += dense?.notes ?? []
            } else {
                notes.append("best dense score not measured: collection '\(collection)' was embedded with \(stored), \(why)")
            }
        } else {
            notes.append("best dense score not measured: collection '\(collection)' has no embeddings")
        }
        return QueryProbe(collection: collection, lexical: lexical, dense: dense, embedder: dense?.embedder ?? embedder, notes: notes)
    }
}
