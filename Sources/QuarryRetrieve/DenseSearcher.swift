import Foundation
import QuarryCore
import QuarryEmbed
import QuarryIndex
import QuarryStore
import QuarryWire

/// The dense side of one collection's retrieval: the collection's own embedder and the HNSW
/// index over its chunk vectors (`Retriever` runs the queries).
///
/// The embedder must be the one the collection was built with (same kind, model, weights,
/// pooling, dimension): anything else is refused with both identities named, because
/// vectors from two models are not comparable (training/serving skew).
public struct DenseSearcher: Sendable {
    public let collection: CollectionReader
    public let index: any VectorIndex
    public let embedder: any Embedder
    public let notes: [String]
    /// How much of the collection's text the embedder's vocabulary holds whole, over a
    /// sample of its chunks (`sampleSize`, spread evenly over the id range, so the same
    /// generation always gives the same figure); nil when the embedder's vocabulary is unknown.
    public let vocabularyFit: VocabularyFit?

    /// Chunks read for `vocabularyFit`: each holds dozens of words, so the share is stable,
    /// and the read is one indexed lookup per chunk whatever the collection's size.
    public static let sampleSize = 256

    /// - Parameter quantization: how the index holds its vectors (`.int8`: SQ8 codes in
    ///   memory, the floats read in place from the file to rescore).
    public static func open(home: QuarryHome, collection name: String, embedder: any Embedder,
                            quantization: VectorQuantization = .none) async throws -> DenseSearcher {
        let manifestReader = try CollectionReader(home: home, name: name)
        guard let stored = manifestReader.manifest.settings.embedder else {
            throw RetrieveError("collection '\(name)' has no embeddings (it was ingested with --embedder none); dense search needs a re-ingest with an embedder")
        }
        guard stored == embedder.identity else {
            throw RetrieveError("collection '\(name)' was embedded with \(stored); this query would use \(embedder.identity). Configure the collection's embedder (embedding.* / --model), or re-ingest")
        }
        let embedderID = VectorIndexBuilder.embedderID(stored)
        let outcome = try await DerivedFiles.ensure(home: home, collection: name, builder: VectorIndexBuilder()) { url, reader in
            try openFile(url, reader, embedderID: embedderID, quantization: quantization)
        }
        let reader = outcome.reader
        let index = try outcome.value ?? VectorIndexBuilder.buildAll(reader, dimension: stored.dimension, configuration: HNSWIndex.Configuration())
        return DenseSearcher(collection: reader, index: index, embedder: embedder, notes: outcome.notes,
                             vocabularyFit: try collectionFit(reader, embedder: embedder))
    }

    /// The embedder's vocabulary fit over the text of up to `sampleSize` chunks spread evenly
    /// over the id range; nil when the embedder reports none.
    static func collectionFit(_ reader: CollectionReader, embedder: any Embedder) throws -> VocabularyFit? {
        guard embedder.vocabularyFit("a") != nil else { return nil }
        return try reader.spreadChunkTexts(limit: sampleSize).reduce(VocabularyFit()) { total, text in
            total + (embedder.vocabularyFit(text) ?? VocabularyFit())
        }
    }

    static func openFile(_ url: URL, _ reader: CollectionReader, embedderID: String, quantization: VectorQuantization = .none) throws -> HNSWIndex {
        let header = try HNSWFile.readHeader(at: url.path)
        guard header.generation == UInt64(reader.manifest.generation) else {
            throw IndexError(.mismatch, path: url.path, "index is for generation \(header.generation), not \(reader.manifest.generation)")
        }
        return try HNSWIndex(path: url.path, expectedEmbedderID: embedderID, quantization: quantization)
    }
}

/// Joins scored chunk ids with their document ids, text and offsets.
enum ChunkDetails {
    static func attach(_ hits: [ScoredChunk], from collection: CollectionReader) throws -> [SearchHit] {
        guard !hits.isEmpty else { return [] }
        let rows = try collection.chunkDetails(hits.map(\.chunkID))
        return hits.enumerated().compactMap { rank, hit in
            guard let row = rows[hit.chunkID] else { return nil }
            return SearchHit(rank: rank + 1, score: hit.score, chunkID: hit.chunkID, docID: row.docID, ordinal: row.ordinal, title: row.title,
                             context: row.context, text: row.text, start: row.start, end: row.end)
        }
    }
}
