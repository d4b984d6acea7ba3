import Foundation
import QuarryCore
@testable import QuarryGenerate
@testable import QuarryModels
import QuarryTesting
import Testing

/// The native provider end to end with SmolLM2-135M-Instruct (scripts/fetch-model puts it in
/// models/; without it these tests record an issue, as CI always has it), and the pieces
/// around generation that need no model.
@Suite struct NativeLanguageModelTests {
    static let folder = Fixtures.packageRoot().appendingPathComponent("models/SmolLM2-135M-Instruct")

    static func settings(_ adjust: (inout LLMSettings) -> Void = { _ in }) -> LLMSettings {
        var settings = LLMSettings()
        settings.provider = .native
        settings.temperature = 0
        settings.maxTokens = 24
        adjust(&settings)
        return settings
    }

    @Test("answers a chat, whole and streamed alike, and names the model")
    func answers() async throws {
        guard FileManager.default.fileExists(atPath: Self.folder.path) else {
            Issue.record("SmolLM2-135M-Instruct is not in models/ (run scripts/fetch-model SmolLM2-135M-Instruct)")
            return
        }
        let model = NativeLanguageModel(location: Self.folder, settings: Self.settings())
        #expect(model.identity == "native SmolLM2-135M-Instruct")
        let messages: [ChatMessage] = [.system("Answer briefly."), .user("What is the capital of France?")]
        let whole = try await model.complete(messages)
        #expect(whole.text.contains("Paris"), "\(whole.text)")
        #expect(whole.model == "SmolLM2-135M-Instruct.Q4_1")
        #expect((whole.promptTokens ?? 0) > 10 && (whole.completionTokens ?? 0) >= 1)
        var pieces: [String] = []
        for try await piece in model.stream(messages) { pieces.append(piece) }
        #expect(pieces.count > 1)
        #expect(pieces.joined() == whole.text, "greedy: the stream is the whole answer, in pieces")
    }

    @Test("a missing model, a folder with none and a prompt over the context are clear errors")
    func errors() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let missing = NativeLanguageModel(location: dir.url.appendingPathComponent("nope.gguf"), settings: Self.settings())
        let error = await #expect(throws: GenerateError.self) { try await missing.complete([.user("hi")]) }
        #expect(error?.code == .configuration)
        #expect(error?.message.contains("scripts/fetch-model SmolLM2-135M-Instruct") == true)
        let empty = NativeLanguageModel(location: dir.url, settings: Self.settings())
        let none = await #expect(throws: GenerateError.self) { try await empty.complete([.user("hi")]) }
        #expect(none?.message.contains("holds no .gguf file") == true)
        try dir.write("broken.gguf", "GGUF but not really")
        let broken = NativeLanguageModel(location: dir.url, settings: Self.settings())
        let corrupt = await #expect(throws: GenerateError.self) { try await broken.complete([.user("hi")]) }
        #expect(corrupt?.message.contains("broken.gguf") == true, "\(String(describing: corrupt))")
        guard FileManager.default.fileExists(atPath: Self.folder.path) else { return }
        let model = NativeLanguageModel(location: Self.folder, settings: Self.settings())
        let long = String(repeating: "word ", count: 9000)
        let overflow = await #expect(throws: GenerateError.self) { try await model.complete([.user(long)]) }
        #expect(overflow?.message.contains("reads at most 8192") == true, "\(String(describing: overflow))")
    }

    @Test("the factory: none and auto without a model give no LLM and say why; native gives the native model")
    func factory() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let resolve: (String) -> URL = { dir.url.appendingPathComponent($0) }
        var settings = LLMSettings()
        #expect(settings.provider == .auto)
        #expect(try LanguageModelFactory.make(settings, resolve: resolve) == nil)
        #expect(LanguageModelFactory.absence(settings, resolve: resolve).contains("scripts/fetch-model SmolLM2-135M-Instruct"))
        settings.provider = .native
        #expect(try LanguageModelFactory.make(settings, resolve: resolve) is NativeLanguageModel)
        settings.provider = .none
        #expect(try LanguageModelFactory.make(settings, resolve: resolve) == nil)
        #expect(LanguageModelFactory.absence(settings, resolve: resolve) == "no LLM is configured (llm.provider is none)")
        settings.provider = .auto
        #expect(try LanguageModelFactory.make(settings) { _ in Self.folder } is NativeLanguageModel
                || !FileManager.default.fileExists(atPath: Self.folder.path))
    }

    @Test("generation: stop strings cut the answer and never show, the budget ends it as length, cancelling stops it")
    func generation() throws {
        guard FileManager.default.fileExists(atPath: Self.folder.path) else { return }
        let chat = try LlamaChat(path: NativeLanguageModel.modelFile(at: Self.folder).path)
        let prompt = try chat.prompt([.init(role: "user", content: "[1] Tides are caused mainly by the gravity of the Moon.\n\nWhat causes tides?")])
        let free = try chat.generate(prompt, options: .init(maxTokens: 24, sampler: Sampler(temperature: 0)))
        let moon = try #require(free.text.range(of: "Moon"), "\(free.text)")
        var shown = ""
        let stopped = try chat.generate(prompt, options: .init(maxTokens: 24, stopStrings: ["Moon"], sampler: Sampler(temperature: 0)), onText: { shown += $0 })
        #expect(stopped.finishReason == "stop")
        #expect(stopped.text == String(free.text[..<moon.lowerBound]))
        #expect(shown == stopped.text, "nothing of the stop string was streamed")
        let short = try chat.generate(prompt, options: .init(maxTokens: 2, sampler: Sampler(temperature: 0)))
        #expect(short.finishReason == "length" && short.completionTokens == 2)
        var calls = 0
        let cancelled = try chat.generate(prompt, options: .init(maxTokens: 24, sampler: Sampler(temperature: 0)), cancelled: {
            calls += 1
            return calls > 3
        })
        #expect(cancelled.finishReason == "cancelled" && cancelled.completionTokens == 3)
        // A prompt that starts like the last one reads only the rest, and answers the same.
        let other = try chat.prompt([.init(role: "user", content: "[1] Tides are caused mainly by the gravity of the Moon.\n\nWhy are there tides?")])
        let reused = try chat.generate(other, options: .init(maxTokens: 16, sampler: Sampler(temperature: 0)))
        #expect(reused.cachedPromptTokens > 10, "the shared start was kept")
        let fresh = try LlamaChat(path: chat.path).generate(other, options: .init(maxTokens: 16, sampler: Sampler(temperature: 0)))
        #expect(fresh.cachedPromptTokens == 0)
        #expect(reused.text == fresh.text)
        // A seed repeats a sampled answer.
        let a = try chat.generate(prompt, options: .init(maxTokens: 16, sampler: Sampler(temperature: 0.9, seed: 42)))
        let b = try chat.generate(prompt, options: .init(maxTokens: 16, sampler: Sampler(temperature: 0.9, seed: 42)))
        #expect(a.text == b.text)
    }

    @Test("sampler: greedy takes the first maximum, banned tokens never come, the repetition penalty turns a repeat away")
    func sampler() {
        var greedy = Sampler(temperature: 0)
        #expect(greedy.next([1, 3, 3, 2]) == 1)
        #expect(greedy.next([1, 3, 3, 2], banned: [1, 2]) == 3)
        var sampled = Sampler(temperature: 1, topK: 2, seed: 1)
        for _ in 0 ..< 50 { #expect([1, 2].contains(sampled.next([0, 5, 5, -1]))) }
        var penalised = Sampler(temperature: 0, repeatPenalty: 1.5)
        #expect(penalised.next([0, 3, 2.5]) == 1)
        penalised.accept(1)
        #expect(penalised.next([0, 3, 2.5]) == 2, "3 / 1.5 = 2 < 2.5")
    }

    @Test("text pieces: whole UTF-8 characters only, stop-string prefixes held back")
    func pieces() {
        let euro = Array("€".utf8)  // 3 bytes
        #expect(LlamaChat.wholeCharacters(Array("ab".utf8) + euro.prefix(2)) == 2)
        #expect(LlamaChat.wholeCharacters(Array("ab".utf8) + euro) == 5)
        #expect(LlamaChat.wholeCharacters([0x80, 0x80]) == 2, "stray continuation bytes count as whole (they decode as U+FFFD)")
        #expect(LlamaChat.overlap(of: Array("the end <|".utf8), withStartOf: Array("<|im_end|>".utf8)) == 2)
        #expect(LlamaChat.overlap(of: Array("plain".utf8), withStartOf: Array("<|im_end|>".utf8)) == 0)
        #expect(LlamaChat.find(Array("cd".utf8), in: Array("abcde".utf8), from: 0) == 2)
    }

    @Test("an echoed fence marker is taken out of the answer, whole or split across pieces")
    func fenceEcho() {
        let marker = "<<<Q-0123456789abcdef>>>"
        #expect(FenceEcho.removed(marker, from: "\(marker)\n\nThe answer [1].") == "The answer [1].")
        var echo = FenceEcho(marker: marker)
        var out = ""
        for piece in ["<<<Q-0123", "456789ab", "cdef>>>\n", "Newton", " built it <<", "< not a fence"] { out += echo.feed(piece) }
        out += echo.finish()
        #expect(out == "Newton built it <<< not a fence")
        // Echoes missing some closing brackets, as SmolLM2 writes them now and then.
        #expect(FenceEcho.removed(marker, from: "<<<Q-0123456789abcdef>>\n  The quarry search [1].") == "The quarry search [1].")
        #expect(FenceEcho.removed(marker, from: "A <<<Q-0123456789abcdef B") == "A  B")
        var partial = FenceEcho(marker: marker)
        var shown = ""
        for piece in ["<<<Q-0123456789abcdef>", ">", "\nTides [2]."] { shown += partial.feed(piece) }
        shown += partial.finish()
        #expect(shown == "Tides [2].")
        // Cut short inside the id, at the end of the answer or before more text (a CI run's
        // SmolLM2 ended an answer with "<<<Q-22a7c1f451e2" for a 16-digit id).
        #expect(FenceEcho.removed(marker, from: "The answer is:\n  <<<Q-0123456789ab") == "The answer is:\n  ")
        #expect(FenceEcho.removed(marker, from: "<<<Q-01234567>\nTides [2].") == "Tides [2].")
        var cut = FenceEcho(marker: marker)
        var streamed = ""
        for piece in ["The answer is: <<<Q-01", "23456789ab"] { streamed += cut.feed(piece) }
        streamed += cut.finish()
        #expect(streamed == "The answer is: ")
        // The head alone, or with no digit of the id, is text.
        #expect(FenceEcho.removed(marker, from: "a <<<Q-x and <<<Q-") == "a <<<Q-x and <<<Q-")
    }
}
