/// One message of a chat conversation, as OpenAI-compatible chat APIs take it.
///
/// `role` stays a string rather than an enum so servers with extra roles (`developer`,
/// `tool`) need no change here; the helpers cover the two roles Quarry's prompts use.
public struct ChatMessage: Sendable, Codable, Equatable {
    /// `system`, `user` or `assistant` (or any role the server accepts).
    public var role: String
    /// The message text.
    public var content: String

    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }

    /// A `system` message: instructions the model should follow.
    public static func system(_ content: String) -> ChatMessage { ChatMessage(role: "system", content: content) }

    /// A `user` message: the question, with the retrieved context.
    public static func user(_ content: String) -> ChatMessage { ChatMessage(role: "user", content: content) }

    /// An `assistant` message: an earlier answer, for multi-turn prompts.
    public static func assistant(_ content: String) -> ChatMessage { ChatMessage(role: "assistant", content: content) }
}
