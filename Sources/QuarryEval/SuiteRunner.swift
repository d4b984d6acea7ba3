import Foundation
import QuarryCore
import QuarryEmbed
import QuarryGenerate
import QuarryIndex
import QuarryIngest
import QuarryPipeline
import QuarryRetrieve
import QuarryStore

/// Runs a suite end to end: builds (or reuses) the suite's collection, runs every variant
/// as a batch search, scores the runs exactly as trec_eval does, compares each variant with
/// the baseline (randomization test, bootstrap intervals), checks the gates, and writes the
/// run files and the JSON, Markdown and HTML reports into the output directory.
public struct SuiteRunner: Sendable {
    /// Builds every variant's pipeline exactly as the server does: the configured fusion,
    /// candidates, prompt template, context budget and LLM (nil: extractive answers); a
    /// variant overrides only its mode and BM25 parameters.
    public var factory: PipelineFactory
    /// Progress lines ("dense: 20/43 queries").
    public var progress: (@Sendable (String) -> Void)?

    public var home: QuarryHome { factory.home }
    /// The embedder for suites that embed (`collection.embedder: native`).
    public var embedder: (any Embedder)? { factory.embedder }

    public init(factory: PipelineFactory, progress: (@Sendable (String) -> Void)? = nil) {
        self.factory = factory
        self.progress = progress
    }

    /// A runner with the default configuration over the given models and the built-in prompt.
    public init(home: QuarryHome, embedder: (any Embedder)?, languageModel: (any LanguageModel)? = nil,
                progress: (@Sendable (String) -> Void)? = nil) throws {
        self.init(factory: PipelineFactory(configuration: QuarryConfiguration(), home: home, embedder: embedder, reranker: nil,
                                           model: languageModel, template: try PromptTemplate.builtin()),
                  progress: progress)
    }

    /// The report and where its files went.
    public struct Outcome: Sendable {
        public var report: EvalReport
        public var directory: URL
        public var gatesPassed: Bool
    }

    public func run(_ suite: Suite, only: [String]? = nil, outputDirectory: URL? = nil) async throws -> Outcome {
        let qrels = try Qrels.read(suite.qrels)
        let allQueries = try QueryFile.read(suite.queries)
        let queryIDs = Set(allQueries.map(\.id))
        let unknownQueries = qrels.judgements.keys.filter { !queryIDs.contains($0) }
        if let first = unknownQueries.min(by: { (qrels.lines[$0]?.values.min() ?? 0) < (qrels.lines[$1]?.values.min() ?? 0) }) {
            guard suite.allowUnknownQueries else {
                throw EvalError(file: suite.qrels.path, line: qrels.lines[first]?.values.min(),
                                "query \(first) is judged but not in \(suite.queries.lastPathComponent); set allow_unknown_queries: true if that is expected")
            }
            progress?("note: \(unknownQueries.count) judged queries are not in \(suite.queries.lastPathComponent) (skipped)")
        }
        var queries = allQueries.filter { qrels.judgements[$0.id] != nil }
        if let limit = suite.queryLimit { queries = Array(queries.prefix(limit)) }
        guard !queries.isEmpty else { throw EvalError(file: suite.file.path, "no judged queries to evaluate") }
        let variants = suite.variants.filter { only == nil || only!.contains($0.name) }
        guard !variants.isEmpty else { throw EvalError(file: suite.file.path, "no variant named \(only ?? [])") }

        let collection = try await buildCollection(suite)
        let reader = try CollectionReader(home: home, name: collection)
        let documentIDs = Set(try reader.documents().map(\.docID))
        var unknown = 0
        for query in queries {
            for (doc, _) in qrels.judgements[query.id] ?? [:] where !documentIDs.contains(doc) {
                guard suite.allowUnknownDocuments else {
                    throw EvalError(file: suite.qrels.path, line: qrels.lines[query.id]?[doc],
                                    "document \(doc) (query \(query.id)) is not in the corpus; set allow_unknown_documents: true if that is expected")
                }
                unknown += 1
            }
        }
        if unknown > 0 { progress?("note: \(unknown) judged documents are not in the corpus (counted as unretrievable)") }

        let directory = outputDirectory ?? home.url.appendingPathComponent("eval-runs")
            .appendingPathComponent("\(suite.name)-\(Timestamp.now().replacingOccurrences(of: ":", with: "-"))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var judged = qrels
        let evaluated = Set(queries.map(\.id))
        judged.judgements = judged.judgements.filter { evaluated.contains($0.key) }
        let references = try suite.answers.map { suite.answersFromQueries ? try ReferenceAnswers.fromQueries($0) : try ReferenceAnswers.read($0) } ?? [:]
        let unanswerable = try suite.unanswerable.map { try QueryFile.read($0) } ?? []
        let answerNames = references.isEmpty ? [] : AnswerMetrics.names + (suite.unanswerable == nil ? [] : [AnswerMetrics.refusalRate])
            + (suite.removedPassages == nil ? [] : [AnswerMetrics.removedRefusalRate])
        // Near-topic questions the collection cannot answer: the first N answerable ones,
        // over the corpus without every document judged relevant to them.
        var removed: (queries: [Query], pipeline: Pipeline)?
        if let count = suite.removedPassages, !references.isEmpty {
            let asked = Array(queries.filter { references[$0.id] != nil }.prefix(count))
            let gone = Set(asked.flatMap { (judged.judgements[$0.id] ?? [:]).filter { $0.value > 0 }.keys }.map(DocumentID.normalize))
            guard !gone.isEmpty else {
                throw EvalError(file: suite.file.path, "removed_passages: the first \(count) answered questions have no relevant documents to remove")
            }
            let reduced = try await buildCollection(suite, without: gone)
            removed = (asked, try await factory.open(reduced))
        }
        let metricNames = suite.metrics.map(\.description) + answerNames
        var results: [VariantResult] = []
        let pipeline = try await factory.open(collection)
        for variant in variants {
            let options = try options(variant)
            if options.mode != .lexical, pipeline.retriever.dense == nil {
                throw EvalError(file: suite.file.path, "variant \(variant.name) is \(variant.mode) but no embedder is configured")
            }
            let (rankings, seconds) = try await search(variant, options: options, pipeline: pipeline, queries: queries, depth: suite.depth)
            var run = Run(results: [:])
            for ranking in rankings { run.results[ranking.queryID] = ranking.documents.map { ($0.docID, Double($0.score)) } }
            try AtomicFile.write(Data(try BatchSearch.trecLines(rankings, tag: variant.name).utf8),
                                 to: directory.appendingPathComponent("\(variant.name).trec"))
            let scored = TrecEvaluator(metrics: suite.metrics, includeUnretrieved: true).evaluate(run: run, qrels: judged)
            var mean = Dictionary(uniqueKeysWithValues: suite.metrics.map { ($0.description, scored.mean[$0]!) })
            var records: [String: AnswerRecord]?
            var perQuery = scored.perQuery.mapValues { values in Dictionary(uniqueKeysWithValues: values.map { ($0.key.description, $0.value) }) }
            if !references.isEmpty {
                let answering = try answeringPipeline(variant, served: pipeline, suite: suite)
                let (answered, kept) = try await answerScores(variant, options: options, pipeline: answering, queries: queries, references: references,
                                                      qrels: judged, unanswerable: unanswerable)
                for (id, values) in answered { perQuery[id, default: [:]].merge(values) { $1 } }
                records = kept
                if let removed {
                    let withoutAnswers = try answeringPipeline(variant, served: removed.pipeline, suite: suite)
                    for query in removed.queries {
                        let answer = try await withoutAnswers.answer(query.text, options: options)
                        perQuery["removed:" + query.id] = [AnswerMetrics.removedRefusalRate: Refusal.declines(answer) ? 1 : 0]
                        records?["removed:" + query.id] = AnswerRecord(answer, references: [])
                    }
                    progress?("\(variant.name): asked \(removed.queries.count) questions over the corpus without their passages")
                }
                for name in answerNames {
                    let values = perQuery.values.compactMap { $0[name] }
                    mean[name] = values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count)
                }
                progress?("\(variant.name) answers (\(answering.answerer.model?.identity ?? "extractive")): "
                          + answerNames.map { "\($0) \(String(format: "%.4f", mean[$0]!))" }.joined(separator: "  "))
            }
            results.append(VariantResult(
                name: variant.name,
                description: Self.describe(options, analyzer: suite.analyzer, embedder: try await suiteEmbedder(suite)?.identity.description),
                mean: mean,
                perQuery: perQuery,
                queriesPerSecond: seconds > 0 ? Double(queries.count) / seconds : nil,
                answers: records))
            progress?("\(variant.name): " + suite.metrics.map { "\($0) \(String(format: "%.4f", scored.mean[$0]!))" }.joined(separator: "  "))
        }

        var comparisons: [ComparisonRow] = []
        if let baselineName = suite.baseline, let baseline = results.first(where: { $0.name == baselineName }) {
            let order = queries.map(\.id)
            for variant in results where variant.name != baselineName {
                // refusal_rate is over each variant's own no-relevant-context answers: not paired.
                for metric in metricNames where metric != AnswerMetrics.refusalRate && metric != AnswerMetrics.removedRefusalRate {
                    let a = order.map { baseline.perQuery[$0]?[metric] ?? 0 }
                    let b = order.map { variant.perQuery[$0]?[metric] ?? 0 }
                    let stats = try Statistics.compare(a, b)
                    comparisons.append(ComparisonRow(baseline: baselineName, variant: variant.name, metric: metric, meanDelta: stats.meanDelta,
                                                     pValue: stats.pValue, ciLower: stats.deltaCI.lower, ciUpper: stats.deltaCI.upper))
                }
            }
        }
        var gates: [GateResult] = []
        for gate in suite.gates {
            guard let variant = results.first(where: { $0.name == gate.variant }) else { continue }
            let value = variant.mean[gate.metric.description] ?? 0
            gates.append(GateResult(expression: gate.expression, value: value, passed: gate.passes(value)))
        }
        let report = EvalReport(suite: suite.name, createdAt: Timestamp.now(), dataset: suite.corpus.path, queries: queries.count,
                                metrics: metricNames, variants: results, comparisons: comparisons, gates: gates)
        _ = try ReportRenderer.write(report, to: directory)
        return Outcome(report: report, directory: directory, gatesPassed: gates.allSatisfy(\.passed))
    }

    /// Ingests the suite's corpus into a collection named after the suite and its settings,
    /// so a re-run reuses it (unchanged documents are skipped) and a changed suite gets a
    /// fresh one.
    func buildCollection(_ suite: Suite, without removed: Set<String> = []) async throws -> String {
        let embedder = try await suiteEmbedder(suite)
        let identity = suite.embedder == "native" ? embedder?.identity : nil
        if suite.embedder == "native" && identity == nil {
            throw EvalError(file: suite.file.path, "collection.embedder is native but no embedder is configured")
        }
        let fingerprint = ContentHash.sha256(fields: [suite.analyzer, identity?.description ?? "none", suite.corpus.path] + removed.sorted()).prefix(8)
        let slug = String(suite.name.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "-" }.prefix(40))
        let name = "eval-\(slug)\(removed.isEmpty ? "" : "-removed")-\(fingerprint)"
        let corpus = removed.isEmpty ? suite.corpus : try reducedCorpus(suite.corpus, without: removed, name: name)
        var options = IngestOptions(paths: [corpus.path], collection: name,
                                    settings: CollectionSettings(analyzer: suite.analyzer, chunking: ChunkingSettings(),
                                                                 tokenCounter: identity == nil ? "words" : (embedder?.tokenCounter?.name ?? "words"),
                                                                 embedder: identity))
        options.embedder = identity == nil ? nil : embedder
        options.command = "quarry eval run \(suite.file.path)"
        progress?("ingesting \(suite.corpus.lastPathComponent)\(removed.isEmpty ? "" : " without \(removed.count) documents") into collection \(name)")
        let summary = try await Ingestor(home: home, options: options).run()
        if !summary.failed.isEmpty {
            throw EvalError(file: suite.corpus.path, "\(summary.failed.count) documents failed to ingest, e.g. \(summary.failed[0].path): \(summary.failed[0].reason)")
        }
        return name
    }

    /// A copy of `corpus` without the documents `removed` names, kept under the home's
    /// eval-corpora/ (a JSONL file without those lines, or a folder without those files),
    /// so a re-run finds the same collection.
    func reducedCorpus(_ corpus: URL, without removed: Set<String>, name: String) throws -> URL {
        let folder = home.url.appendingPathComponent("eval-corpora").appendingPathComponent(name)
        try? FileManager.default.removeItem(at: folder)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var isDirectory: ObjCBool = false
        FileManager.default.fileExists(atPath: corpus.path, isDirectory: &isDirectory)
        if !isDirectory.boolValue {
            var text = try String(contentsOf: corpus, encoding: .utf8)
            if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
            var dropped = 0
            let kept = text.split(separator: "\n", omittingEmptySubsequences: true).filter { line in
                guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                      let id = object["_id"].map({ DocumentID.normalize("\($0)") }), removed.contains(id) else { return true }
                dropped += 1
                return false
            }
            guard dropped > 0 else { throw EvalError(file: corpus.path, "removed_passages: none of the \(removed.count) documents to remove is in the corpus") }
            let target = folder.appendingPathComponent(corpus.lastPathComponent)
            try AtomicFile.write(Data((kept.joined(separator: "\n") + "\n").utf8), to: target)
            return target
        }
        // A folder: document ids are paths relative to it.
        let target = folder.appendingPathComponent(corpus.lastPathComponent)
        guard let walker = FileManager.default.enumerator(at: corpus, includingPropertiesForKeys: [.isRegularFileKey]) else { return corpus }
        let root = corpus.standardizedFileURL.path + "/"
        var dropped = 0
        for case let file as URL in walker where (try? file.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true {
            let relative = String(file.standardizedFileURL.path.dropFirst(root.count))
            guard !removed.contains(DocumentID.normalize(relative)) else {
                dropped += 1
                continue
            }
            let destination = target.appendingPathComponent(relative)
            try FileManager.default.createDirectory(at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: file, to: destination)
        }
        guard dropped > 0 else { throw EvalError(file: corpus.path, "removed_passages: none of the \(removed.count) documents to remove is in the corpus") }
        return target
    }

    /// The suite's embedder: its `collection.model` when it names one, else the configured one.
    public func suiteEmbedder(_ suite: Suite) async throws -> (any Embedder)? {
        guard let model = suite.model else { return embedder }
        do {
            return try await factory.embedders.embedder(named: model)
        } catch {
            throw EvalError(file: suite.file.path, "collection.model \(model): \(error)")
        }
    }

    /// The served defaults with the variant's mode and BM25 parameters.
    public func options(_ variant: Suite.Variant) throws -> RetrievalOptions {
        var overrides = RetrievalOverrides()
        overrides.mode = SearchMode(rawValue: variant.mode) ?? .lexical
        overrides.k1 = variant.k1
        overrides.b = variant.b
        overrides.fusion = variant.fusion
        overrides.denseWeight = variant.denseWeight
        return try factory.options(overrides)
    }

    /// What a variant ran, for the report and the tracking run's parameters.
    public static func describe(_ options: RetrievalOptions, analyzer: String, embedder: String?) -> String {
        let bm25 = "BM25 (k1 \(options.parameters.k1), b \(options.parameters.b)), analyzer \(analyzer)"
        switch options.mode {
        case .lexical: return bm25
        case .dense: return "dense, \(embedder ?? "")"
        case .hybrid:
            let fusion: String
            switch options.fusion {
            case .auto: fusion = "auto (dense weight \(String(format: "%g", Fusion.autoDenseWeight)) × trust, minmax)"
            case .reciprocalRank(let k): fusion = "RRF (k \(String(format: "%g", k)))"  // %g: not the machine's locale
            case .convex(let weight, let scaling): fusion = "convex (dense weight \(String(format: "%g", weight)), \(scaling.rawValue))"
            }
            return "\(fusion) of \(bm25) and dense top-\(options.candidates), dense trusted by script coverage and vocabulary fit"
        }
    }

    /// The pipeline that writes `variant`'s answers: the served one, or the same retrieval
    /// with the answerer the variant names (`extractive`, `native`, `llm`).
    func answeringPipeline(_ variant: Suite.Variant, served: Pipeline, suite: Suite) throws -> Pipeline {
        guard let who = variant.answerer else { return served }
        let configuration = factory.configuration
        let model: (any LanguageModel)?
        switch who {
        case "extractive": model = nil
        case "native":
            // llm.model names the native file only when the provider is native or auto; with
            // an HTTP provider it is that server's model name.
            let native = [.native, .auto].contains(configuration.llm.provider) ? configuration.llm.nativeModel : LLMSettings.defaultNativeModel
            model = NativeLanguageModel(location: configuration.resolvePath(native), settings: configuration.llm)
        default:
            guard let configured = factory.model else {
                throw EvalError(file: suite.file.path, "variant \(variant.name) answers with the configured LLM, but llm.provider gives none")
            }
            model = configured
        }
        let answering = PipelineFactory(configuration: configuration, home: home, embedders: factory.embedders, reranker: factory.reranker,
                                        model: model, template: factory.template)
        return try answering.pipeline(over: served.retriever)
    }

    /// Answers every query that has a reference through `pipeline` (the variant's retrieval,
    /// the configured prompt and context budget, the variant's answerer) and scores the
    /// answers; queries without a reference get no answer metrics. An answer whose context
    /// holds no relevant passage, and every answer to an `unanswerable` question, is also
    /// scored for refusal (1: it declines).
    func answerScores(_ variant: Suite.Variant, options: RetrievalOptions, pipeline: Pipeline, queries: [Query],
                      references: [String: [String]], qrels: Qrels, unanswerable: [Query] = []) async throws
        -> (scores: [String: [String: Double]], answers: [String: AnswerRecord]) {
        var scores: [String: [String: Double]] = [:]
        var records: [String: AnswerRecord] = [:]
        let answerable = queries.filter { references[$0.id] != nil }
        let total = answerable.count + unanswerable.count
        let analyzer = pipeline.retriever.lexical.analyzer
        for (i, query) in (answerable + unanswerable).enumerated() {
            let answer = try await pipeline.answer(query.text, options: options)
            if i < answerable.count {
                let relevant = Set((qrels.judgements[query.id] ?? [:]).filter { $0.value > 0 }.keys)
                scores[query.id] = try AnswerMetrics.score(answer, references: references[query.id]!, relevant: relevant, analyzer: analyzer)
                records[query.id] = AnswerRecord(answer, references: references[query.id]!)
                if !unanswerable.isEmpty, !answer.sources.contains(where: { relevant.contains($0.docID) }) {
                    scores[query.id]![AnswerMetrics.refusalRate] = Refusal.declines(answer) ? 1 : 0
                }
            } else {
                scores["unanswerable:" + query.id] = [AnswerMetrics.refusalRate: Refusal.declines(answer) ? 1 : 0]
                records["unanswerable:" + query.id] = AnswerRecord(answer, references: [])
            }
            if (i + 1) % 10 == 0 || i + 1 == total { progress?("\(variant.name): answered \(i + 1)/\(total)") }
        }
        return (scores, records)
    }

    func search(_ variant: Suite.Variant, options: RetrievalOptions, pipeline: Pipeline, queries: [Query], depth: Int) async throws
        -> (rankings: [BatchSearch.Ranking], seconds: Double) {
        let report: (Int, Int) -> Void = { done, total in
            if done == total || done % 100 == 0 { self.progress?("\(variant.name): \(done)/\(total) queries") }
        }
        let result = try await pipeline.rank(queries, k: depth, options: options, progress: report)
        return (result.rankings, result.searchSeconds)
    }
}
