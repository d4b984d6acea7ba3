import Foundation
import QuarryCore
import QuarryEval
import QuarryGenerate
import QuarryTesting
import QuarryText
import Testing
import QuarryWire

@Suite struct AnswerMetricsTests {
    @Test("exact match and token F1 follow SQuAD's normalisation")
    func squad() {
        #expect(AnswerMetrics.exactMatch("The Eiffel Tower! [1]", "eiffel tower") == 1)
        #expect(AnswerMetrics.exactMatch("Eiffel Tower in Paris", "Eiffel Tower") == 0)
        // answer: {eiffel, tower, in, paris} (4), reference: {eiffel, tower} (2): P 0.5, R 1, F1 2/3.
        #expect(abs(AnswerMetrics.tokenF1("The Eiffel Tower in Paris [2].", "Eiffel Tower") - 2.0 / 3.0) < 1e-12)
        // Repeated tokens count once per occurrence in the reference.
        #expect(abs(AnswerMetrics.tokenF1("moon moon moon", "moon phases") - 2 * (1.0 / 3) * 0.5 / (1.0 / 3 + 0.5)) < 1e-12)
        #expect(AnswerMetrics.tokenF1("", "") == 1)
        #expect(AnswerMetrics.tokenF1("sun", "") == 0)
        #expect(AnswerMetrics.normalize("An apple, a pear; the [1, 2] end.") == ["apple", "pear", "end"])
    }

    func passage(_ number: Int, _ doc: String, _ text: String) -> ContextPassage {
        ContextPassage(number: number, docID: doc, title: "", chunkID: Int64(number), mergedChunks: nil, start: 0,
                       end: text.unicodeScalars.count, text: text, score: 1, truncated: false)
    }

    @Test("citation precision counts cited passages whose documents are relevant; no citation scores 0")
    func citationPrecision() {
        func citation(_ doc: String) -> Citation { Citation(number: 1, docID: doc, title: "", chunkID: 1, start: 0, end: 1) }
        #expect(AnswerMetrics.citationPrecision([citation("a"), citation("b")], relevant: ["a"]) == 0.5)
        #expect(AnswerMetrics.citationPrecision([], relevant: ["a"]) == 0)
    }

    @Test("support: a sentence is supported when its content terms are in the passages it cites")
    func support() throws {
        let analyzer = try Analyzers.named("english")
        let sources = [passage(1, "a", "Tides are caused mainly by the gravity of the Moon."),
                       passage(2, "b", "A reflecting telescope gathers light with a curved mirror.")]
        // The first sentence's citation follows the full stop, where ICU starts the next sentence.
        let supported = "Tides are caused by the Moon's gravity. [1] A telescope gathers light with a mirror [2]."
        #expect(try AnswerMetrics.supportRate(supported, sources: sources, analyzer: analyzer) == 1)
        let halfMade = "Tides are caused by the Moon's gravity [1]. Telescopes were invented by dolphins in Atlantis [2]."
        #expect(try AnswerMetrics.supportRate(halfMade, sources: sources, analyzer: analyzer) == 0.5)
        let wrongSource = "Tides are caused by the Moon's gravity [2]."
        #expect(try AnswerMetrics.supportRate(wrongSource, sources: sources, analyzer: analyzer) == 0)
    }

    @Test("a suite with reference answers scores every variant's answers; a bad answers file names the line")
    func suiteWithAnswers() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write("corpus.jsonl", """
            {"_id": "d1", "text": "The moon orbits the earth every 27 days."}
            {"_id": "d2", "text": "Green tea is steeped briefly in hot water."}
            """)
        try dir.write("queries.jsonl", "{\"_id\": \"q1\", \"text\": \"How long does the moon take to orbit?\"}\n{\"_id\": \"q2\", \"text\": \"how is green tea made\"}\n")
        try dir.write("qrels.tsv", "q1\td1\t1\nq2\td2\t1\n")
        try dir.write("answers.jsonl", "{\"_id\": \"q1\", \"answer\": \"27 days\"}\n")
        let path = try dir.write("suite.yaml", """
            name: answers
            corpus: corpus.jsonl
            queries: queries.jsonl
            qrels: qrels.tsv
            answers: answers.jsonl
            collection: {analyzer: english, embedder: none}
            variants:
              - {name: bm25, mode: lexical}
            metrics: [ndcg@10]
            """).path
        let outcome = try await SuiteRunner(home: QuarryHome(url: dir.url.appendingPathComponent("home")), embedder: nil)
            .run(try Suite.load(path), outputDirectory: dir.url.appendingPathComponent("out"))
        let variant = try #require(outcome.report.variants.first)
        #expect(outcome.report.metrics == ["ndcg@10"] + AnswerMetrics.names)
        #expect(variant.perQuery["q1"]?["answer_em"] == 1, "a how-long question gets the span that answers it")
        // The report keeps each answer beside its scores, in report.json and the HTML.
        let kept = try #require(variant.answers?["q1"])
        #expect(kept.text == "27 days [1]" && kept.kind == "extractive" && kept.citations == ["[1] d1"] && kept.references == ["27 days"])
        let saved = try JSONDecoder().decode(EvalReport.self, from: Data(contentsOf: outcome.directory.appendingPathComponent("report.json")))
        #expect(saved.variants.first?.answers?["q1"] == kept)
        let html = try String(contentsOf: outcome.directory.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(html.contains("<h2>Answers</h2>") && html.contains("27 days [1]"))
        #expect(variant.perQuery["q1"]?["citation_precision"] == 1)
        #expect(variant.perQuery["q2"]?["answer_f1"] == nil, "no reference, no answer metrics")
        #expect(variant.mean["support_rate"] == 1)

        try dir.write("answers.jsonl", "{\"_id\": \"q1\", \"answer\": \"x\"}\n{\"_id\": \"q2\"}\n")
        do {
            _ = try await SuiteRunner(home: QuarryHome(url: dir.url.appendingPathComponent("home")), embedder: nil).run(try Suite.load(path))
            Issue.record("a bad answers file was accepted")
        } catch let error as EvalError {
            #expect(error.description.contains("answers.jsonl") && error.description.contains(":2") && error.description.contains("answer"))
        }
    }
}
