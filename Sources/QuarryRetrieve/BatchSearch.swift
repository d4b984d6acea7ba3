import Foundation
import QuarryIndex
import QuarryStore

/// A query of a BEIR-style queries file.
public struct Query: Sendable, Equatable {
    public var id: String
    public var text: String

    public init(id: String, text: String) {
        self.id = id
        self.text = text
    }
}

/// Reads BEIR `queries.jsonl` (`_id`, `text`): every bad line is an error naming its number,
/// because a silently dropped query would skew every metric computed from the run.
public enum QueryFile {
    public static func read(_ url: URL) throws -> [Query] {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw RetrieveError("cannot read queries file \(url.path)")
        }
        var queries: [Query] = []
        var seen = Set<String>()
        for (index, line) in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.drop { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }
            if trimmed.isEmpty || trimmed.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            guard let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any] else {
                throw RetrieveError("\(url.path):\(index + 1): not a JSON object")
            }
            let id: String
            switch object["_id"] {
            case let value as String: id = value
            case let value as NSNumber where !(value is Bool): id = value.stringValue
            default: throw RetrieveError("\(url.path):\(index + 1): missing \"_id\"")
            }
            guard let text = object["text"] as? String else { throw RetrieveError("\(url.path):\(index + 1): missing \"text\"") }
            guard seen.insert(id).inserted else { throw RetrieveError("\(url.path):\(index + 1): duplicate query id \"\(id)\"") }
            queries.append(Query(id: id, text: text))
        }
        return queries
    }
}

/// A failure in retrieval set-up or input.
public struct RetrieveError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Batch retrieval into a TREC run: for each query, the best chunk of each document
/// decides the document's score (max-pooling, the usual passage-to-document rule), and the
/// top `k` documents are written as `qid Q0 docid rank score tag`.
public struct BatchSearch: Sendable {
    /// Scored chunks for query number `index`, best first, at most `k` of them.
    public typealias ChunkRanker = (_ index: Int, _ k: Int) throws -> [ScoredChunk]

    public let collection: CollectionReader
    /// Chunks retrieved per query before pooling into documents (`k × depth`).
    public var depth: Int = 4

    public init(collection: CollectionReader) {
        self.collection = collection
    }

    /// One query's ranked documents.
    public struct Ranking: Sendable {
        public var queryID: String
        public var documents: [(docID: String, score: Float)]
    }

    /// Runs every query through `retriever`'s first stages in the options' mode: all texts
    /// analysed and embedded first (the embedder in one batch), then ranked one at a time,
    /// single-threaded, in order; the seconds count only the ranking. The later stages
    /// (rerank, MMR, merge) do not take part in a run.
    public static func run(_ retriever: Retriever, _ queries: [Query], k: Int, options: RetrievalOptions,
                           progress: ((Int, Int) -> Void)? = nil) async throws -> (rankings: [Ranking], searchSeconds: Double) {
        var options = options.firstStagesOnly
        options.k = min(k, RetrievalOptions.maxK)
        try options.validate()
        let mode = try retriever.servedMode(options).mode
        let allowed = try retriever.allowedChunks(options)
        let prepared = try await retriever.prepare(queries.map(\.text), mode: mode)
        return try BatchSearch(collection: retriever.collection).run(queries, k: k, progress: progress) { i, depth in
            try retriever.candidates(prepared[i], mode: mode, depth: depth, options: options, allowed: allowed).fused
        }
    }

    /// Runs `rank` for every query in order; the seconds count only the ranking calls.
    public func run(_ queries: [Query], k: Int, progress: ((Int, Int) -> Void)? = nil,
                    rank: ChunkRanker) throws -> (rankings: [Ranking], searchSeconds: Double) {
        let documentOf = try chunkDocuments()
        // With one chunk per document, pooling cannot merge hits: k chunks are k documents.
        let depth = Set(documentOf.values).count == documentOf.count ? 1 : self.depth
        var rankings: [Ranking] = []
        var seconds = 0.0
        for (i, query) in queries.enumerated() {
            let start = DispatchTime.now().uptimeNanoseconds
            let hits = try rank(i, k * depth)
            seconds += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            var best: [String: Float] = [:]
            var order: [String] = []
            for hit in hits {
                guard let doc = documentOf[hit.chunkID] else { continue }
                if best[doc] == nil { order.append(doc) }
                best[doc] = max(best[doc] ?? -.infinity, hit.score)
            }
            let ranked = order.map { ($0, best[$0]!) }.sorted { $0.1 > $1.1 || ($0.1 == $1.1 && $0.0 < $1.0) }
            rankings.append(Ranking(queryID: query.id, documents: Array(ranked.prefix(k)).map { (docID: $0.0, score: $0.1) }))
            progress?(i + 1, queries.count)
        }
        return (rankings, seconds)
    }

    /// chunk id → document id for the whole collection.
    func chunkDocuments() throws -> [Int64: String] {
        try collection.chunkDocumentIDs()
    }

    /// TREC run lines: `qid Q0 docid rank score tag`. Ids with whitespace cannot be written
    /// in this format and are refused.
    public static func trecLines(_ rankings: [Ranking], tag: String) throws -> String {
        var out = ""
        for ranking in rankings {
            for (rank, entry) in ranking.documents.enumerated() {
                // trec_eval splits lines on ASCII whitespace.
                for field in [ranking.queryID, entry.docID] where field.isEmpty || field.utf8.contains(where: { $0 == 0x20 || (0x09 ... 0x0D).contains($0) }) {
                    throw RetrieveError("id \"\(field)\" contains whitespace; a TREC run cannot hold it")
                }
                out += "\(ranking.queryID) Q0 \(entry.docID) \(rank + 1) \(String(format: "%.6f", entry.score)) \(tag)\n"
            }
        }
        return out
    }
}
