import Foundation
import QuarryCore
import QuarryModels

/// `llm.provider: native`: a GGUF chat model (SmolLM2-135M-Instruct by default) run in this
/// process by QuarryModels' decoder — no server, no network. Loaded once, on first use, and
/// shared by every request of the process; a missing or broken file is an error of each
/// call (so the answer falls back to extractive and says why) rather than of start-up.
public final class NativeLanguageModel: LanguageModel, @unchecked Sendable {
    /// The GGUF file (or the folder that holds it) `llm.model` named, resolved.
    public let location: URL
    let settings: LLMSettings
    private let lock = NSLock()
    private var loaded: LlamaChat?

    public init(location: URL, settings: LLMSettings) {
        self.location = location
        self.settings = settings
    }

    public var identity: String { "native \(location.lastPathComponent)" }

    public var runsInProcess: Bool { true }

    public var copies: Bool { true }

    /// The generation options `settings` describe (answer budget, sampler).
    public static func options(_ settings: LLMSettings, ignoreEndOfTurn: Bool = false) -> LlamaChat.Options {
        let sampler = Sampler(temperature: Float(settings.temperature), topP: Float(settings.topP), repeatPenalty: Float(settings.repeatPenalty),
                              seed: UInt64(settings.seed))
        return LlamaChat.Options(maxTokens: settings.answerTokens(native: true), sampler: sampler, ignoreEndOfTurn: ignoreEndOfTurn)
    }

    /// The `.gguf` file at `location`: itself, or the one `.gguf` in the folder.
    /// - Throws: `GenerateError(.configuration)` saying how to get the model.
    public static func modelFile(at location: URL) throws -> URL {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: location.path, isDirectory: &isFolder) else {
            throw GenerateError(.configuration, "no language model at \(location.path) (scripts/fetch-model SmolLM2-135M-Instruct downloads the default; llm.model names another GGUF file)")
        }
        guard isFolder.boolValue else { return location }
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: location.path)) ?? []).filter { $0.hasSuffix(".gguf") }.sorted()
        guard let first = files.first else {
            throw GenerateError(.configuration, "\(location.path) holds no .gguf file (scripts/fetch-model SmolLM2-135M-Instruct)")
        }
        guard files.count == 1 else {
            throw GenerateError(.configuration, "\(location.path) holds \(files.count) .gguf files (\(files.joined(separator: ", "))); name one in llm.model")
        }
        return location.appendingPathComponent(first)
    }

    /// The loaded model (read once; a failure is not kept, so a file fetched later is used).
    func chat() throws -> LlamaChat {
        lock.lock()
        defer { lock.unlock() }
        if let loaded { return loaded }
        let file = try Self.modelFile(at: location)
        do {
            let chat = try LlamaChat(path: file.path, threads: settings.effectiveThreads)
            loaded = chat
            return chat
        } catch let error as ModelError {
            throw GenerateError(.configuration, "the language model cannot be used: \(error)")
        }
    }

    /// Runs one generation on the calling thread.
    func generate(_ messages: [ChatMessage], copying sources: CopySources? = nil, stop: CancelFlag, onText: (String) -> Void) throws -> ChatCompletion {
        let chat = try chat()
        let deadline = Date().addingTimeInterval(settings.timeoutSeconds)
        var timedOut = false
        let result: LlamaChat.Result
        do {
            let prompt = try chat.prompt(messages.map { ChatTemplate.Message(role: $0.role, content: $0.content) })
            let constraint = sources.map {
                CopyConstraint(tokenizer: chat.tokenizer, sources: $0.sources, refusal: $0.refusal, maxSegments: $0.maxSegments, unit: $0.unit)
            }
            result = try chat.generate(prompt, options: Self.options(settings), constraint: constraint, cancelled: {
                if stop.isSet { return true }
                if Date() > deadline { timedOut = true }
                return timedOut
            }, onText: onText)
        } catch let error as ModelError {
            throw GenerateError(.configuration, "\(chat.name): \(error)")
        }
        if timedOut {
            throw GenerateError(.timeout, "\(chat.name) did not finish within llm.timeout_seconds (\(settings.timeoutSeconds) s)")
        }
        if result.finishReason == "cancelled" { throw CancellationError() }
        return ChatCompletion(text: result.text, model: chat.name, finishReason: result.finishReason, promptTokens: result.promptTokens,
                              completionTokens: result.completionTokens)
    }

    public func complete(_ messages: [ChatMessage]) async throws -> ChatCompletion {
        try await complete(messages, copying: nil)
    }

    public func stream(_ messages: [ChatMessage]) -> AsyncThrowingStream<String, Error> {
        stream(messages, copying: nil)
    }

    public func complete(_ messages: [ChatMessage], copying sources: CopySources?) async throws -> ChatCompletion {
        let stop = CancelFlag()
        return try await withTaskCancellationHandler {
            try await BlockingWork.run { try self.generate(messages, copying: sources, stop: stop) { _ in } }
        } onCancel: {
            stop.set()
        }
    }

    public func stream(_ messages: [ChatMessage], copying sources: CopySources?) -> AsyncThrowingStream<String, Error> {
        AsyncThrowingStream { continuation in
            let stop = CancelFlag()
            continuation.onTermination = { _ in stop.set() }
            DispatchQueue.global(qos: .userInitiated).async {
                do {
                    _ = try self.generate(messages, copying: sources, stop: stop) { continuation.yield($0) }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
        }
    }
}

/// A flag one side sets and a running generation reads between tokens.
final class CancelFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.withLock { value } }
    func set() { lock.withLock { value = true } }
}
