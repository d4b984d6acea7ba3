import ArgumentParser
import Foundation
import QuarryEval

/// `quarry eval`: evaluation. So far `trec`, which scores any TREC run file.
struct EvalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate retrieval runs.",
        discussion: """
            Examples:
              quarry eval trec run.trec ../shared/corpora/msmarco/qrels/test.tsv
              quarry eval trec run.trec qrels.tsv --metrics ndcg@10,recall@100,mrr@10,map,p@5 --per-query --json
            """,
        subcommands: [Trec.self]
    )

    struct Trec: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Score a TREC run file (ours or another tool's) against qrels, exactly as trec_eval does.",
            discussion: """
                Documents are ordered by score descending, ties by document id descending; a document is
                relevant at grade ≥ 1; nDCG uses the grades as linear gains. Only queries in both the run and
                the qrels are evaluated unless --include-unretrieved (trec_eval -c).
                """
        )

        @Argument(help: "The run file (qid Q0 docid rank score tag).") var run: String
        @Argument(help: "The qrels file (BEIR TSV, with or without header, or TREC qrels).") var qrels: String
        @Option(help: "Comma-separated metrics: ndcg@K, recall@K, p@K, mrr@K, map.") var metrics = "ndcg@10,recall@100,mrr@10,map"
        @Flag(help: "Count judged queries missing from the run as zero (trec_eval -c).") var includeUnretrieved = false
        @Flag(help: "Also print each query's values.") var perQuery = false
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let metricList = try metrics.split(separator: ",").map { try Metric(String($0).trimmingCharacters(in: .whitespaces)) }
            guard !metricList.isEmpty else { throw ValidationError("--metrics is empty") }
            let result = TrecEvaluator(metrics: metricList, includeUnretrieved: includeUnretrieved)
                .evaluate(run: try Run.read(URL(fileURLWithPath: run)), qrels: try Qrels.read(URL(fileURLWithPath: qrels)))
            if json {
                var object: [String: Any] = ["queries": result.queries.count,
                                             "mean": Dictionary(uniqueKeysWithValues: metricList.map { ($0.description, result.mean[$0]!) })]
                if perQuery {
                    object["per_query"] = result.perQuery.mapValues { values in
                        Dictionary(uniqueKeysWithValues: values.map { ($0.key.description, $0.value) })
                    }
                }
                let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
                print(String(decoding: data, as: UTF8.self))
                return
            }
            let header = ["query"] + metricList.map(\.description)
            print(header.map { $0.padding(toLength: 12, withPad: " ", startingAt: 0) }.joined(separator: " "))
            if perQuery {
                for query in result.queries {
                    let row = [query] + metricList.map { String(format: "%.4f", result.perQuery[query]![$0]!) }
                    print(row.map { $0.padding(toLength: 12, withPad: " ", startingAt: 0) }.joined(separator: " "))
                }
            }
            let mean = ["all (\(result.queries.count))"] + metricList.map { String(format: "%.4f", result.mean[$0]!) }
            print(mean.map { $0.padding(toLength: 12, withPad: " ", startingAt: 0) }.joined(separator: " "))
        }
    }
}
