import QuarryCore
import QuarryText

/// A type that turns texts into vectors: the seam between chunks and vector search.
/// Implementations: `NativeEmbedder` (BERT in Swift), `E5Embedder` (multilingual-e5 in
/// Swift), `HTTPEmbedder` (OpenAI-compatible
/// `/v1/embeddings`), `HashEmbedder` (deterministic, for tests).
public protocol Embedder: Sendable {
    var identity: EmbedderIdentity { get }
    /// Embeds `texts` in order; every vector has `identity.dimension` components.
    func embed(_ texts: [String]) async throws -> [[Float]]
    /// Counts tokens the way the model will see them (for the chunk budget), without the
    /// special tokens; nil when unknown (HTTP endpoints).
    func countTokens(_ text: String) -> Int?
    /// The longest input the model reads, in tokens including specials; nil when unknown.
    var maxInputTokens: Int? { get }
    /// Special tokens the model adds to every input ([CLS] and [SEP] for BERT).
    var specialTokenCount: Int { get }
    /// The writing systems (ICU short names: "Latn", "Arab", …) the model reads; nil when
    /// unknown, taken as "all". Hybrid search weighs the dense side by the share of a query's
    /// letters in these scripts, because a model blind to a script returns noise for it.
    var scripts: Set<String>? { get }
    /// How many of `text`'s words the model's vocabulary holds whole; nil when the model's
    /// vocabulary is unknown (HTTP endpoints), which hybrid search takes as "reads it all".
    func vocabularyFit(_ text: String) -> VocabularyFit?
    /// One search query's vector: `embed(text, as: .query)` unless a wrapper answers it
    /// another way (`CachingEmbedder` from memory). Retrieval embeds a lone query through
    /// this, so caches see queries only, never passages.
    func embedQuery(_ text: String) async throws -> [Float]
}

extension Embedder {
    public var dimension: Int { identity.dimension }
    public var specialTokenCount: Int { 0 }
    public var scripts: Set<String>? { nil }
    public func vocabularyFit(_ text: String) -> VocabularyFit? { nil }
    public func embedQuery(_ text: String) async throws -> [Float] { try await embed(text, as: .query) }

    /// The share of `text`'s letters this embedder reads (1 when its scripts are unknown or
    /// the text has no letters).
    public func coverage(of text: String) -> Double {
        guard let scripts else { return 1 }
        return ScriptProfile(text).fraction(in: scripts)
    }

    /// The chunker's token counter for this embedder, when it can count tokens.
    public var tokenCounter: (any TokenCounter)? {
        countTokens("") == nil ? nil : EmbedderTokenCounter(embedder: self)
    }

    /// Vectors of `texts` as `role`: each text behind the identity's prefix for the role
    /// (`"query: "` for e5), as is for models without prefixes. Ingest embeds passages,
    /// retrieval and drift embed queries; `embed(_:)` alone feeds texts unchanged.
    public func embed(_ texts: [String], as role: EmbeddingRole) async throws -> [[Float]] {
        let prefix = identity.prefix(for: role)
        return try await embed(prefix.isEmpty ? texts : texts.map { prefix + $0 })
    }

    /// One text's vector as `role`.
    public func embed(_ text: String, as role: EmbeddingRole) async throws -> [Float] {
        try await embed(identity.prefix(for: role) + text)
    }

    /// One text's vector.
    public func embed(_ text: String) async throws -> [Float] {
        guard let vector = try await embed([text]).first else {
            throw EmbedError(.invalidResponse, "the embedder returned no vector")
        }
        return vector
    }
}

/// An embedder in front of another (`BatchingEmbedder`, `CachingEmbedder`): it gives the
/// vectors of `base`, so it takes over its identity and everything that describes the model.
/// `embed` and `embedQuery` are each wrapper's own business and are not forwarded here.
public protocol WrappingEmbedder: Embedder {
    var base: any Embedder { get }
}

extension WrappingEmbedder {
    public var identity: EmbedderIdentity { base.identity }
    public func countTokens(_ text: String) -> Int? { base.countTokens(text) }
    public var maxInputTokens: Int? { base.maxInputTokens }
    public var specialTokenCount: Int { base.specialTokenCount }
    public var scripts: Set<String>? { base.scripts }
    public func vocabularyFit(_ text: String) -> VocabularyFit? { base.vocabularyFit(text) }
}

/// An embedding failure, with what to do next.
public struct EmbedError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Code: String, Sendable {
        case configuration, connection, http, invalidResponse, dimensionMismatch, timeout, embedderMismatch
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}

/// Counts tokens with an embedder's own tokenizer, so the chunk budget is what the model sees.
public struct EmbedderTokenCounter: TokenCounter {
    public let embedder: any Embedder
    public var name: String { "tokens:\(embedder.identity.kind):\(embedder.identity.model)" }
    public var reservedTokens: Int { embedder.specialTokenCount }

    public func countTokens(_ text: String) -> Int {
        embedder.countTokens(text) ?? text.split(whereSeparator: \.isWhitespace).count
    }
}
