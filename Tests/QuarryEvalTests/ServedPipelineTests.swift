import Foundation
import QuarryCore
import QuarryEval
import QuarryGenerate
import QuarryPipeline
import QuarryTesting
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
