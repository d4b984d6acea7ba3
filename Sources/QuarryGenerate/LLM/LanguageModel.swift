import QuarryModels

/// A chat model that answers a conversation: the seam between Quarry's generation pipeline
/// and whatever serves the model (an OpenAI-compatible endpoint today; a fake in tests).
///
/// Two calls because the two consumers differ: evaluation and the CLI want the whole answer
/// with its token counts (`complete`), the server and an interactive CLI want tokens as they
/// are generated (`stream`).
public protocol LanguageModel: Sendable {
    /// What answered (kind, model, endpoint), recorded with each answer.
    var identity: String { get }

    /// The whole answer to `messages`.
    /// - Throws: `GenerateError` (`.emptyAnswer` when the model said nothing), `CancellationError`.
    func complete(_ messages: [ChatMessage]) async throws -> ChatCompletion

    /// The answer to `messages` as content deltas (tokens), in order. The stream ends
    /// normally only when the model finished; a failure ends it with an error, never with a
    /// silently cut answer. Stopping the iteration cancels the request.
    func stream(_ messages: [ChatMessage]) -> AsyncThrowingStream<String, Error>

    /// Runs on this machine's CPU (the native model): its prompt budget and answer length
    /// default smaller (`generation.context_tokens`, `llm.max_tokens` at 0).
    var runsInProcess: Bool { get }

    /// Can restrict its own tokens to copies of passages (`generation.decoding: copy`),
    /// which needs the logits: the native model, not a served one.
    var copies: Bool { get }

    /// `complete`, copying from `sources` when given and the model `copies`.
    func complete(_ messages: [ChatMessage], copying sources: CopySources?) async throws -> ChatCompletion

    /// `stream`, copying from `sources` when given and the model `copies`.
    func stream(_ messages: [ChatMessage], copying sources: CopySources?) -> AsyncThrowingStream<String, Error>
}

extension LanguageModel {
    public var runsInProcess: Bool { false }
    public var copies: Bool { false }

    public func complete(_ messages: [ChatMessage], copying sources: CopySources?) async throws -> ChatCompletion {
        try await complete(messages)
    }

    public func stream(_ messages: [ChatMessage], copying sources: CopySources?) -> AsyncThrowingStream<String, Error> {
        stream(messages)
    }
}

/// What a copy-decoding model may write: spans of these sources, each followed by its
/// number as a citation, or the refusal sentence.
public struct CopySources: Sendable {
    public var sources: [CopyConstraint.Source]
    public var unit: CopyConstraint.Unit
    public var refusal: String
    /// Spans (each with its citation) the answer may hold.
    public var maxSegments: Int

    public init(sources: [CopyConstraint.Source], unit: CopyConstraint.Unit, refusal: String = Declining.sentence, maxSegments: Int = 3) {
        self.sources = sources
        self.unit = unit
        self.refusal = refusal
        self.maxSegments = maxSegments
    }
}
