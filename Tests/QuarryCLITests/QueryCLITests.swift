import Foundation
import QuarryTesting
import Testing

@Suite struct QueryCLITests {
    let quarry = Fixtures.quarryExecutable()

    /// The demo corpus, lexical only (fast in debug builds).
    func demoHome(_ dir: TemporaryDirectory) async throws -> String {
        let home = dir.path + "/h"
        let demo = Fixtures.packageRoot().appendingPathComponent("corpora/demo").path
        let ingest = try await CommandRunner.run(quarry, ["ingest", demo, "--home", home, "--collection", "demo", "--quiet", "--embedder", "none"])
        #expect(ingest.status == 0, "\(ingest.stderr)")
        return home
    }

    /// A config that points the LLM at `url`.
    func llmConfig(_ dir: TemporaryDirectory, url: URL, attempts: Int = 1) throws -> String {
        try dir.write("quarry.yaml", """
            llm:
              provider: openai
              url: \(url.absoluteString)
              model: test-model
              timeout_seconds: 5
              max_attempts: \(attempts)
              stream: false
            """)
        return dir.path + "/quarry.yaml"
    }

    @Test("by default the native model answers (when models/ has it) and says so; a missing model file falls back with the reason")
    func native() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let home = try await demoHome(dir)
        // annotate: the model's own text is shown (with verdicts), whatever the check says of it.
        // A long timeout: the whole suite runs in parallel on two cores, and a timed-out call falls back.
        let short = ["QUARRY_LLM_MAX_TOKENS": "24", "QUARRY_LLM_TEMPERATURE": "0", "QUARRY_GENERATION_GROUNDING": "annotate",
                     "QUARRY_LLM_TIMEOUT_SECONDS": "600"]
        if FileManager.default.fileExists(atPath: Fixtures.packageRoot().appendingPathComponent("models/SmolLM2-135M-Instruct").path) {
            // Not a factoid question: those get the span that answers them, without the model (below).
            let text = try await CommandRunner.run(quarry, ["query", "How does a reflecting telescope work?", "--home", home, "--collection", "demo"],
                                                   environment: short, currentDirectory: Fixtures.packageRoot())
            #expect(text.status == 0, "\(text.stderr)")
            #expect(text.stdout.hasPrefix("Answer (native SmolLM2-135M-Instruct):"), "\(text.stdout)")
            #expect(!text.stdout.contains("<<<Q-"), "the fence marker is not echoed")
            let json = try await CommandRunner.run(quarry, ["query", "What causes tides?", "--home", home, "--collection", "demo", "--json"],
                                                   environment: short, currentDirectory: Fixtures.packageRoot())
            let answer = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any], "\(json.stderr)")
            #expect(answer["kind"] as? String == "generated")
            #expect((answer["prompt_tokens"] as? Int ?? 0) > 50, "the prompt's tokens are reported")
            #expect((answer["completion_tokens"] as? Int ?? 0) > 0 && (answer["completion_tokens"] as? Int ?? 99) <= 24)
            #expect(["stop", "length"].contains(answer["finish_reason"] as? String ?? ""))
            // Strict (the default): whatever is shown is backed, sentence by sentence, or the answer is extractive.
            var strict = short
            strict["QUARRY_GENERATION_GROUNDING"] = "strict"
            let checked = try await CommandRunner.run(quarry, ["query", "What causes tides?", "--home", home, "--collection", "demo", "--json"],
                                                      environment: strict, currentDirectory: Fixtures.packageRoot())
            let verified = try #require(try JSONSerialization.jsonObject(with: Data(checked.stdout.utf8)) as? [String: Any], "\(checked.stderr)")
            let verdicts = (verified["grounding"] as? [String: Any])?["sentences"] as? [[String: Any]] ?? []
            #expect(!verdicts.isEmpty, "the model's answer was checked: \(verified["fallback_reason"] ?? "-") \(verified["notes"] ?? "-")")
            for verdict in verdicts where verdict["status"] as? String == "unsupported" {
                #expect(verdict["shown"] as? Bool == false)
                #expect(!(verified["text"] as? String ?? "").contains(verdict["text"] as? String ?? "-"))
            }
        } else {
            Issue.record("SmolLM2-135M-Instruct is not in models/ (run scripts/fetch-model SmolLM2-135M-Instruct)")
        }
        var missing = short
        missing["QUARRY_LLM_PROVIDER"] = "native"
        missing["QUARRY_LLM_MODEL"] = dir.path + "/absent.gguf"
        let fallback = try await CommandRunner.run(quarry, ["query", "How does a reflecting telescope work?", "--home", home, "--collection", "demo"],
                                                   environment: missing)
        #expect(fallback.status == 0, "\(fallback.stderr)")
        #expect(fallback.stdout.contains("Answer (extractive: the LLM call failed: no language model at \(dir.path)/absent.gguf"), "\(fallback.stdout)")
        #expect(fallback.stdout.contains("mirror"))
        // A factoid question: the span, cited, whatever the model.
        let factoid = try await CommandRunner.run(quarry, ["query", "Who built the first practical reflecting telescope?", "--home", home, "--collection", "demo"],
                                                  environment: missing)
        #expect(factoid.stdout.contains("Answer (extractive: a factoid question") && factoid.stdout.contains("  Isaac Newton [1]"), "\(factoid.stdout)")
    }

    @Test("no LLM: an extractive answer with sources, as text and as JSON; --explain shows stages")
    func extractive() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let home = try await demoHome(dir)
        let none = ["QUARRY_LLM_PROVIDER": "none"]
        let text = try await CommandRunner.run(quarry, ["query", "Who built the first practical reflecting telescope?", "--home", home, "--collection", "demo", "--explain"],
                                               environment: none)
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("Answer (extractive: no LLM is configured"))
        #expect(text.stdout.contains("Isaac Newton"))
        #expect(text.stdout.contains("*[1] astronomy/telescopes.html"))
        #expect(text.stdout.contains("Timings: analysis"))
        #expect(text.stderr.contains("has no embeddings: lexical retrieval only"))
        let json = try await CommandRunner.run(quarry, ["query", "How is sourdough starter fed?", "--home", home, "--collection", "demo", "--json", "--k", "3"],
                                               environment: none)
        #expect(json.status == 0, "\(json.stderr)")
        let answer = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(answer["kind"] as? String == "extractive")
        let citations = try #require(answer["citations"] as? [[String: Any]])
        #expect(citations.first?["doc_id"] as? String == "cooking/bread-baking.md")
        #expect((answer["sources"] as? [Any])?.count ?? 0 <= 3)
        #expect((answer["prompt"] as? String)?.hasPrefix("answer@sha256:") == true)
    }

    @Test("bad input fails with a clear message")
    func badInput() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let home = try await demoHome(dir)
        let cases: [([String], String)] = [
            (["query", "  ", "--home", home, "--collection", "demo"], "the question is empty"),
            (["query", "x", "--home", home, "--collection", "demo", "--k", "0"], "--k must be"),
            (["query", "x", "--home", home, "--collection", "demo", "--filter", "year>=soon"], "needs a number"),
            (["query", "x", "--home", home, "--collection", "demo", "--mode", "dense"], "has no embeddings"),
            (["query", "x", "--home", home, "--collection", "demo", "--rerank"], "no reranker is configured"),
            (["query", "x", "--home", home, "--collection", "nope"], "no collection 'nope'"),
        ]
        for (arguments, message) in cases {
            let result = try await CommandRunner.run(quarry, arguments)
            #expect(result.status != 0, "\(arguments)")
            #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
        }
    }

    @Test("with an OpenAI-compatible LLM: the generated answer and its citations; a failing LLM falls back and says why")
    func llm() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let home = try await demoHome(dir)
        let reply = #"{"id":"x","object":"chat.completion","model":"test-model","choices":[{"index":0,"message":{"role":"assistant","content":"In 1668 Isaac Newton built the first practical reflecting telescope [1]."},"finish_reason":"stop"}],"usage":{"prompt_tokens":10,"completion_tokens":9}}"#
        let server = try await LocalHTTPServer(script: [.json(reply)])
        defer { server.stop() }
        let config = try llmConfig(dir, url: server.baseURL)
        let result = try await CommandRunner.run(quarry, ["query", "Who built the first practical reflecting telescope?", "--home", home, "--collection", "demo",
                                                    "--config", config, "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let answer = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(answer["kind"] as? String == "generated")
        #expect(answer["text"] as? String == "In 1668 Isaac Newton built the first practical reflecting telescope [1].")
        #expect((answer["citations"] as? [[String: Any]])?.first?["doc_id"] as? String == "astronomy/telescopes.html")
        let request = try #require(server.requests.first)
        #expect(request.path == "/v1/chat/completions")
        #expect(request.text.contains("test-model") && request.text.contains("BEGIN PASSAGE [1]"))

        let failing = try await LocalHTTPServer(script: [.json(#"{"error":"overloaded"}"#, status: 500)])
        defer { failing.stop() }
        let failingConfig = try llmConfig(dir, url: failing.baseURL)
        let fallback = try await CommandRunner.run(quarry, ["query", "Who built the first practical reflecting telescope?", "--home", home, "--collection", "demo",
                                                      "--config", failingConfig])
        #expect(fallback.status == 0, "\(fallback.stderr)")
        #expect(fallback.stdout.contains("Answer (extractive: the LLM call failed"))
        #expect(fallback.stdout.contains("500"))
        #expect(fallback.stderr.contains("warning:"))
    }
}
