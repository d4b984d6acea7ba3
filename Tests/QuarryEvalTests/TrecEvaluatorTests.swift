import Foundation
import QuarryEval
import QuarryTesting
import Testing

@Suite struct TrecEvaluatorTests {
    @Test("per-query and mean metrics equal pytrec_eval's to 1e-6")
    func parityWithReference() throws {
        let reference = try #require(try JSONSerialization.jsonObject(
            with: Data(contentsOf: Fixtures.reference("metrics_reference.json"))) as? [String: Any])
        let run = try Run.read(Fixtures.reference("msmarco_bm25_run.trec"))
        let qrels = try Qrels.read(Fixtures.reference("msmarco_qrels_test.tsv"))
        let names = ["ndcg@10", "recall@100", "mrr@10", "map"]
        let metrics = try names.map(Metric.init)
        let result = TrecEvaluator(metrics: metrics).evaluate(run: run, qrels: qrels)
        #expect(result.queries.count == reference["queries_evaluated"] as? Int)
        let mean = try #require(reference["mean"] as? [String: Double])
        for (name, metric) in zip(names, metrics) {
            #expect(abs(result.mean[metric]! - mean[name]!) < 1e-6, "mean \(name): \(result.mean[metric]!) vs \(mean[name]!)")
        }
        let perQuery = try #require(reference["per_query"] as? [String: [String: Double]])
        for (query, expected) in perQuery {
            let got = try #require(result.perQuery[query], "query \(query) not evaluated")
            for (name, metric) in zip(names, metrics) {
                #expect(abs(got[metric]! - expected[name]!) < 1e-6, "query \(query) \(name)")
            }
        }
    }

    @Test("ties are broken by document id descending, as trec_eval does")
    func tieBreaking() {
        let run = Run(results: ["q": [("a", 1.0), ("b", 1.0), ("c", 0.5)]])
        let qrels = Qrels(judgements: ["q": ["a": 1]])
        // Order is b, a, c: the relevant document is at rank 2.
        let result = TrecEvaluator(metrics: [.mrr(10), .precision(1)]).evaluate(run: run, qrels: qrels)
        #expect(result.mean[.mrr(10)] == 0.5)
        #expect(result.mean[.precision(1)] == 0)
    }

    @Test("queries judged but not retrieved count only when asked")
    func unretrieved() {
        let run = Run(results: ["q1": [("a", 1.0)]])
        let qrels = Qrels(judgements: ["q1": ["a": 1], "q2": ["b": 1]])
        #expect(TrecEvaluator(metrics: [.map]).evaluate(run: run, qrels: qrels).mean[.map] == 1)
        #expect(TrecEvaluator(metrics: [.map], includeUnretrieved: true).evaluate(run: run, qrels: qrels).mean[.map] == 0.5)
    }

    @Test("malformed files and metric names fail with the file and line")
    func malformed() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let qrels = try dir.write("q.tsv", "query-id\tcorpus-id\tscore\nq1\td1\t1\nq1\td1\t2\n")
        let error = #expect(throws: EvalError.self) { try Qrels.read(qrels) }
        #expect(error?.line == 3)
        let bad = try dir.write("b.tsv", "q1 d1\n")
        #expect(throws: EvalError.self) { try Qrels.read(bad) }
        let grade = try dir.write("g.tsv", "q1\td1\thigh\n")
        #expect(throws: EvalError.self) { try Qrels.read(grade) }
        let run = try dir.write("r.trec", "q1 Q0 d1 1 0.5 t\nq1 Q0 d1 2 0.4 t\n")
        #expect((#expect(throws: EvalError.self) { try Run.read(run) })?.line == 2)
        let nan = try dir.write("n.trec", "q1 Q0 d1 1 nan t\n")
        #expect(throws: EvalError.self) { try Run.read(nan) }
        #expect(throws: EvalError.self) { try Metric("ndcg") }
        #expect(throws: EvalError.self) { try Metric("bleu@4") }
        #expect(throws: EvalError.self) { try Run.read(dir.url.appendingPathComponent("missing.trec")) }
        #expect(try Metric("P@5") == .precision(5))
    }

    @Test("qrels and run document ids follow ingest's id rule: an NFD id is read as the NFC one the collection stores")
    func normalizedIDs() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let qrels = try Qrels.read(try dir.write("q.tsv", "q1\tcafe\u{0301}.md\t1\n"))
        #expect(qrels.judgements["q1"]?.keys.map { Array($0.utf8) } == [Array("caf\u{E9}.md".utf8)])
        let run = try Run.read(try dir.write("r.trec", "q1 Q0 cafe\u{0301}.md 1 0.5 t\n"))
        #expect(run.results["q1"]?.map { Array($0.document.utf8) } == [Array("caf\u{E9}.md".utf8)])
    }
}
