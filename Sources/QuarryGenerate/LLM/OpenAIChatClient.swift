import Foundation
import QuarryHTTP

/// A `LanguageModel` that calls an OpenAI-compatible `POST {baseURL}/v1/chat/completions`
/// endpoint (OpenAI, vLLM, Ollama, llama.cpp server, LM Studio).
///
/// It sends `{"model", "messages", "temperature", "max_tokens", "stream"}`. A plain answer is
/// read from `choices[0].message.content` with `finish_reason`, `usage` and `model`; a
/// streamed one (`"stream": true`, `Accept: text/event-stream`) from the `choices[0].delta.content`
/// of each server-sent event until `data: [DONE]`.
///
/// Failures are retried with capped exponential backoff and full jitter (QuarryHTTP's
/// `RetryPolicy`): 429, 5xx, timeouts and connection errors, honouring `Retry-After`. A stream
/// is retried only until its first token has been delivered; after that a failure ends the
/// stream with an error, because the consumer already holds part of an answer that a retry
/// would not continue (no silent truncation, no duplicated text).
///
/// The API key is read from `apiKeyEnvironmentVariable` at each call and sent as
/// `Authorization: Bearer …`; it never appears in a message (bodies that echo it are
/// redacted). Redirects are refused, bodies are capped at `maxResponseBytes`.
///
/// Concurrency: a `Sendable` value, safe to share; every call is independent.
///
/// ```swift
/// let model = try OpenAIChatClient(.init(baseURL: URL(string: "http://127.0.0.1:11434")!, model: "llama3.1:8b"))
/// for try await token in model.stream([.system("Answer from the context."), .user(prompt)]) {
///     print(token, terminator: "")
/// }
/// ```
public struct OpenAIChatClient: LanguageModel {
    public let configuration: Configuration
    /// `{baseURL}/v1/chat/completions`.
    public let endpoint: URL
    /// `openai-chat:MODEL@ENDPOINT`.
    public let identity: String

    let client: HTTPClient

    /// Validates `configuration` and prepares a client; nothing is sent until a call.
    /// - Parameters:
    ///   - sleep: waits between attempts, in seconds; tests pass a recorder that returns at once.
    ///   - jitter: the random source for the backoff.
    /// - Throws: `GenerateError(.configuration, …)`.
    public init(_ configuration: Configuration,
                sleep: @escaping @Sendable (Double) async throws -> Void = RetryPolicy.taskSleep,
                jitter: Jitter = .system) throws {
        try configuration.validate()
        self.configuration = configuration
        let variable = configuration.apiKeyEnvironmentVariable
        let model = configuration.model
        do {
            client = try HTTPClient(
                settings: configuration.httpSettings, path: "/v1/chat/completions", jitter: jitter, sleep: sleep,
                statusHint: { status in
                    switch status {
                    case 401, 403: " (check the key in $\(variable))"
                    case 404: " (check baseURL and that the server serves /v1/chat/completions and model '\(model)')"
                    case 400, 413, 422: " (if the prompt exceeds the model's context, lower the context budget)"
                    default: ""
                    }
                })
        } catch let error as HTTPClientError {
            throw GenerateError(.configuration, "LLM client: \(error.message)")
        }
        endpoint = client.endpoint.url
        identity = "openai-chat:\(configuration.model)@\(client.endpoint.printable)"
    }

    /// The whole answer to `messages`.
    /// - Throws: `GenerateError`: `.http`, `.timeout` or `.connection` once the retry budget is
    ///   spent (or at once for a non-retryable status), `.invalidResponse` for a body that is not
    ///   chat-completions JSON, `.emptyAnswer` when it holds no text, `.configuration` for no
    ///   messages or an unusable key; `CancellationError` when cancelled.
    public func complete(_ messages: [ChatMessage]) async throws -> ChatCompletion {
        let (body, apiKey) = try prepare(messages, stream: false)
        let reply: HTTPReply
        do {
            reply = try await client.post(json: body, apiKey: apiKey)
        } catch let failure as HTTPClientError {
            throw finalError(failure)
        }
        return try decodeCompletion(reply.body, apiKey: apiKey)
    }

    // MARK: - Shared by both calls

    /// The request body and the API key for one call.
    func prepare(_ messages: [ChatMessage], stream: Bool) throws -> (body: Data, apiKey: String?) {
        guard !messages.isEmpty else { throw GenerateError(.configuration, "a chat request needs at least one message") }
        let apiKey: String?
        do {
            apiKey = try APIKey.read(from: configuration.apiKeyEnvironmentVariable)
        } catch let error as HTTPClientError {
            throw GenerateError(.configuration, error.message)
        }
        let request = OpenAIChatWire.Request(model: configuration.model, messages: messages,
                                             temperature: configuration.temperature,
                                             maxTokens: configuration.maxTokens, stream: stream)
        do {
            return (try JSONEncoder().encode(request), apiKey)
        } catch {
            throw GenerateError(.configuration, "could not encode the chat request: \(error)")
        }
    }

    /// The caller-facing error once retries are over.
    func finalError(_ failure: HTTPClientError) -> GenerateError {
        GenerateError(Self.code(failure.code),
                      "chat request to \(client.endpoint.printable) failed after \(failure.attemptsDescription): \(failure.message)")
    }

    static func code(_ code: HTTPClientError.Code) -> GenerateError.Code {
        switch code {
        case .configuration: .configuration
        case .http: .http
        case .timeout: .timeout
        case .connection: .connection
        case .invalidResponse: .invalidResponse
        }
    }

    /// `.invalidResponse` naming the endpoint, the problem and a sanitised excerpt of `body`.
    func invalid(_ problem: String, body: Data?, apiKey: String?) -> GenerateError {
        let excerpt = body.map { SafeText.excerpt($0, redacting: apiKey) } ?? ""
        return GenerateError(.invalidResponse, "chat response from \(client.endpoint.printable) \(problem)"
            + (excerpt.isEmpty ? "" : ": \(excerpt)"))
    }

    func decodeCompletion(_ body: Data, apiKey: String?) throws -> ChatCompletion {
        let response: OpenAIChatWire.Response
        do {
            response = try JSONDecoder().decode(OpenAIChatWire.Response.self, from: body)
        } catch {
            throw invalid("is not chat-completions JSON (\(SafeText.describe(decodingError: error)))", body: body, apiKey: apiKey)
        }
        guard let choice = response.choices?.first else { throw invalid("has no \"choices\"", body: body, apiKey: apiKey) }
        guard let text = choice.message?.content,
              !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            let reason = choice.finishReason.map { " (finish_reason '\(SafeText.sanitise($0, redacting: apiKey, limit: 40))')" } ?? ""
            throw GenerateError(.emptyAnswer, "model '\(configuration.model)' at \(client.endpoint.printable) "
                + "returned no text\(reason); check the model and the prompt")
        }
        return ChatCompletion(text: text, model: response.model ?? configuration.model, finishReason: choice.finishReason,
                              promptTokens: response.usage?.promptTokens,
                              completionTokens: response.usage?.completionTokens)
    }
}
