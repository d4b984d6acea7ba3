import Foundation
/// Settings for `quarry query` (and the server): retrieval, reranking, the LLM and the
/// prompt. config/quarry.yaml documents each key.

/// How a query retrieves.
public struct RetrievalSettings: Sendable, Equatable {
    public var mode: SearchMode = .hybrid
    /// Hits handed to context assembly.
    public var k: Int = 5
    /// Hits taken from each side before fusion.
    public var candidates: Int = 100
    /// Adaptive (the default), reciprocal rank fusion or a fixed convex combination.
    public var fusion: FusionMethod = .auto
    /// RRF's k (60 in Cormack et al. 2009).
    public var rrfK: Double = 60
    /// Convex fusion: the dense side's weight (the lexical side gets 1 − this).
    public var denseWeight: Double = 0.5
    /// Convex fusion: how scores are put on one scale.
    public var normalization: ScoreNormalization = .minMax
    /// MMR's λ (1 = relevance only, 0 = diversity only); a negative value turns MMR off.
    public var mmrLambda: Double = -1
    /// Merge adjacent chunks of one document when both qualify.
    public var mergeAdjacent: Bool = true
    /// How the dense index holds its vectors when a collection is opened for search.
    public var vectorQuantization: VectorQuantization = .none

    public init() {}

    func validate(file: String?) throws {
        guard (1 ... 1000).contains(k) else { throw ConfigError(key: "retrieval.k", file: file, reason: "must be 1...1000") }
        guard (1 ... 10000).contains(candidates) else { throw ConfigError(key: "retrieval.candidates", file: file, reason: "must be 1...10000") }
        guard rrfK >= 0 else { throw ConfigError(key: "retrieval.rrf_k", file: file, reason: "must be >= 0") }
        guard (0 ... 1).contains(denseWeight) else { throw ConfigError(key: "retrieval.dense_weight", file: file, reason: "must be 0...1") }
        guard mmrLambda <= 1 else { throw ConfigError(key: "retrieval.mmr_lambda", file: file, reason: "must be 0...1, or negative for off") }
    }
}

/// The optional reranking stage.
public struct RerankSettings: Sendable, Equatable {
    public var provider: RerankProvider = .none
    /// native: the cross-encoder model folder.
    public var model: String = ""
    /// http: the endpoint's base URL.
    public var url: String = ""
    /// http: the request and response shapes.
    public var api: RerankAPI = .cohere
    /// http: the model name sent with each request.
    public var httpModel: String = ""
    /// http: the environment variable holding the API key.
    public var apiKeyEnvironment: String = "QUARRY_RERANK_API_KEY"
    /// http: seconds before a request is abandoned (and retried).
    public var timeoutSeconds: Double = 30
    /// Fused hits the reranker sees.
    public var depth: Int = 30

    public init() {}

    func validate(file: String?) throws {
        guard (1 ... 1000).contains(depth) else { throw ConfigError(key: "rerank.depth", file: file, reason: "must be 1...1000") }
        guard timeoutSeconds > 0 else { throw ConfigError(key: "rerank.timeout_seconds", file: file, reason: "must be > 0") }
        if provider == .native, model.isEmpty {
            throw ConfigError(key: "rerank.model", file: file, reason: "provider native needs the cross-encoder model folder")
        }
        if provider == .http {
            guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
                throw ConfigError(key: "rerank.url", file: file, reason: "provider http needs an http:// or https:// URL")
            }
        }
    }
}

/// The LLM that writes answers.
public struct LLMSettings: Sendable, Equatable {
    /// None (extractive answers), any OpenAI-compatible chat completions server (OpenAI,
    /// vLLM, Ollama, llama.cpp server, LM Studio), a GGUF model in this process, or auto:
    /// the native model when its file is there.
    public var provider: LLMProvider = .auto
    /// The server's base URL (…/v1/chat/completions is appended).
    public var url: String = ""
    /// openai: the model name sent with each request. native and auto: the GGUF file or a
    /// folder holding one; empty means `defaultNativeModel`.
    public var model: String = ""
    public var temperature: Double = 0.1
    /// Sampling keeps the likeliest tokens holding this much of the probability (native).
    public var topP: Double = 0.95
    /// The sampler's seed (native): the same seed, prompt and settings give the same answer.
    public var seed: Int = 0
    /// Divides the logits of tokens among the last 64 generated (native; 1: off).
    public var repeatPenalty: Double = 1.1
    /// Threads reading a prompt (native); 0: one per core. Generation itself is one thread.
    public var threads: Int = 0
    /// Most tokens in an answer; 0: `answerTokens(native:)` decides.
    public var maxTokens: Int = 0
    /// Seconds one request may take; past it the answer falls back to extractive.
    public var timeoutSeconds: Double = 60
    /// Requests in all, first try included (429, 5xx, timeouts are retried).
    public var maxAttempts: Int = 3
    /// The environment variable holding the API key.
    public var apiKeyEnvironment: String = "QUARRY_LLM_API_KEY"
    /// Stream tokens as they arrive (server-sent events).
    public var stream: Bool = true

    /// Where `provider: native` and `auto` look when `model` is empty (relative to the
    /// configuration file's folder, else the working directory).
    public static let defaultNativeModel = "models/SmolLM2-135M-Instruct"

    /// The answer budget: `maxTokens`, or with 0, 512 for a served model and 256 for the
    /// in-process one (a 135M model past 256 tokens mostly repeats itself, at ~15 ms a token).
    public func answerTokens(native: Bool) -> Int { maxTokens > 0 ? maxTokens : native ? 256 : 512 }

    /// `threads` with 0 read as the machine's cores.
    public var effectiveThreads: Int { threads > 0 ? threads : ProcessInfo.processInfo.activeProcessorCount }

    /// The GGUF path `native` and `auto` use, before resolving.
    public var nativeModel: String { model.isEmpty ? Self.defaultNativeModel : model }

    public init() {}

    func validate(file: String?) throws {
        guard (0 ... 2).contains(temperature) else { throw ConfigError(key: "llm.temperature", file: file, reason: "must be 0...2") }
        guard maxTokens == 0 || (1 ... 32768).contains(maxTokens) else {
            throw ConfigError(key: "llm.max_tokens", file: file, reason: "must be 0 (automatic) or 1...32768")
        }
        guard timeoutSeconds > 0 else { throw ConfigError(key: "llm.timeout_seconds", file: file, reason: "must be > 0") }
        guard (1 ... 10).contains(maxAttempts) else { throw ConfigError(key: "llm.max_attempts", file: file, reason: "must be 1...10") }
        guard topP > 0, topP <= 1 else { throw ConfigError(key: "llm.top_p", file: file, reason: "must be in (0, 1]") }
        guard seed >= 0 else { throw ConfigError(key: "llm.seed", file: file, reason: "must be ≥ 0") }
        guard (1 ... 2).contains(repeatPenalty) else { throw ConfigError(key: "llm.repeat_penalty", file: file, reason: "must be 1...2 (1: off)") }
        guard (0 ... 256).contains(threads) else { throw ConfigError(key: "llm.threads", file: file, reason: "must be 0...256 (0: one per core)") }
        if provider == .openai {
            guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
                throw ConfigError(key: "llm.url", file: file, reason: "provider openai needs an http:// or https:// URL")
            }
            guard !model.isEmpty else { throw ConfigError(key: "llm.model", file: file, reason: "provider openai needs a model name") }
        }
    }
}

/// The prompt and the context given to the LLM.
public struct GenerationSettings: Sendable, Equatable {
    /// The prompt template folder (system.mustache and user.mustache); empty: the built-in
    /// template, which is prompts/answer.
    public var prompt: String = ""
    /// Tokens of retrieved text the context may hold (words × 4/3, an estimate that
    /// errs high for English); 0: `automaticContextTokens`.
    public var contextTokens: Int = 0
    /// Sentences in an extractive answer.
    public var extractiveSentences: Int = 3
    /// What happens to answer sentences their passages do not support (strict: dropped).
    public var grounding: GroundingMode = .strict
    /// How the native model writes: free, or copying spans of the passages.
    public var decoding: DecodingMode = .free
    /// Short spans for factoid questions (auto) or whole sentences.
    public var answerForm: AnswerForm = .auto
    /// A quoted answer declines when no sentence of the passages holds this share of the
    /// question's idf-weighted terms (0: never declines). 0.2: on the demo and xquad-en
    /// suites no answerable question's best sentence holds less than 0.26, and 20 of 35
    /// unanswerable ones' hold less than 0.2 (BENCHMARKS.md, "Grounded answers").
    public var minQuestionCoverage = 0.2

    /// The budget `contextTokens: 0` stands for: 1500 for a served LLM (and extractive
    /// answers), 400 for the in-process model — a small model on a CPU reads a prompt at a
    /// few hundred tokens a second, and its answers get no better from more passages.
    public static func automaticContextTokens(native: Bool) -> Int { native ? 400 : 1500 }

    /// The context budget for answers written by a native model (`native`) or not.
    public func contextBudget(native: Bool) -> Int { contextTokens > 0 ? contextTokens : Self.automaticContextTokens(native: native) }

    public init() {}

    func validate(file: String?) throws {
        guard contextTokens == 0 || (50 ... 200_000).contains(contextTokens) else {
            throw ConfigError(key: "generation.context_tokens", file: file, reason: "must be 0 (automatic) or 50...200000")
        }
        guard (0 ... 1).contains(minQuestionCoverage) else {
            throw ConfigError(key: "generation.min_question_coverage", file: file, reason: "must be 0...1")
        }
        guard (1 ... 20).contains(extractiveSentences) else {
            throw ConfigError(key: "generation.extractive_sentences", file: file, reason: "must be 1...20")
        }
    }
}
