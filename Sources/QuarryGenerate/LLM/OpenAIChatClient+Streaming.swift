import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import QuarryHTTP

extension OpenAIChatClient {
    /// The answer to `messages` as content deltas, in order, read from a server-sent-event
    /// stream (`"stream": true`).
    ///
    /// Retryable failures (429, 5xx, timeouts, connection errors, a stream cut before any
    /// token) are retried while no token has been delivered; after the first token a failure
    /// ends the stream with a `GenerateError` that says how many tokens came first. The stream
    /// finishes normally only after `data: [DONE]` (or a `finish_reason` followed by the end
    /// of the body). `requestTimeout` bounds each silence, `streamTimeout` the whole answer.
    /// A server that ignores `stream` and answers with plain JSON is read as one delta.
    /// Stopping the iteration, or cancelling the consuming task, cancels the request.
    public func stream(_ messages: [ChatMessage]) -> AsyncThrowingStream<String, Error> {
        let (stream, continuation) = AsyncThrowingStream<String, Error>.makeStream()
        let task = Task {
            do {
                try await streamAnswer(messages, into: continuation)
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    private func streamAnswer(_ messages: [ChatMessage], into output: AsyncThrowingStream<String, Error>.Continuation) async throws {
        let (body, apiKey) = try prepare(messages, stream: true)
        let request = client.request(json: body, apiKey: apiKey, accept: "text/event-stream")
        do {
            try await client.retry.run { _ in try await streamAttempt(request, apiKey: apiKey, output: output) }
        } catch let failure as HTTPClientError {
            throw finalError(failure)
        }
    }

    /// One request. Throws `HTTPClientError` (retried by the caller) only while nothing has
    /// been yielded; once something has, every failure is a final `GenerateError`.
    private func streamAttempt(_ request: URLRequest, apiKey: String?,
                               output: AsyncThrowingStream<String, Error>.Continuation) async throws {
        let reply: HTTPStreamingReply
        do {
            reply = try await client.transport.stream(request, limit: client.maxResponseBytes,
                                                      timeout: configuration.streamTimeout,
                                                      idleTimeout: configuration.requestTimeout)
        } catch let failure as HTTPTransport.Failure {
            throw streamFailure(failure)
        }
        guard HTTPStatusClass(reply.status) == .success else {
            throw client.error(for: try await collect(reply), apiKey: apiKey)
        }
        if reply.header("content-type")?.lowercased().contains("application/json") == true {
            output.yield(try decodeCompletion(try await collect(reply).body, apiKey: apiKey).text)
            return
        }
        var decoder = ChatStreamDecoder(endpoint: client.endpoint.printable, apiKey: apiKey)
        do {
            for try await chunk in reply.body {
                try decoder.feed(chunk) { output.yield($0) }
                if decoder.done { break }  // leaving the loop cancels the rest of the transfer
            }
            try decoder.finish { output.yield($0) }
        } catch let failure as HTTPTransport.Failure {
            throw brokenOff(streamFailure(failure), after: decoder.delivered)
        }
        try Task.checkCancellation()  // the consumer left: no error to report
        if decoder.done || decoder.finishReason != nil {
            guard decoder.delivered > 0 else {
                throw GenerateError(.emptyAnswer, "model '\(configuration.model)' at \(client.endpoint.printable) "
                    + "streamed no text; check the model and the prompt")
            }
            return
        }
        throw brokenOff(HTTPClientError(.connection, "the stream ended before \"data: [DONE]\"", retryable: true),
                        after: decoder.delivered)
    }

    /// `failure` itself while nothing was delivered (so it may be retried), else a final error.
    private func brokenOff(_ failure: HTTPClientError, after delivered: Int) -> Error {
        guard delivered > 0 else { return failure }
        return GenerateError(Self.code(failure.code), "chat stream from \(client.endpoint.printable) broke off after "
            + (delivered == 1 ? "1 token" : "\(delivered) tokens") + ": \(failure.message)")
    }

    /// Like `HTTPClient.error(for:)`, but the whole-exchange deadline of a stream is `streamTimeout`.
    private func streamFailure(_ failure: HTTPTransport.Failure) -> HTTPClientError {
        if failure == .timedOut {
            return HTTPClientError(.timeout, "the answer took longer than \(configuration.streamTimeout) s (streamTimeout)",
                                   retryable: true)
        }
        return client.error(for: failure)
    }

    /// The rest of a streamed body, buffered.
    private func collect(_ reply: HTTPStreamingReply) async throws -> HTTPReply {
        do {
            return try await reply.collect()
        } catch let failure as HTTPTransport.Failure {
            throw streamFailure(failure)
        }
    }
}
