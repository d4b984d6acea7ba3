import Foundation
import QuarryCore
import QuarryEmbed
import QuarryEval
import QuarryGenerate
import QuarryPipeline
import QuarryTesting
import Testing

@Suite struct SuiteTests {
    func write(_ dir: TemporaryDirectory, _ yaml: String) throws -> String {
        try dir.write("corpus.jsonl", """
            {"_id": "d1", "text": "The moon orbits the earth every month."}
            {"_id": "d2", "text": "Green tea is steeped briefly in hot water."}
            """)
        try dir.write("queries.jsonl", "{\"_id\": \"q1\", \"text\": \"moon orbit\"}\n{\"_id\": \"q2\", \"text\": \"green tea\"}\n")
        try dir.write("qrels.tsv", "query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\td2\t1\n")
        return try dir.write("suite.yaml", yaml).path
    }

    let valid = """
        name: tiny
        corpus: corpus.jsonl
        queries: queries.jsonl
        qrels: qrels.tsv
        collection: {analyzer: english, embedder: none}
        variants:
          - {name: bm25, mode: lexical}
          - {name: bm25-b0, mode: lexical, b: 0}
        baseline: bm25
        metrics: [ndcg@10, mrr@10]
        gates: ["bm25: ndcg@10 >= 0.9"]
        """

    @Test("a lexical suite runs end to end, writes runs and reports, and checks gates")
    func runs() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let suite = try Suite.load(try write(dir, valid))
        let outcome = try await SuiteRunner(home: QuarryHome(url: dir.url.appendingPathComponent("home")), embedder: nil)
            .run(suite, outputDirectory: dir.url.appendingPathComponent("out"))
        #expect(outcome.gatesPassed)
        #expect(outcome.report.variants.map(\.name) == ["bm25", "bm25-b0"])
        #expect(outcome.report.variants[0].mean["ndcg@10"] == 1)
        #expect(outcome.report.comparisons.count == 2)
        for file in ["bm25.trec", "bm25-b0.trec", "report.json", "report.md", "report.html"] {
            #expect(FileManager.default.fileExists(atPath: dir.path + "/out/" + file), "\(file) missing")
        }
        var failing = suite
        failing.gates = [try #require(try Suite.load(try write(dir, valid.replacingOccurrences(of: ">= 0.9", with: "> 1"))).gates.first)]
        #expect(try await !SuiteRunner(home: QuarryHome(url: dir.url.appendingPathComponent("home")), embedder: nil).run(failing).gatesPassed)
    }

    @Test("malformed suites fail with the file and line", arguments: [
        ("colour: blue\n", "unknown key", 1),
        ("metrics: [ndcg@10, bleu@4]\n", "unknown metric", 1),
        ("qrels: missing.tsv\n", "does not exist", 1),
        ("variants:\n  - {name: bm25, mode: lexical}\n  - {name: bm25, mode: lexical}\n", "duplicate variant", 3),
        ("gates: [\"nope: ndcg@10 >= 1\"]\n", "known variant", 1),
        ("variants:\n  - {name: x, mode: sparse}\n", "mode must be lexical, dense or hybrid", 2),
        ("collection: {model: ../multilingual-e5-small}\n", "model folder's name", 1),
    ])
    func malformed(extra: String, message: String, relativeLine: Int) throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        // Replace the matching top-level key of the valid suite with the broken one.
        var lines = valid.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let key = extra.split(separator: ":").first.map(String.init) ?? ""
        if let index = lines.firstIndex(where: { $0.hasPrefix(key + ":") }) {
            var end = index + 1
            while end < lines.count, lines[end].hasPrefix("  ") { end += 1 }
            lines.removeSubrange(index ..< end)
        }
        let start = lines.count
        let path = try write(dir, (lines + [extra]).joined(separator: "\n"))
        let error = #expect(throws: EvalError.self) { try Suite.load(path) }
        #expect(error?.description.contains(message) == true, "\(error?.description ?? "")")
        #expect(error?.file == path)
        #expect(error?.line == start + relativeLine, "\(error?.description ?? "")")
    }

    @Test("collection.model embeds a suite's collection with that model, and its variants search with it")
    func suiteModel() async throws {
        let models = Fixtures.packageRoot().appendingPathComponent("models")
        guard FileManager.default.fileExists(atPath: models.appendingPathComponent("multilingual-e5-small/e5-small-q4.bin").path) else {
            Issue.record("multilingual-e5-small is not in models/ (run scripts/fetch-model multilingual-e5-small)")
            return
        }
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let yaml = valid.replacingOccurrences(of: "collection: {analyzer: english, embedder: none}",
                                              with: "collection: {analyzer: auto, embedder: native, model: multilingual-e5-small}")
            .replacingOccurrences(of: "  - {name: bm25-b0, mode: lexical, b: 0}", with: "  - {name: dense, mode: dense}")
        let suite = try Suite.load(try write(dir, yaml))
        #expect(suite.model == "multilingual-e5-small")
        var configuration = QuarryConfiguration()
        configuration.embedding.model = models.appendingPathComponent("all-MiniLM-L6-v2").path
        let home = QuarryHome(url: dir.url.appendingPathComponent("home"))
        let factory = PipelineFactory(configuration: configuration, home: home,
                                      embedders: EmbedderCatalog(configuration: configuration, configured: HashEmbedder()),
                                      reranker: nil, model: nil, template: try PromptTemplate.builtin())
        let outcome = try await SuiteRunner(factory: factory).run(suite, outputDirectory: dir.url.appendingPathComponent("out"))
        let dense = try #require(outcome.report.variants.first { $0.name == "dense" })
        #expect(dense.mean["ndcg@10"] == 1)
        #expect(dense.description.contains("multilingual-e5-small"), "\(dense.description)")
    }

    @Test("qrels naming an unknown query or document fail with the qrels line")
    func unknownJudgements() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = try write(dir, valid)
        try dir.write("qrels.tsv", "query-id\tcorpus-id\tscore\nq1\td1\t1\nq9\td2\t1\n")
        var error = await #expect(throws: EvalError.self) {
            try await SuiteRunner(home: QuarryHome(url: dir.url.appendingPathComponent("h")), embedder: nil).run(try Suite.load(path))
        }
        #expect(error?.line == 3 && error?.description.contains("q9") == true)
        try dir.write("qrels.tsv", "query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\td7\t1\n")
        error = await #expect(throws: EvalError.self) {
            try await SuiteRunner(home: QuarryHome(url: dir.url.appendingPathComponent("h")), embedder: nil).run(try Suite.load(path))
        }
        #expect(error?.line == 3 && error?.description.contains("d7") == true)
    }

    @Test("every suite under corpora/suites loads: its files exist and its variants parse", Fixtures.needsShared)
    func everySuiteLoads() throws {
        let root = Fixtures.packageRoot().appendingPathComponent("corpora/suites")
        let names = try FileManager.default.contentsOfDirectory(atPath: root.path).filter { $0 != "demo" }.sorted()
        #expect(names.count >= 19)
        for name in names {
            let suite = try Suite.load(root.appendingPathComponent(name).path)
            #expect(suite.variants.contains { $0.mode == "hybrid" }, "\(name)")
            if let rrf = suite.variants.first(where: { $0.name == "rrf" }) { #expect(rrf.fusion == .rrf, "\(name)") }
        }
    }

    @Test("a variant's fusion is parsed and checked")
    func variantFusion() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write("corpus.jsonl", #"{"_id": "d1", "text": "alpha"}"# + "\n")
        try dir.write("queries.jsonl", #"{"_id": "q1", "text": "alpha"}"# + "\n")
        try dir.write("qrels.tsv", "q1\td1\t1\n")
        func load(_ variants: String) throws -> Suite {
            try dir.write("suite.yaml", "name: f\ncorpus: corpus.jsonl\nqueries: queries.jsonl\nqrels: qrels.tsv\nmetrics: [ndcg@10]\nvariants:\n" + variants)
            return try Suite.load(dir.path + "/suite.yaml")
        }
        let suite = try load("  - {name: c, mode: hybrid, fusion: convex, dense_weight: 0.3}\n  - {name: a, mode: hybrid, fusion: auto}\n")
        #expect(suite.variants[0].fusion == .convex && suite.variants[0].denseWeight == 0.3 && suite.variants[1].fusion == .auto)
        let bad: [(String, String)] = [
            ("  - {name: x, mode: hybrid, fusion: max}\n", "fusion must be auto, rrf or convex, got 'max'"),
            ("  - {name: x, mode: lexical, fusion: rrf}\n", "hybrid variants only"),
            ("  - {name: x, mode: hybrid, dense_weight: 0.5}\n", "dense_weight needs fusion: convex"),
            ("  - {name: x, mode: hybrid, fusion: convex, dense_weight: 2}\n", "within 0...1"),
        ]
        for (variants, message) in bad {
            let error = #expect(throws: EvalError.self) { try load(variants) }
            #expect(error?.description.contains(message) == true, "\(error?.description ?? "no error")")
        }
    }

    @Test("the msmarco and arcd suites pass their gates on a 20-query cut", .tags(.slow), Fixtures.needsShared, arguments: ["msmarco", "arcd"])
    func sharedSuites(name: String) async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        var suite = try Suite.load(Fixtures.packageRoot().appendingPathComponent("corpora/suites/\(name)").path)
        suite.queryLimit = 20
        let embedder = try NativeEmbedder(modelDirectory: Fixtures.packageRoot().appendingPathComponent("models/all-MiniLM-L6-v2"))
        let outcome = try await SuiteRunner(home: QuarryHome(url: dir.url), embedder: embedder).run(suite)
        #expect(outcome.report.queries == 20)
        #expect(outcome.gatesPassed, "\(outcome.report.gates)")
    }
}

extension Tag {
    @Tag static var slow: Self
}
