import Foundation
import QuarryHTTP

/// Turns the bytes of an OpenAI-style streamed chat answer into content deltas.
///
/// Separate from the client so the event rules can be tested without a server: events are
/// parsed by `ServerSentEventParser`; each `data:` holds a chunk whose
/// `choices[0].delta.content` is the next delta (absent or null in the role-only first chunk
/// and the final one with `finish_reason`); `data: [DONE]` ends the answer. Comments and
/// unknown event types are skipped; an `error` event or an event holding an `error` object is
/// the server reporting a failure mid-stream.
struct ChatStreamDecoder {
    /// For messages: the endpoint and the key to redact.
    let endpoint: String
    let apiKey: String?
    private var parser = ServerSentEventParser()
    /// Whether `data: [DONE]` arrived.
    private(set) var done = false
    /// The last `finish_reason` seen.
    private(set) var finishReason: String?
    /// Non-empty deltas delivered so far.
    private(set) var delivered = 0

    init(endpoint: String, apiKey: String?) {
        self.endpoint = endpoint
        self.apiKey = apiKey
    }

    /// Parses `bytes`, calling `yield` with each non-empty delta in order; bytes after
    /// `[DONE]` are ignored.
    /// - Throws: `GenerateError` (`.invalidResponse` for an event that is not a chunk, `.http`
    ///   for an error the server reported).
    mutating func feed(_ bytes: Data, yield: (String) -> Void) throws {
        for event in parser.feed(bytes) where !done {
            try handle(event, yield: yield)
        }
    }

    /// The end of the body: handles an event the server did not close with a blank line.
    mutating func finish(yield: (String) -> Void) throws {
        if !done, let event = parser.finish() { try handle(event, yield: yield) }
    }

    private mutating func handle(_ event: ServerSentEvent, yield: (String) -> Void) throws {
        switch event.event {
        case nil, "message":
            break
        case "error":
            throw reported(SafeText.sanitise(event.data, redacting: apiKey, limit: 200))
        default:
            return  // pings and extensions
        }
        let data = event.data.trimmingCharacters(in: .whitespacesAndNewlines)
        if data.isEmpty { return }
        if data == "[DONE]" {
            done = true
            return
        }
        let chunk: OpenAIChatWire.Chunk
        do {
            chunk = try JSONDecoder().decode(OpenAIChatWire.Chunk.self, from: Data(data.utf8))
        } catch {
            let excerpt = SafeText.sanitise(data, redacting: apiKey, limit: 200)
            throw GenerateError(.invalidResponse, "chat stream from \(endpoint) sent an event that is not a "
                + "chat-completions chunk (\(SafeText.describe(decodingError: error))): \(excerpt)")
        }
        if let error = chunk.error {
            throw reported(SafeText.sanitise(error.message ?? "no message", redacting: apiKey, limit: 200))
        }
        guard let choice = chunk.choices?.first else { return }  // e.g. a usage-only chunk
        if let reason = choice.finishReason { finishReason = reason }
        if let content = choice.delta?.content, !content.isEmpty {
            delivered += 1
            yield(content)
        }
    }

    private func reported(_ message: String) -> GenerateError {
        GenerateError(.http, "chat stream from \(endpoint) reported an error"
            + (delivered == 0 ? "" : delivered == 1 ? " after 1 token" : " after \(delivered) tokens") + ": \(message)")
    }
}
