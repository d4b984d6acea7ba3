import ArgumentParser
import Foundation
import QuarryEmbed
import QuarryEval
import QuarryGenerate
import QuarryPipeline
import QuarryTrack

/// `quarry eval`: evaluation. So far `trec`, which scores any TREC run file.
struct EvalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate retrieval runs.",
        discussion: """
            Examples:
              quarry eval run corpora/suites/demo
              quarry eval run corpora/suites/msmarco --variant dense --query-limit 20
              quarry eval compare .quarry/eval-runs/msmarco-A .quarry/eval-runs/msmarco-B
              quarry eval trec run.trec ../shared/corpora/msmarco/qrels/test.tsv
              quarry eval trec run.trec qrels.tsv --metrics ndcg@10,recall@100,mrr@10,map,p@5 --per-query --json
            """,
        subcommands: [RunSuite.self, Compare.self, Trec.self]
    )

    struct RunSuite: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "run",
            abstract: "Run an evaluation suite: build its collection, run the variants, score, compare, check gates.",
            discussion: "Writes each variant's TREC run and report.json, report.md and report.html. Exit status 1 when a gate fails."
        )
        @OptionGroup var global: GlobalOptions
        @OptionGroup var embedding: EmbeddingOptions
        @Argument(help: "The suite file or its folder (suite.yaml).") var suite: String
        @Option(help: "Run only this variant (repeatable).") var variant: [String] = []
        @Option(help: "Evaluate only the first N judged queries.") var queryLimit: Int?
        @Option(help: "Where to write runs and reports (default: <home>/eval-runs/<suite>-<time>).") var output: String?
        @Flag(help: "Print the report as JSON.") var json = false

        func run() async throws {
            let configuration = try embedding.apply(to: global.loadConfiguration())
            var definition = try Suite.load(suite)
            if let queryLimit {
                guard queryLimit > 0 else { throw ValidationError("--query-limit must be positive") }
                definition.queryLimit = queryLimit
            }
            var parts: PipelineFactory.Parts = []
            // A suite naming its own model needs no configured one (the catalog loads it).
            if definition.embedder == "native", definition.model == nil { parts.insert(.embedder) }
            if definition.answers != nil { parts.insert(.languageModel) }
            let factory = try PipelineFactory(configuration: configuration, home: global.resolveHome(configuration), parts: parts)
            let interactive = !json
            let runner = SuiteRunner(factory: factory) { line in
                if interactive { Terminal.error(line) }
            }
            let embedder = definition.embedder == "native" ? try await runner.suiteEmbedder(definition) : nil
            let home = global.resolveHome(configuration)
            let recorder = Tracking.recorder(home: home, experiment: "eval-\(definition.name)", name: definition.name, configuration: configuration,
                                             tags: ["suite": definition.name])
            recorder?.param("suite", definition.file.path)
            recorder?.param("dataset", definition.corpus.path)
            recorder?.param("analyzer", definition.analyzer)
            recorder?.param("embedder", embedder?.identity.description ?? "none")
            recorder?.param("query_limit", definition.queryLimit.map(String.init) ?? "all")
            recorder?.param("depth", "\(definition.depth)")
            for v in definition.variants where variant.isEmpty || variant.contains(v.name) {
                recorder?.param("variant.\(v.name)", SuiteRunner.describe(try runner.options(v), analyzer: definition.analyzer,
                                                                          embedder: embedder?.identity.description))
            }
            if definition.answers != nil {
                recorder?.param("prompt", factory.template.id)
                recorder?.param("llm", factory.model?.identity ?? "none (extractive)")
            }
            let outcome: SuiteRunner.Outcome
            do {
                outcome = try await runner.run(definition, only: variant.isEmpty ? nil : variant,
                                               outputDirectory: output.map { URL(fileURLWithPath: $0) })
            } catch {
                recorder?.finish(.failed)
                Tracking.report(recorder)
                throw error
            }
            for result in outcome.report.variants {
                for (metric, value) in result.mean { recorder?.metric("\(result.name)/\(metric)", value) }
                if let qps = result.queriesPerSecond { recorder?.metric("\(result.name)/queries_per_second", qps) }
            }
            recorder?.metric("gates_passed", outcome.gatesPassed ? 1 : 0)
            let files = (try? FileManager.default.contentsOfDirectory(atPath: outcome.directory.path)) ?? []
            for file in files.sorted() where file.hasSuffix(".trec") || file.hasPrefix("report.") {
                if let data = FileManager.default.contents(atPath: outcome.directory.appendingPathComponent(file).path) { recorder?.artifact(file, data) }
            }
            recorder?.finish(.finished)
            Tracking.report(recorder)
            if let id = recorder?.runID, !json { Terminal.error("tracked as run \(id)") }
            if json {
                try Terminal.json(outcome.report)
            } else {
                print(ReportRenderer.markdown(outcome.report))
                print("reports: \(outcome.directory.path)/report.{json,md,html}")
            }
            if !outcome.gatesPassed {
                for gate in outcome.report.gates where !gate.passed {
                    Terminal.error("gate failed: \(gate.expression) (got \(String(format: "%.4f", gate.value)))")
                }
                throw ExitCode(1)
            }
        }
    }

    struct Compare: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compare two suite runs variant by variant (per-query deltas, randomization test, bootstrap CI).")
        @Argument(help: "The first run: a report.json or the folder holding it.") var first: String
        @Argument(help: "The second run.") var second: String
        @Flag(help: "Print JSON.") var json = false

        func load(_ path: String) throws -> EvalReport {
            var url = URL(fileURLWithPath: path)
            if !url.path.hasSuffix(".json") { url.appendPathComponent("report.json") }
            guard let data = FileManager.default.contents(atPath: url.path) else { throw ValidationError("cannot read \(url.path)") }
            do { return try JSONDecoder().decode(EvalReport.self, from: data) } catch { throw ValidationError("\(url.path) is not a Quarry eval report: \(error)") }
        }

        func run() async throws {
            let a = try load(first), b = try load(second)
            var rows: [ComparisonRow] = []
            for variant in a.variants {
                guard let other = b.variants.first(where: { $0.name == variant.name }) else { continue }
                let queries = variant.perQuery.keys.filter { other.perQuery[$0] != nil }.sorted()
                guard !queries.isEmpty else { continue }
                for metric in a.metrics where b.metrics.contains(metric) {
                    let x = queries.map { variant.perQuery[$0]?[metric] ?? 0 }
                    let y = queries.map { other.perQuery[$0]?[metric] ?? 0 }
                    let stats = try Statistics.compare(x, y)
                    rows.append(ComparisonRow(baseline: "A:\(variant.name)", variant: "B:\(variant.name)", metric: metric,
                                              meanDelta: stats.meanDelta, pValue: stats.pValue, ciLower: stats.deltaCI.lower, ciUpper: stats.deltaCI.upper))
                }
            }
            guard !rows.isEmpty else { throw ValidationError("the two runs share no variant and metric") }
            if json { return try Terminal.json(rows) }
            print("variant              metric        Δ (B − A)    p        95 % CI")
            for row in rows {
                print("\(row.variant.dropFirst(2).padding(toLength: 20, withPad: " ", startingAt: 0)) \(row.metric.padding(toLength: 12, withPad: " ", startingAt: 0)) \(String(format: "%+.4f", row.meanDelta))     \(String(format: "%.4f", row.pValue))   [\(String(format: "%+.4f", row.ciLower)), \(String(format: "%+.4f", row.ciUpper))]")
            }
        }
    }

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
