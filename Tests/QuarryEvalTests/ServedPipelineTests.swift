import Foundation
import QuarryCore
import QuarryEval
import QuarryGenerate
import QuarryPipeline
import QuarryTesting
import QuarryWire
import Testing

/// Records every prompt it is sent and answers with a fixed text.
final class RecordingModel: LanguageModel, @unchecked Sendable {
    private let lock = NSLock()
    private var recorded: [[ChatMessage]] = []
    let reply: String
    var identity: String { "test:recording" }

    init(reply: String) { self.reply = reply }

    var prompts: [[ChatMessage]] { lock.withLock { recorded } }

    func complete(_ messages: [ChatMessage]) async throws -> ChatCompletion {
        lock.withLock { recorded.append(messages) }
        return ChatCompletion(text: reply, model: "recording", finishReason: "stop", promptTokens: nil, completionTokens: nil)
    }

    func stream(_ messages: [ChatMessage]) -> AsyncThrowingStream<String, Error> {
        lock.withLock { recorded.append(messages) }
        let reply = self.reply
        return AsyncThrowingStream { continuation in
            continuation.yield(reply)
            continuation.finish()
        }
    }
}

@Suite struct ServedPipelineTests {
    @Test("eval answers with the served pipeline: the configured prompt template and retrieval.k, not built-in ones")
    func servedPrompt() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write("corpus.jsonl", """
            {"_id": "d1", "text": "The moon orbits the earth every 27 days."}
            {"_id": "d2", "text": "The moon has no light of its own."}
            {"_id": "d3", "text": "Green tea is steeped briefly in hot water."}
            """)
        try dir.write("queries.jsonl", "{\"_id\": \"q1\", \"text\": \"How long does the moon take to orbit?\"}\n")
        try dir.write("qrels.tsv", "q1\td1\t1\n")
        try dir.write("answers.jsonl", "{\"_id\": \"q1\", \"answer\": \"The moon orbits the earth every 27 days.\"}\n")
        try dir.write("prompt/system.mustache", "SERVED-SYSTEM-PROMPT: answer from the passages.")
        try dir.write("prompt/user.mustache", "{{#passages}}[{{number}}] {{text}}\n{{/passages}}Q: {{question}}")
        let path = try dir.write("suite.yaml", """
            name: served
            corpus: corpus.jsonl
            queries: queries.jsonl
            qrels: qrels.tsv
            answers: answers.jsonl
            collection: {analyzer: english, embedder: none}
            variants:
              - {name: bm25, mode: lexical}
            metrics: [ndcg@10]
            """).path
        var configuration = QuarryConfiguration()
        configuration.generation.prompt = dir.path + "/prompt"
        configuration.retrieval.k = 1
        let model = RecordingModel(reply: "The moon orbits the earth every 27 days [1].")
        let factory = PipelineFactory(configuration: configuration, home: QuarryHome(url: dir.url.appendingPathComponent("home")),
                                      embedder: nil, reranker: nil, model: model, template: try PromptTemplate.configured(configuration))
        let outcome = try await SuiteRunner(factory: factory).run(try Suite.load(path), outputDirectory: dir.url.appendingPathComponent("out"))
        let prompts = model.prompts
        try #require(prompts.count == 1)
        #expect(prompts[0].first?.content == "SERVED-SYSTEM-PROMPT: answer from the passages.")
        let user = prompts[0].last?.content ?? ""
        #expect(user.contains("[1] The moon orbits") && !user.contains("[2]"), "retrieval.k = 1 gives one passage: \(user)")
        #expect(outcome.report.variants.first?.perQuery["q1"]?["citation_precision"] == 1)
    }
}

@Suite struct AnswererVariantTests {
    @Test("variants name their answerer; references come from the queries' metadata (any counts); unanswerable questions give refusal_rate")
    func answerers() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write("corpus.jsonl", """
            {"_id": "d1", "text": "The moon orbits the earth every 27 days."}
            {"_id": "d2", "text": "Green tea is steeped briefly in hot water."}
            """)
        try dir.write("queries.jsonl", """
            {"_id": "q1", "text": "How long does the moon take to orbit the earth?", "metadata": {"answers": ["27 days", "every 27 days"]}}
            {"_id": "q2", "text": "How is green tea steeped?", "metadata": {"answers": "briefly in hot water"}}
            """)
        try dir.write("qrels.tsv", "q1\td1\t1\nq2\td2\t1\n")
        // Shares words with the corpus (so something is retrieved) but nothing answers it.
        try dir.write("unanswerable.jsonl", "{\"_id\": \"u1\", \"text\": \"Who first landed on the moon?\"}\n")
        let path = try dir.write("suite.yaml", """
            name: answerers
            corpus: corpus.jsonl
            queries: queries.jsonl
            qrels: qrels.tsv
            answers: queries
            unanswerable: unanswerable.jsonl
            removed_passages: 1
            collection: {analyzer: english, embedder: none}
            variants:
              - {name: quotes, mode: lexical, answerer: extractive}
              - {name: served, mode: lexical, answerer: llm}
            baseline: quotes
            metrics: [ndcg@10]
            """).path
        let suite = try Suite.load(path)
        #expect(suite.variants.map(\.answerer) == ["extractive", "llm"])
        #expect(suite.answersFromQueries && suite.unanswerable?.lastPathComponent == "unanswerable.jsonl")
        var configuration = QuarryConfiguration()
        configuration.llm.provider = .none
        let model = RecordingModel(reply: "The passages do not say [1].")
        let factory = PipelineFactory(configuration: configuration, home: QuarryHome(url: dir.url.appendingPathComponent("home")),
                                      embedder: nil, reranker: nil, model: model, template: try PromptTemplate.builtin())
        let report = try await SuiteRunner(factory: factory).run(suite, outputDirectory: dir.url.appendingPathComponent("out")).report
        #expect(report.metrics.contains("refusal_rate"))
        let quotes = try #require(report.variants.first { $0.name == "quotes" })
        let served = try #require(report.variants.first { $0.name == "served" })
        #expect(quotes.mean["refusal_rate"] == 1, "no sentence holds 'first' or 'landed': the extractive answer declines (min_question_coverage)")
        #expect(served.mean["refusal_rate"] == 1, "the scripted model declines the unanswerable question")
        #expect(served.perQuery["unanswerable:u1"]?["refusal_rate"] == 1)
        #expect((quotes.perQuery["q1"]?["answer_f1"] ?? 0) > 0.3, "the best of the two references counts")
        #expect(model.prompts.count == 3, "only the llm variant asked the model: two questions and the unanswerable one")
        #expect(!report.comparisons.contains { $0.metric == "refusal_rate" }, "refusal rates are not paired across variants")
        // q1 asked again over the corpus without d1: nothing left answers it.
        #expect(report.metrics.contains("removed_refusal_rate"))
        #expect(quotes.perQuery["removed:q1"]?["removed_refusal_rate"] == 1 && quotes.mean["removed_refusal_rate"] == 1)
        #expect(quotes.answers?["removed:q1"]?.citations.isEmpty == true)

        try dir.write("bad.yaml", """
            name: bad
            corpus: corpus.jsonl
            queries: queries.jsonl
            qrels: qrels.tsv
            variants:
              - {name: x, mode: lexical, answerer: oracle}
            metrics: [ndcg@10]
            """)
        #expect(throws: EvalError.self) { try Suite.load(dir.path + "/bad.yaml") }
    }

    @Test("a refusal is a no-context answer or a generated one that says the passages do not hold the answer")
    func refusals() {
        func answer(_ text: String, _ kind: Answer.Kind) -> Answer {
            Answer(question: "q", text: text, kind: kind, fallbackReason: nil, citations: [], unknownCitations: [], sources: [], hits: [],
                   prompt: "p", model: nil, mode: .lexical, denseTrust: nil, reranker: nil, timings: [:], notes: [])
        }
        #expect(Refusal.declines(answer("The passages do not mention it.", .generated)))
        #expect(Refusal.declines(answer("I don’t know.", .generated)))
        #expect(Refusal.declines(answer("", .noContext)))
        #expect(!Refusal.declines(answer("Newton built it in 1668 [1].", .generated)))
        #expect(!Refusal.declines(answer("The passage does not mention it.", .extractive)), "extractive answers quote, they never decline")
    }
}
