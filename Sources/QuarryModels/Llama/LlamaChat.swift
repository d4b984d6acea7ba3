import Foundation

/// A chat model in one GGUF file: the decoder, its tokenizer and its chat template, and
/// generation — prompt in, text out as it is decided, stopping at the end of the turn, a
/// stop string, the token budget, the context length or the caller's word.
public final class LlamaChat: @unchecked Sendable {
    public let model: LlamaModel
    public let tokenizer: ByteLevelBPETokenizer
    public let template: ChatTemplate
    /// The file's name without `.gguf` (its `general.name` is often a training-run label).
    public let name: String
    public let path: String
    /// The last prompt read and its keys and values: a prompt that starts the same way (the
    /// same system prompt, an earlier turn of a conversation) reads only what differs, as
    /// llama.cpp's server does with `cache_prompt`. One slot; the tokens are the same either way.
    private var saved: (prompt: [Int32], cache: LlamaModel.Cache)?
    private let savedLock = NSLock()

    /// Opens a llama-architecture GGUF file with a byte-level BPE tokenizer and a chat template.
    /// - Throws: `ModelError` naming the file and what it lacks (architecture, tokenizer,
    ///   `tokenizer.chat_template`) or what is broken in it.
    public init(path: String, threads: Int = 1) throws {
        let file = try GGUFFile(path: path)
        self.path = path
        model = try LlamaModel(gguf: file)
        model.threads = max(1, threads)
        tokenizer = try ByteLevelBPETokenizer(gguf: file)
        guard let source = file.metadata["tokenizer.chat_template"]?.string else {
            throw ModelError(.unsupported, "\(path): tokenizer.chat_template is missing, so there is no way to write a chat prompt for it")
        }
        do {
            template = try ChatTemplate(source)
        } catch {
            throw ModelError(.unsupported, "\(path): its chat template cannot be rendered: \(error)")
        }
        name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
    }

    /// The prompt's token ids for `messages` (rendered with the file's template, the
    /// assistant's turn opened).
    /// - Throws: `ModelError(.unsupported)` when the template refuses the messages.
    public func prompt(_ messages: [ChatTemplate.Message]) throws -> [Int32] {
        let bos = tokenizer.bosID.map { tokenizer.tokens[Int($0)] } ?? ""
        let eos = tokenizer.eosID.map { tokenizer.tokens[Int($0)] } ?? ""
        let text: String
        do {
            text = try template.render(messages, addGenerationPrompt: true, bosToken: bos, eosToken: eos)
        } catch {
            throw ModelError(.unsupported, "\(path): \(error)")
        }
        return tokenizer.encode(text)
    }

    public struct Options: Sendable {
        public var maxTokens: Int
        public var stopStrings: [String]
        public var sampler: Sampler
        /// Never pick an end-of-turn token (benchmarks that time exactly `maxTokens`).
        public var ignoreEndOfTurn: Bool

        public init(maxTokens: Int, stopStrings: [String] = [], sampler: Sampler, ignoreEndOfTurn: Bool = false) {
            self.maxTokens = maxTokens
            self.stopStrings = stopStrings
            self.sampler = sampler
            self.ignoreEndOfTurn = ignoreEndOfTurn
        }
    }

    public struct Result: Sendable, Equatable {
        public var text: String
        public var promptTokens: Int
        public var completionTokens: Int
        /// `stop` (end of turn or a stop string), `length` (the token budget or the context
        /// ran out: the answer is cut) or `cancelled`.
        public var finishReason: String
        /// Leading prompt tokens whose keys and values were kept from the last prompt (not read again).
        public var cachedPromptTokens: Int = 0
        /// Seconds reading the prompt (to the first token's logits), then generating the rest.
        public var promptSeconds: Double
        public var generationSeconds: Double
    }

    /// Generates the answer to `prompt`, handing text to `onText` as soon as it is whole
    /// characters that cannot be the start of a stop string; `cancelled` is asked before
    /// each token.
    /// - Throws: `ModelError(.unsupported)` when the prompt leaves no room in the context.
    /// With `constraint`, every token is one it allows (copy-constrained decoding); the
    /// answer ends when it allows nothing more.
    public func generate(_ prompt: [Int32], options: Options, constraint: CopyConstraint? = nil, cancelled: () -> Bool = { false },
                         onText: (String) -> Void = { _ in }) throws -> Result {
        var constraint = constraint
        let context = model.configuration.contextLength
        guard prompt.count < context else {
            throw ModelError(.unsupported, "the prompt is \(prompt.count) tokens; \(name) reads at most \(context) (fewer or shorter passages: generation.context_tokens)")
        }
        var sampler = options.sampler
        let endOfTurn = tokenizer.endOfGeneration
        let stops = options.stopStrings.filter { !$0.isEmpty }.map { Array($0.utf8) }
        let start = DispatchTime.now().uptimeNanoseconds
        let (kept, reused) = reusableCache(for: prompt)
        var cache = kept
        var logits = try model.forward(Array(prompt[reused...]), cache: &cache)
        savedLock.withLock { saved = (prompt, cache) }
        let promptDone = DispatchTime.now().uptimeNanoseconds
        var text: [UInt8] = []     // whole characters decided so far
        var pending: [UInt8] = []  // the start of a character not yet complete
        var emitted = 0
        var generated = 0
        var reason = "length"
        func emit(upTo end: Int) {
            if end > emitted {
                onText(String(decoding: text[emitted ..< end], as: UTF8.self))
                emitted = end
            }
        }
        generation: while generated < options.maxTokens && cache.count < context {
            if cancelled() {
                reason = "cancelled"
                break
            }
            let allowed = constraint?.allowed()
            // Nothing allowed, or only the end of turn when it is being ignored: the copy is done.
            if let allowed, allowed.isEmpty || (options.ignoreEndOfTurn && allowed.allSatisfy(endOfTurn.contains)) {
                reason = "stop"
                break
            }
            let token = sampler.next(logits, allowed: allowed, banned: options.ignoreEndOfTurn ? endOfTurn : [])
            sampler.accept(token)
            constraint?.accept(token)
            generated += 1
            if endOfTurn.contains(token) {
                reason = "stop"
                break
            }
            pending += tokenizer.bytes(of: token)
            let whole = Self.wholeCharacters(pending)
            text += pending[..<whole]
            pending.removeFirst(whole)
            for stop in stops {
                if let at = Self.find(stop, in: text, from: max(0, emitted - stop.count)) {
                    text.removeSubrange(at...)
                    emit(upTo: text.count)
                    reason = "stop"
                    break generation
                }
            }
            // Hold back a tail that could still grow into a stop string.
            let held = stops.map { Self.overlap(of: text, withStartOf: $0) }.max() ?? 0
            emit(upTo: text.count - held)
            if generated < options.maxTokens && cache.count < context {
                logits = try model.forward([token], cache: &cache)
            }
        }
        if reason != "cancelled" {
            text += pending
            emit(upTo: text.count)
        }
        let end = DispatchTime.now().uptimeNanoseconds
        return Result(text: String(decoding: text, as: UTF8.self), promptTokens: prompt.count, completionTokens: generated, finishReason: reason,
                      cachedPromptTokens: reused, promptSeconds: Double(promptDone - start) / 1e9, generationSeconds: Double(end - promptDone) / 1e9)
    }

    /// The saved cache cut to the longest prefix it shares with `prompt` (leaving at least two
    /// tokens to read, so the rest is read as a batch, as it would be without the cache), or
    /// an empty one; and how many of the prompt's tokens it holds.
    func reusableCache(for prompt: [Int32]) -> (LlamaModel.Cache, Int) {
        guard let last = savedLock.withLock({ saved }) else { return (model.makeCache(), 0) }
        let shared = zip(last.prompt, prompt).prefix { $0 == $1 }.count
        let reused = min(shared, prompt.count - 2, last.cache.count)
        guard reused > 0 else { return (model.makeCache(), 0) }
        var cache = last.cache
        cache.truncate(to: reused)
        return (cache, reused)
    }

    /// How many leading bytes of `bytes` are whole UTF-8 characters (an incomplete last
    /// character is held back; invalid bytes count as whole and decode as U+FFFD).
    static func wholeCharacters(_ bytes: [UInt8]) -> Int {
        var i = bytes.count - 1
        var back = 0
        while i >= 0 && back < 4 {
            let b = bytes[i]
            if b & 0xC0 != 0x80 {  // a lead byte or ASCII
                let length = b < 0x80 ? 1 : b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1
                return bytes.count - i >= length ? bytes.count : i
            }
            i -= 1
            back += 1
        }
        return bytes.count
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard needle.count <= haystack.count else { return nil }
        var i = start
        while i + needle.count <= haystack.count {
            if haystack[i ..< i + needle.count].elementsEqual(needle) { return i }
            i += 1
        }
        return nil
    }

    /// The longest suffix of `text` that is a proper prefix of `stop`.
    static func overlap(of text: [UInt8], withStartOf stop: [UInt8]) -> Int {
        var n = min(stop.count - 1, text.count)
        while n > 0 {
            if text[(text.count - n)...].elementsEqual(stop[..<n]) { return n }
            n -= 1
        }
        return 0
    }
}
