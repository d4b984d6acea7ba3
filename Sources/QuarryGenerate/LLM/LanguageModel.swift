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
}

extension LanguageModel {
    public var runsInProcess: Bool { false }
}
