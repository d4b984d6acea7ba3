import Foundation
import QuarryCore
import Yams

/// An evaluation suite: a dataset, how to build its collection, the retrieval variants to
/// compare, the metrics, and the gates a CI run must pass. Suites are YAML files in
/// `corpora/suites/<name>/suite.yaml`; every path is relative to the suite file.
///
/// ```yaml
/// name: msmarco
/// dataset: ../../../../shared/corpora/msmarco   # BEIR folder: corpus.jsonl, queries.jsonl, qrels/test.tsv
/// query_limit: 20                               # optional: the first N judged queries
/// collection: {analyzer: english, embedder: native}
/// variants:
///   - {name: lexical, mode: lexical, k1: 0.9, b: 0.4}
///   - {name: dense, mode: dense}
///   - {name: rrf, mode: hybrid, fusion: rrf}     # fusion: auto | rrf | convex (+ dense_weight)
/// baseline: lexical
/// metrics: [ndcg@10, recall@100, mrr@10, map]
/// depth: 100
/// gates: ["dense: ndcg@10 >= 0.70"]
/// answers: answers.jsonl                        # optional: reference answers → answer metrics
///                                                #   (or `queries`: the queries' metadata.answers)
/// unanswerable: other-queries.jsonl              # optional: questions the corpus cannot answer → refusal_rate
/// removed_passages: 10                           # optional: the first N answered questions asked again over the
///                                                #   corpus without their relevant documents → removed_refusal_rate
/// ```
/// A variant may say who answers: `{name: native, mode: hybrid, answerer: native}`
/// (`extractive`, `native` or `llm`, the configured provider).
/// Unknown keys, missing files and bad values are errors that name the file and line.
public struct Suite: Sendable, Equatable {
    public struct Variant: Sendable, Equatable {
        public var name: String
        /// "lexical", "dense" or "hybrid" (both top-100s fused by the configured method,
        /// `auto` by default: ARCHITECTURE.md, "Fusion that never loses to its better input").
        public var mode: String
        public var k1: Float = 0.9
        public var b: Float = 0.4
        /// Hybrid only: the fusion method instead of the configured one, so one suite can
        /// compare methods (`{name: rrf, mode: hybrid, fusion: rrf}`).
        public var fusion: FusionMethod? = nil
        /// Hybrid with `fusion: convex`: the dense weight.
        public var denseWeight: Double? = nil
        /// Who writes the variant's answers: `extractive`, `native` (the in-process GGUF
        /// model of `llm.model`, by default SmolLM2-135M-Instruct) or `llm` (the configured
        /// `llm.*` provider); nil: whatever the configuration answers with.
        public var answerer: String? = nil

        public static let answerers = ["extractive", "native", "llm"]
    }

    /// "variant: metric >= threshold" (or `>`, `<=`, `<`): a variant and the same
    /// `MetricThreshold` registry promotions require.
    public struct Gate: Sendable, Equatable {
        public var variant: String
        public var metric: Metric
        public var threshold: MetricThreshold
        public var expression: String

        public func passes(_ value: Double) -> Bool { threshold.holds(value) }
    }

    public var name: String
    public var file: URL
    /// A BEIR corpus.jsonl, or a directory of documents (ids are relative paths).
    public var corpus: URL
    public var queries: URL
    public var qrels: URL
    /// Reference answers (`_id`, `answer` per line): when given, every variant also answers
    /// each query and is scored with `AnswerMetrics`.
    public var answers: URL?
    /// `answers: queries`: the reference answers are the queries' `metadata.answers`.
    public var answersFromQueries = false
    /// Questions no passage of the corpus answers (a queries file): every answering variant
    /// answers them too, and `refusal_rate` counts how often it declines.
    public var unanswerable: URL?
    /// The first N answerable questions are asked again over a copy of the corpus without
    /// the documents judged relevant to any of them: near-topic questions the collection
    /// can no longer answer (`removed_refusal_rate`).
    public var removedPassages: Int?
    public var queryLimit: Int?
    /// The collection's analyzer (`collection: {analyzer: …}`); the platform default when unset.
    public var analyzer: String = "auto"
    /// "native" or "none".
    public var embedder: String = "native"
    /// A native model folder's name (`collection: {model: multilingual-e5-small}`), looked
    /// up beside the configured model; nil: the configured embedder.
    public var model: String?
    public var variants: [Variant]
    public var baseline: String?
    public var metrics: [Metric]
    public var depth: Int = 100
    public var gates: [Gate] = []
    /// Qrels may name documents missing from the corpus (some public sets do); they are
    /// counted and reported instead of failing the suite.
    public var allowUnknownDocuments = false
    /// Qrels may judge queries the queries file lacks (arcd's do); they are skipped.
    public var allowUnknownQueries = false

    static let keys: Set<String> = ["name", "dataset", "corpus", "queries", "qrels", "query_limit", "collection", "variants",
                                    "baseline", "metrics", "depth", "gates", "allow_unknown_documents",
                                    "allow_unknown_queries", "answers", "unanswerable", "removed_passages"]

    /// Reads and validates a suite file (or a directory holding `suite.yaml`).
    public static func load(_ path: String) throws -> Suite {
        var url = URL(fileURLWithPath: path).standardizedFileURL
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue {
            url.appendPathComponent("suite.yaml")
        }
        let file = url.path
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { throw EvalError(file: file, "cannot read the suite file") }
        let node: Node
        do {
            guard let parsed = try Yams.compose(yaml: text) else { throw EvalError(file: file, "the suite file is empty") }
            node = parsed
        } catch let error as EvalError {
            throw error
        } catch {
            throw EvalError(file: file, "not valid YAML: \(error)")
        }
        guard let top = node.mapping else { throw EvalError(file: file, line: line(node), "the suite must be a mapping") }
        func fail(_ n: Node, _ message: String) -> EvalError { EvalError(file: file, line: line(n), message) }
        func string(_ n: Node, _ key: String) throws -> String {
            guard let s = n.scalar?.string, !s.isEmpty else { throw fail(n, "\(key) must be a non-empty string") }
            return s
        }
        func int(_ n: Node, _ key: String, _ range: ClosedRange<Int>) throws -> Int {
            guard let s = n.scalar?.string, let v = Int(s), range.contains(v) else { throw fail(n, "\(key) must be an integer in \(range)") }
            return v
        }
        let base = url.deletingLastPathComponent()
        func resolvePath(_ n: Node, _ key: String) throws -> URL {
            let value = try string(n, key)
            let resolved = value.hasPrefix("/") ? URL(fileURLWithPath: value) : base.appendingPathComponent(value)
            guard FileManager.default.fileExists(atPath: resolved.path) else { throw fail(n, "\(key): \(resolved.standardizedFileURL.path) does not exist") }
            return resolved.standardizedFileURL
        }
        var values: [String: Node] = [:]
        for (k, v) in top {
            guard let key = k.string, keys.contains(key) else { throw fail(k, "unknown key \"\(k.string ?? "?")\" (known: \(keys.sorted().joined(separator: ", ")))") }
            guard values[key] == nil else { throw fail(k, "duplicate key \"\(key)\"") }
            values[key] = v
        }
        guard let nameNode = values["name"] else { throw EvalError(file: file, "missing \"name\"") }
        let name = try string(nameNode, "name")
        var corpus: URL?, queries: URL?, qrels: URL?
        if let dataset = values["dataset"] {
            let folder = try resolvePath(dataset, "dataset")
            corpus = folder.appendingPathComponent("corpus.jsonl")
            queries = folder.appendingPathComponent("queries.jsonl")
            qrels = folder.appendingPathComponent("qrels/test.tsv")
            for needed in [corpus!, queries!, qrels!] where !FileManager.default.fileExists(atPath: needed.path) {
                throw fail(dataset, "dataset: \(needed.path) does not exist (a BEIR folder needs corpus.jsonl, queries.jsonl, qrels/test.tsv)")
            }
        }
        if let n = values["corpus"] { corpus = try resolvePath(n, "corpus") }
        if let n = values["queries"] { queries = try resolvePath(n, "queries") }
        if let n = values["qrels"] { qrels = try resolvePath(n, "qrels") }
        guard let corpus, let queries, let qrels else { throw EvalError(file: file, "give \"dataset\", or \"corpus\", \"queries\" and \"qrels\"") }
        guard let variantsNode = values["variants"]?.sequence, !variantsNode.isEmpty else {
            throw EvalError(file: file, line: values["variants"].flatMap(line), "\"variants\" must be a non-empty list")
        }
        var variants: [Variant] = []
        for v in variantsNode {
            guard let map = v.mapping else { throw fail(v, "each variant must be a mapping") }
            var variant = Variant(name: "", mode: "")
            for (k, value) in map {
                switch k.string {
                case "name": variant.name = try string(value, "name")
                case "mode":
                    variant.mode = try string(value, "mode")
                    guard ["lexical", "dense", "hybrid"].contains(variant.mode) else { throw fail(value, "mode must be lexical, dense or hybrid") }
                case "k1": guard let x = value.scalar.flatMap({ Float($0.string) }) else { throw fail(value, "k1 must be a number") }; variant.k1 = x
                case "b": guard let x = value.scalar.flatMap({ Float($0.string) }) else { throw fail(value, "b must be a number") }; variant.b = x
                case "fusion":
                    let name = try string(value, "fusion")
                    guard let method = FusionMethod(rawValue: name) else { throw fail(value, "fusion must be \(FusionMethod.choices), got '\(name)'") }
                    variant.fusion = method
                case "dense_weight":
                    guard let x = value.scalar.flatMap({ Double($0.string) }), x >= 0, x <= 1 else { throw fail(value, "dense_weight must be a number within 0...1") }
                    variant.denseWeight = x
                case "answerer":
                    let who = try string(value, "answerer")
                    guard Variant.answerers.contains(who) else { throw fail(value, "answerer must be extractive, native or llm, got '\(who)'") }
                    variant.answerer = who
                default: throw fail(k, "unknown variant key \"\(k.string ?? "?")\" (known: name, mode, k1, b, fusion, dense_weight, answerer)")
                }
            }
            guard !variant.name.isEmpty, !variant.mode.isEmpty else { throw fail(v, "a variant needs a name and a mode") }
            if variant.fusion != nil || variant.denseWeight != nil, variant.mode != "hybrid" {
                throw fail(v, "fusion and dense_weight apply to hybrid variants only")
            }
            if variant.denseWeight != nil, variant.fusion != .convex { throw fail(v, "dense_weight needs fusion: convex") }
            guard !variants.contains(where: { $0.name == variant.name }) else { throw fail(v, "duplicate variant \"\(variant.name)\"") }
            variants.append(variant)
        }
        var suite = Suite(name: name, file: url, corpus: corpus, queries: queries, qrels: qrels, variants: variants, metrics: [])
        if let n = values["query_limit"] { suite.queryLimit = try int(n, "query_limit", 1 ... 1_000_000) }
        if let n = values["depth"] { suite.depth = try int(n, "depth", 1 ... 10_000) }
        if let n = values["answers"] {
            if n.scalar?.string == "queries" {
                suite.answers = queries
                suite.answersFromQueries = true
            } else {
                suite.answers = try resolvePath(n, "answers")
            }
        }
        if let n = values["unanswerable"] {
            guard suite.answers != nil else { throw fail(n, "unanswerable needs answers (refusals are scored beside answer quality)") }
            suite.unanswerable = try resolvePath(n, "unanswerable")
        }
        if let n = values["removed_passages"] {
            guard suite.answers != nil else { throw fail(n, "removed_passages needs answers (refusals are scored beside answer quality)") }
            suite.removedPassages = try int(n, "removed_passages", 1 ... 1000)
        }
        if let n = values["allow_unknown_documents"] { suite.allowUnknownDocuments = n.scalar?.string == "true" }
        if let n = values["allow_unknown_queries"] { suite.allowUnknownQueries = n.scalar?.string == "true" }
        if let n = values["collection"] {
            guard let map = n.mapping else { throw fail(n, "collection must be a mapping") }
            for (k, value) in map {
                switch k.string {
                case "analyzer": suite.analyzer = try string(value, "analyzer")
                case "embedder":
                    suite.embedder = try string(value, "embedder")
                    guard ["native", "none"].contains(suite.embedder) else { throw fail(value, "embedder must be native or none") }
                case "model":
                    let model = try string(value, "model")
                    guard !model.isEmpty, !model.contains("/"), !model.hasPrefix(".") else {
                        throw fail(value, "model must be a model folder's name (as in models/), e.g. multilingual-e5-small")
                    }
                    suite.model = model
                default: throw fail(k, "unknown collection key \"\(k.string ?? "?")\" (known: analyzer, embedder, model)")
                }
            }
        }
        guard let metricsNode = values["metrics"]?.sequence, !metricsNode.isEmpty else {
            throw EvalError(file: file, line: values["metrics"].flatMap(line), "\"metrics\" must be a non-empty list")
        }
        for m in metricsNode {
            do { suite.metrics.append(try Metric(try string(m, "metric"))) } catch let error as EvalError { throw fail(m, error.message) }
        }
        if let n = values["baseline"] {
            let baseline = try string(n, "baseline")
            guard variants.contains(where: { $0.name == baseline }) else { throw fail(n, "baseline \"\(baseline)\" is not a variant") }
            suite.baseline = baseline
        }
        for g in values["gates"]?.sequence ?? [] {
            suite.gates.append(try parseGate(try string(g, "gate"), variants: variants, fail: { fail(g, $0) }))
        }
        if suite.variants.contains(where: { $0.mode != "lexical" }) && suite.embedder == "none" {
            throw EvalError(file: file, "dense and hybrid variants need collection.embedder native")
        }
        return suite
    }

    static func parseGate(_ text: String, variants: [Variant], fail: (String) -> EvalError) throws -> Gate {
        let parts = text.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 2, variants.contains(where: { $0.name == parts[0] }) else {
            throw fail("gate \"\(text)\": expected \"variant: metric >= value\" with a known variant")
        }
        let threshold: MetricThreshold
        do { threshold = try MetricThreshold(parsing: parts[1]) } catch { throw fail("gate \"\(text)\": \(error)") }
        let metric: Metric
        do { metric = try Metric(threshold.metric) } catch { throw fail("gate \"\(text)\": \(error)") }
        return Gate(variant: parts[0], metric: metric, threshold: threshold, expression: text)
    }

    static func line(_ node: Node) -> Int? { node.mark.map { $0.line } }
}
