import QuarryRetrieve
import QuarryWire

/// What `Answerer.run` reports as it goes, so a terminal or an SSE response can show
/// tokens as they arrive.
public enum AnswerEvent: Sendable {
    /// Retrieval and context assembly are done.
    case context(Retrieval, [ContextPassage])
    /// A piece of the LLM's answer.
    case token(String)
    /// The LLM answer is abandoned (the reason); an extractive answer follows in `.done`.
    /// Tokens already sent belong to the abandoned answer.
    case fallback(String)
    /// The finished answer.
    case done(Answer)
}
