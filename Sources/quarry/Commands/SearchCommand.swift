import ArgumentParser
import Foundation
import QuarryCore
import QuarryEmbed
import QuarryIndex
import QuarryRetrieve

/// `quarry search`: ranked chunks for one query, or a TREC run for a queries file.
struct SearchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Search a collection: one query, or a queries file into a TREC run.",
        discussion: """
            One query prints the top chunks; --queries runs a BEIR queries.jsonl (_id, text) and
            writes a TREC run (qid Q0 docid rank score tag) ranking documents by their best chunk.

            Examples:
              quarry search "how do telescopes work" --collection demo
              quarry search "moon phases" --collection demo --k 3 --json
              quarry search "how do plants grow" --collection demo --mode dense
              quarry search "how do plants grow" --collection demo --mode hybrid --fusion rrf
              quarry search --queries ../shared/corpora/msmarco/queries.jsonl --output run.trec --collection msmarco --k 100
            """
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var target: CollectionOption
    @OptionGroup var embedding: EmbeddingOptions

    @Argument(help: "The query (omit with --queries).")
    var query: String?

    @Option(help: "Retrieval mode: \(SearchMode.allCases.map(\.rawValue).joined(separator: ", ")).")
    var mode: SearchMode = .lexical

    @Option(help: "Number of results (chunks, or documents per query with --queries), 1-10000.")
    var k: Int = 10

    @Option(help: "A BEIR queries.jsonl file to run in batch.")
    var queries: String?

    @Option(help: "Where to write the TREC run (with --queries).")
    var output: String?

    @Option(help: "The run tag written in the TREC file.")
    var tag: String = "quarry"

    @Option(help: "BM25 k1 (term-frequency saturation).")
    var k1: Float = 0.9

    @Option(help: "BM25 b (length normalisation).")
    var b: Float = 0.4

    @Option(help: "Weight of title/heading matches relative to text matches.")
    var titleBoost: Float = 1

    @Option(help: "Hybrid fusion: rrf (reciprocal rank fusion) or convex (weighted normalised scores).")
    var fusion: String = "rrf"

    @Option(help: "RRF's k (rank offset).")
    var rrfK: Double = 60

    @Option(help: "Convex fusion: weight of the dense side, 0...1.")
    var denseWeight: Double = 0.5

    @Option(help: "Convex fusion: score normalisation, minmax or zscore.")
    var normalization: String = "minmax"

    @Option(help: "Hybrid: hits taken from each side before fusing.")
    var candidates: Int = 100

    @Flag(help: "Print JSON.")
    var json = false

    func fusionMethod() throws -> Fusion {
        switch fusion {
        case "rrf":
            guard rrfK > 0, rrfK.isFinite else { throw ValidationError("--rrf-k must be positive") }
            return .reciprocalRank(k: rrfK)
        case "convex":
            guard (0 ... 1).contains(denseWeight) else { throw ValidationError("--dense-weight must be 0...1") }
            guard let method = Fusion.Normalization(rawValue: normalization) else { throw ValidationError("--normalization must be minmax or zscore") }
            return .convex(denseWeight: denseWeight, normalization: method)
        default:
            throw ValidationError("--fusion must be rrf or convex")
        }
    }

    func validate() throws {
        _ = try fusionMethod()
        guard (1 ... 10_000).contains(candidates) else { throw ValidationError("--candidates must be 1...10000") }
        guard (1 ... 10_000).contains(k) else { throw ValidationError("--k must be 1...10000, got \(k)") }
        if queries == nil && query == nil { throw ValidationError("give a query, or --queries FILE --output RUN") }
        if queries != nil && query != nil { throw ValidationError("give either a query or --queries, not both") }
        if queries != nil && output == nil { throw ValidationError("--queries needs --output RUN_FILE") }
        if let query, query.unicodeScalars.count > 10_000 { throw ValidationError("the query is longer than 10000 characters") }
    }

    func run() async throws {
        let configuration = try embedding.apply(to: global.loadConfiguration())
        let home = global.resolveHome(configuration)
        let parameters = BM25Parameters(k1: k1, b: b, titleBoost: titleBoost)
        try parameters.validate()
        let list = try queries.map { try QueryFile.read(URL(fileURLWithPath: $0)) }
        let hits: [SearchHit]
        var batch: (rankings: [BatchSearch.Ranking], searchSeconds: Double)?
        let progress = progressPrinter()
        switch mode {
        case .lexical:
            let searcher = try await LexicalSearcher.open(home: home, collection: target.collection)
            for note in searcher.notes { Terminal.error("note: \(note)") }
            if let list {
                batch = try BatchSearch.lexical(searcher, list, k: k, parameters: parameters, progress: progress)
                hits = []
            } else {
                hits = try searcher.search(query ?? "", k: k, parameters: parameters)
            }
        case .hybrid:
            guard let embedder = try EmbedderFactory.make(configuration) else {
                throw ValidationError("hybrid search needs an embedder; embedding.provider is none")
            }
            let searcher = try await HybridSearcher.open(home: home, collection: target.collection, embedder: embedder,
                                                         fusion: try fusionMethod(), candidates: candidates)
            for note in searcher.notes { Terminal.error("note: \(note)") }
            if let list {
                batch = try await BatchSearch.hybrid(searcher, list, k: k, parameters: parameters, progress: progress)
                hits = []
            } else {
                hits = try await searcher.search(query ?? "", k: k, parameters: parameters)
            }
        case .dense:
            guard let embedder = try EmbedderFactory.make(configuration) else {
                throw ValidationError("dense search needs an embedder; embedding.provider is none")
            }
            let searcher = try await DenseSearcher.open(home: home, collection: target.collection, embedder: embedder)
            for note in searcher.notes { Terminal.error("note: \(note)") }
            if let list {
                batch = try await BatchSearch.dense(searcher, list, k: k, progress: progress)
                hits = []
            } else {
                hits = try await searcher.search(query ?? "", k: k)
            }
        }
        if let batch, let list, let output { return try writeRun(batch, queries: list, output: output) }
        if json { return try Terminal.json(hits) }
        if hits.isEmpty { return print("no results") }
        for hit in hits {
            let snippet = hit.text.split(whereSeparator: \.isNewline).joined(separator: " ").prefix(160)
            print("\(hit.rank). \(String(format: "%.4f", hit.score))  \(Printable.escaped(hit.docID)) #\(hit.ordinal)\(hit.context.isEmpty ? "" : "  [\(Printable.escaped(hit.context))]")")
            print("   \(Printable.escaped(String(snippet)))\(hit.text.count > 160 ? "…" : "")")
        }
    }

    private func progressPrinter() -> ((Int, Int) -> Void)? {
        guard Terminal.isInteractive && !json else { return nil }
        return { done, total in
            if done % 100 == 0 || done == total {
                FileHandle.standardError.write(Data("\r\u{1B}[2Ksearch: \(done)/\(total) queries".utf8))
                if done == total { FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8)) }
            }
        }
    }

    private func writeRun(_ batch: (rankings: [BatchSearch.Ranking], searchSeconds: Double), queries: [Query], output: String) throws {
        let text = try BatchSearch.trecLines(batch.rankings, tag: tag)
        try AtomicFile.write(Data(text.utf8), to: URL(fileURLWithPath: output))
        struct Summary: Encodable {
            var mode: String
            var queries: Int
            var output: String
            var searchSeconds: Double
            var queriesPerSecond: Double
            enum CodingKeys: String, CodingKey {
                case mode, queries, output, searchSeconds = "search_seconds", queriesPerSecond = "queries_per_second"
            }
        }
        let seconds = batch.searchSeconds
        let summary = Summary(mode: mode.rawValue, queries: queries.count, output: output, searchSeconds: seconds,
                              queriesPerSecond: seconds > 0 ? Double(queries.count) / seconds : 0)
        if json { return try Terminal.json(summary) }
        print("wrote \(queries.count) queries × top \(k) documents to \(output) (\(mode.rawValue), \(String(format: "%.0f", summary.queriesPerSecond)) queries/s, single thread)")
    }
}

extension SearchMode: ExpressibleByArgument {}
