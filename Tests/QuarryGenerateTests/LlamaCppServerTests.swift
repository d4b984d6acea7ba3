import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import QuarryCore
import QuarryGenerate
import QuarryTesting
import Testing

/// The OpenAI-compatible client against a real server: llama.cpp's (xllamacpp, in
/// `.venv-llama`, which scripts/setup makes) serving SmolLM2-135M-Instruct with a 256-token
/// context — plain and streamed answers, the token limit, a prompt over the context, and
/// the server killed in the middle of a stream.
@Suite struct LlamaCppServerTests {
    static let python = Fixtures.packageRoot().appendingPathComponent(".venv-llama/bin/python")
    static let model = Fixtures.packageRoot().appendingPathComponent("models/SmolLM2-135M-Instruct/SmolLM2-135M-Instruct.Q4_1.gguf")
    static var available: Bool {
        FileManager.default.isExecutableFile(atPath: python.path) && FileManager.default.fileExists(atPath: model.path)
    }

    /// Starts the server on a free loopback port and waits until it answers /health: up to
    /// three minutes by the clock, because with every suite running at once on two cores the
    /// Python server's start has taken longer than the 30 s of polls this used to allow (a
    /// clean-clone CI run); it stops waiting at once if the server exits.
    static func start() async throws -> (Process, URL) {
        let port = 20_000 + Int(getpid() % 20_000)
        let process = try CommandRunner.start(python, [Fixtures.packageRoot().appendingPathComponent("scripts/test/llama_cpp_server.py").path,
                                                       String(port), model.path, "256"])
        let base = URL(string: "http://127.0.0.1:\(port)")!
        let deadline = Date().addingTimeInterval(180)
        while Date() < deadline, process.isRunning {
            if let (_, response) = try? await URLSession.shared.data(from: base.appendingPathComponent("health")),
               (response as? HTTPURLResponse)?.statusCode == 200 {
                return (process, base)
            }
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        let exited = process.isRunning ? "still not answering after 180 s" : "exited with \(process.terminationStatus)"
        process.terminate()
        throw GenerateError(.connection, "llama.cpp's server did not start on port \(port): \(exited)")
    }

    @Test("plain, streamed, cut at the token limit, refused over the context, broken mid-stream",
          .enabled(if: available, "run scripts/setup (it makes .venv-llama with xllamacpp and fetches SmolLM2-135M-Instruct)"))
    func realServer() async throws {
        let (process, base) = try await Self.start()
        defer { if process.isRunning { process.terminate() } }
        func client(maxTokens: Int) throws -> OpenAIChatClient {
            try OpenAIChatClient(OpenAIChatClient.Configuration(baseURL: base, model: "smollm2", temperature: 0, maxTokens: maxTokens,
                                                                 requestTimeout: 60, maxAttempts: 1))
        }
        let question: [ChatMessage] = [.system("Answer from the passage."), .user("[1] Tides are caused mainly by the gravity of the Moon.\n\nWhat causes tides?")]
        let plain = try await client(maxTokens: 48).complete(question)
        #expect(plain.text.contains("Moon"), "\(plain.text)")
        #expect(["stop", "length"].contains(plain.finishReason ?? ""))
        #expect((plain.promptTokens ?? 0) > 20 && (plain.completionTokens ?? 0) > 0)

        var pieces: [String] = []
        for try await piece in try client(maxTokens: 48).stream(question) { pieces.append(piece) }
        #expect(pieces.count > 1)
        #expect(pieces.joined() == plain.text, "temperature 0: the stream is the plain answer in pieces")

        let cut = try await client(maxTokens: 3).complete(question)
        #expect(cut.finishReason == "length" && cut.completionTokens == 3)

        let long: [ChatMessage] = [.user(String(repeating: "The Moon pulls the oceans. ", count: 80) + "What causes tides?")]
        let overflow = await #expect(throws: GenerateError.self) { try await client(maxTokens: 16).complete(long) }
        #expect(overflow?.code == .http, "\(String(describing: overflow))")
        #expect(overflow?.message.contains("context") == true, "the server's reason is kept: \(String(describing: overflow))")

        // Killed after the first token: the stream ends with an error, never as a short answer.
        let story: [ChatMessage] = [.user("Write a long story about a lighthouse keeper and the sea.")]
        var received = 0
        let broken = await #expect(throws: GenerateError.self) {
            for try await _ in try client(maxTokens: 200).stream(story) {
                received += 1
                if received == 1 { kill(process.processIdentifier, SIGKILL) }
            }
        }
        #expect(received >= 1)
        #expect(broken?.code == .connection, "\(String(describing: broken))")
    }
}
