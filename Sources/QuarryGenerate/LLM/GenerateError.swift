/// A generation failure, with what to do next.
///
/// A struct around a code (not an enum with payloads) so new codes and context can be added
/// without breaking callers that switch on `code`. Only QuarryServer maps codes to HTTP
/// statuses. Messages never contain the API key.
public struct GenerateError: Error, CustomStringConvertible, Equatable, Sendable {
    public enum Code: String, Sendable {
        /// A setting is unusable: base URL, model, limits, the API key's characters, empty input.
        case configuration
        /// The server answered with a non-2xx status (after retries, when retryable).
        case http
        /// No answer, or no token, within `requestTimeout`.
        case timeout
        /// The server could not be reached, or the stream broke before it ended.
        case connection
        /// The answer was not the chat-completions JSON or event stream the API promises.
        case invalidResponse
        /// The model answered with no text.
        case emptyAnswer
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
