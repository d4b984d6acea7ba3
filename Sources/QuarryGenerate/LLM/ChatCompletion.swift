/// A finished chat answer with what the server reported about it.
public struct ChatCompletion: Sendable, Equatable {
    /// The answer text, as the model wrote it.
    public var text: String
    /// The model that answered (the server's name for it when it gave one, else the requested id).
    public var model: String
    /// Why generation stopped: `stop`, `length` (hit `maxTokens`: the answer is cut), ….
    public var finishReason: String?
    /// Tokens in the prompt, when the server counts them (for cost and context-budget checks).
    public var promptTokens: Int?
    /// Tokens generated.
    public var completionTokens: Int?

    public init(text: String, model: String, finishReason: String? = nil, promptTokens: Int? = nil,
                completionTokens: Int? = nil) {
        self.text = text
        self.model = model
        self.finishReason = finishReason
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
    }
}
