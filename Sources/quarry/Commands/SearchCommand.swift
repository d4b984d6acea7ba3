import ArgumentParser
import Foundation
import QuarryCore
import QuarryEmbed
import QuarryPipeline
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

    @OptionGroup(title: "Retrieval") var retrieval: RetrievalFlags

    @Option(help: "A BEIR queries.jsonl file to run in batch.")
    var queries: String?

    @Option(help: "Where to write the TREC run (with --queries).")
    var output: String?

    @Option(help: "The run tag written in the TREC file.")
    var tag: String = "quarry"

    @Flag(help: "Print JSON.")
    var json = false

    func validate() throws {
        try overrides.check(maxK: RetrievalOptions.maxK)
        if queries == nil && query == nil { throw ValidationError("give a query, or --queries FILE --output RUN") }
        if queries != nil && query != nil { throw ValidationError("give either a query or --queries, not both") }
        if queries != nil && output == nil { throw ValidationError("--queries needs --output RUN_FILE") }
        if let query, query.unicodeScalars.count > 10_000 { throw ValidationError("the query is longer than 10000 characters") }
    }

    /// The flags, with search's own defaults: lexical, 10 hits.
    var overrides: RetrievalOverrides {
        var overrides = retrieval.overrides
        overrides.mode = overrides.mode ?? .lexical
        overrides.k = overrides.k ?? 10
        return overrides
    }

    func run() async throws {
        let configuration = try embedding.apply(to: global.loadConfiguration())
        let home = global.resolveHome(configuration)
        let options = try overrides.options(configuration, maxK: RetrievalOptions.maxK).firstStagesOnly
        let list = try queries.map { try QueryFile.read(URL(fileURLWithPath: $0)) }
        let pipeline = try await Pipeline.open(target.collection, configuration: configuration, home: home, options: options, answering: false)
        for note in pipeline.notes { Terminal.error("note: \(note)") }
        if let list, let output {
            let batch = try await pipeline.rank(list, k: options.k, options: options, progress: progressPrinter())
            return try writeRun(batch, queries: list, mode: options.mode, k: options.k, output: output)
        }
        let retrieval = try await pipeline.retrieve(query ?? "", options: options)
        for note in retrieval.notes { Terminal.error("note: \(note)") }
        let hits = retrieval.hits.map { hit in
            var hit = hit
            hit.stages = nil
            return hit
        }
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

    private func writeRun(_ batch: (rankings: [BatchSearch.Ranking], searchSeconds: Double), queries: [Query], mode: SearchMode, k: Int,
                          output: String) throws {
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

