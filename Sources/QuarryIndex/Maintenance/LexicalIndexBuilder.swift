import Foundation
import QuarryCore
import QuarryStore
import QuarryText

/// Keeps a collection's BM25 index in step with its commits: the `DerivedIndexBuilder`
/// for kind "lexical".
///
/// At each commit it opens the previous generation's file and merges: postings of deleted
/// or replaced chunks (the generation's tombstones) are dropped, and only the chunks added
/// in the new generation are analysed and appended (their ids are larger than any before,
/// so document order holds). A missing, damaged or mismatched previous file triggers a
/// full rebuild from SQLite, reported in the result's note. Analysis runs on all cores.
public struct LexicalIndexBuilder: DerivedIndexBuilder {
    public let kind = LexicalIndexBuilder.kindName
    public static let kindName = "lexical"

    /// Rebuild from every chunk even when the previous file could be merged.
    public var fullRebuild: Bool

    public init(fullRebuild: Bool = false) {
        self.fullRebuild = fullRebuild
    }

    /// The file name for a generation.
    public static func fileName(generation: Int) -> String { "lexical.\(generation).bm25" }

    public func build(_ context: DerivedBuildContext) throws -> DerivedBuildResult {
        let analyzer = try Analyzers.named(context.settings.analyzer)
        var note: String?
        var bytes: [UInt8]?
        if !fullRebuild, let entry = context.previous?.derivedFile(kind), let previous = context.previous {
            do {
                let reader = try BM25Reader(path: context.url(entry.name).path)
                guard reader.header.analyzer == analyzer.name, reader.header.generation == UInt64(previous.generation) else {
                    throw IndexError(.mismatch, path: reader.path, "built with analyzer \(reader.header.analyzer) at generation \(reader.header.generation)")
                }
                bytes = try merge(reader, context: context, analyzer: analyzer)
            } catch {
                note = "lexical index: previous file unusable (\(error)); rebuilt from collection.sqlite"
            }
        }
        let encoded = try bytes ?? Self.buildAll(context: context, analyzer: analyzer)
        let name = Self.fileName(generation: context.generation)
        let data = Data(encoded)
        Failpoint.hit("index.bm25.encoded")
        try AtomicFile.write(data, to: context.url(name))
        return DerivedBuildResult(file: Manifest.DerivedFile(kind: kind, name: name, generation: context.generation, bytes: data.count,
                                                             sha256: ContentHash.sha256(data)),
                                  note: note)
    }

    /// Builds the whole index from every chunk in SQLite.
    static func buildAll(context: DerivedBuildContext, analyzer: any Analyzer) throws -> [UInt8] {
        try encodeAll(analyzer: analyzer, generation: context.generation) { try context.forEachChunkText($0) }
    }

    /// The encoded index of every chunk of a collection snapshot (for readers that cannot
    /// take the writer lock and build a private copy).
    public static func encodeAll(_ reader: CollectionReader, analyzer: any Analyzer) throws -> [UInt8] {
        try encodeAll(analyzer: analyzer, generation: reader.manifest.generation) { try reader.forEachChunkText($0) }
    }

    /// The encoded index of the chunks `forEach` hands out in id order.
    static func encodeAll(analyzer: any Analyzer, generation: Int, forEach: (([ChunkText]) throws -> Void) throws -> Void) throws -> [UInt8] {
        var builder = BM25Builder()
        try forEach { batch in try add(batch, to: &builder, analyzer: analyzer) }
        return BM25File.encode(generation: UInt64(generation), analyzer: analyzer.name, chunkIDs: builder.chunkIDs,
                               lengths: builder.lengths, terms: builder.sortedTerms())
    }

    /// Analyses a batch of chunks in parallel and adds them in id order.
    static func add(_ batch: [ChunkText], to builder: inout BM25Builder, analyzer: any Analyzer) throws {
        guard !batch.isEmpty else { return }
        let documents = try LexicalAnalysis.analyze(batch, analyzer: analyzer)
        for document in documents { try builder.add(document) }
    }

    /// The previous file's postings minus tombstoned chunks, plus the new generation's chunks.
    func merge(_ reader: BM25Reader, context: DerivedBuildContext, analyzer: any Analyzer) throws -> [UInt8] {
        let added = try context.addedChunks()
        let deleted = try context.removedChunkIDs()
        // Old documents kept, renumbered densely.
        var remap = [Int32](repeating: -1, count: reader.documentCount)
        var chunkIDs: [Int64] = []
        var lengths: [UInt32] = []
        chunkIDs.reserveCapacity(reader.documentCount + added.count)
        for doc in 0 ..< reader.documentCount {
            let id = reader.chunkID(UInt32(doc))
            guard !deleted.contains(id) else { continue }
            remap[doc] = Int32(chunkIDs.count)
            chunkIDs.append(id)
            lengths.append(reader.length(UInt32(doc)))
        }
        if let lastOld = chunkIDs.last, let firstNew = added.first?.id, firstNew <= lastOld {
            throw IndexError(.mismatch, path: reader.path, "new chunk id \(firstNew) is not above the indexed ids")
        }
        var fresh = BM25Builder()
        for document in try LexicalAnalysis.analyze(added, analyzer: analyzer) { try fresh.add(document) }
        let offset = UInt32(chunkIDs.count)
        chunkIDs += fresh.chunkIDs
        lengths += fresh.lengths
        let newTerms = fresh.sortedTerms()
        var terms: [(term: [UInt8], postings: PostingList)] = []
        terms.reserveCapacity(reader.termCount + newTerms.count)
        var i = 0
        var j = 0
        func oldPostings(_ index: Int) -> PostingList {
            var kept = PostingList()
            let all = reader.postings(at: index)
            for p in 0 ..< all.count where remap[Int(all.documents[p])] >= 0 {
                kept.append(document: UInt32(remap[Int(all.documents[p])]), text: all.textFrequencies[p], title: all.titleFrequencies[p])
            }
            return kept
        }
        func shifted(_ list: PostingList) -> PostingList {
            var out = list
            for p in 0 ..< out.count { out.documents[p] += offset }
            return out
        }
        while i < reader.termCount || j < newTerms.count {
            let oldTerm = i < reader.termCount ? reader.term(at: i) : nil
            let newTerm = j < newTerms.count ? newTerms[j].term : nil
            var list: PostingList
            let term: [UInt8]
            if let o = oldTerm, newTerm == nil || o.lexicographicallyPrecedes(newTerm!) {
                term = o
                list = oldPostings(i)
                i += 1
            } else if let n = newTerm, oldTerm == nil || n.lexicographicallyPrecedes(oldTerm!) {
                term = n
                list = shifted(newTerms[j].postings)
                j += 1
            } else {
                term = oldTerm!
                list = oldPostings(i)
                let extra = shifted(newTerms[j].postings)
                list.documents += extra.documents
                list.textFrequencies += extra.textFrequencies
                list.titleFrequencies += extra.titleFrequencies
                i += 1
                j += 1
            }
            if list.count > 0 { terms.append((term, list)) }
        }
        return BM25File.encode(generation: UInt64(context.generation), analyzer: analyzer.name, chunkIDs: chunkIDs, lengths: lengths, terms: terms)
    }
}

/// Turns chunks into lexical documents: the context (title › headings) is the title field,
/// the chunk text the text field.
public enum LexicalAnalysis {
    /// Analyses chunks on all cores, keeping order. A language-aware analyzer gets each
    /// chunk's document language; a chunk whose document has none stored (collections
    /// ingested before languages were identified) is identified from its own context and
    /// text, once for both fields.
    public static func analyze(_ rows: [ChunkText], analyzer: any Analyzer) throws -> [LexicalDocument] {
        let results = ParallelMap.map(rows.count, chunk: 64) { i in
            let row = rows[i]
            return Result {
                guard analyzer.isLanguageAware else {
                    return LexicalDocument(chunkID: row.id, textTerms: try analyzer.terms(row.text), titleTerms: try analyzer.terms(row.context))
                }
                let language = row.language.isEmpty ? LanguageIdentifier.identify(row.context + "\n" + row.text).code : row.language
                return LexicalDocument(chunkID: row.id, textTerms: try analyzer.analyze(row.text, language: language).map(\.term),
                                       titleTerms: try analyzer.analyze(row.context, language: language).map(\.term))
            }
        }
        return try results.map { try $0.get() }
    }
}
