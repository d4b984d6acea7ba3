import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A JSON API client for one endpoint: builds POST requests, sends them through the shared
/// `HTTPTransport` and retries by `RetryPolicy`, classifying every failure on the way.
///
/// It exists so that the embedder, the chat model and the reranker share one retry loop, one
/// status classification and one redaction rule instead of three copies that drift apart.
/// Each client keeps only its wire format and the mapping of `HTTPClientError` onto its own
/// module error.
///
/// ```swift
/// let client = HTTPClient(endpoint: endpoint, requestTimeout: 30, maxResponseBytes: 8 << 20,
///                         retry: RetryPolicy(maxAttempts: 3, initialBackoff: 0.5, maxBackoff: 8))
/// let reply = try await client.post(json: body, apiKey: try APIKey.read(from: "MY_KEY"))
/// ```
public struct HTTPClient: Sendable {
    public let endpoint: HTTPEndpoint
    /// Seconds one request may take from sending to the last body byte.
    public var requestTimeout: Double
    /// Largest response body accepted, in bytes.
    public var maxResponseBytes: Int
    public var retry: RetryPolicy
    /// Appended to "HTTP <status>" messages, e.g. " (check the key in $VAR)"; "" for none.
    public var statusHint: @Sendable (Int) -> String
    /// What to do about an oversized body, e.g. "lower batchSize or raise maxResponseBytes".
    public var sizeHint: String
    public let transport: HTTPTransport

    public init(endpoint: HTTPEndpoint, requestTimeout: Double, maxResponseBytes: Int, retry: RetryPolicy,
                statusHint: @escaping @Sendable (Int) -> String = { _ in "" },
                sizeHint: String = "raise maxResponseBytes", transport: HTTPTransport = .shared) {
        self.endpoint = endpoint
        self.requestTimeout = requestTimeout
        self.maxResponseBytes = maxResponseBytes
        self.retry = retry
        self.statusHint = statusHint
        self.sizeHint = sizeHint
        self.transport = transport
    }

    /// A POST of `body` to the endpoint with JSON content type, the `Accept` given and, when
    /// there is a key, `Authorization: Bearer <key>`.
    public func request(json body: Data, apiKey: String?, accept: String = "application/json") -> URLRequest {
        var request = URLRequest(url: endpoint.url)
        request.httpMethod = "POST"
        request.httpBody = body
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue(accept, forHTTPHeaderField: "Accept")
        if let apiKey { request.setValue("Bearer \(apiKey)", forHTTPHeaderField: "Authorization") }
        return request
    }

    /// POSTs `body` until a 2xx reply arrives, a failure is final, or the attempts run out.
    /// - Throws: `HTTPClientError` (with `attempts` set) or `CancellationError`.
    public func post(json body: Data, apiKey: String?) async throws -> HTTPReply {
        let request = request(json: body, apiKey: apiKey)
        return try await retry.run { _ in try await sendOnce(request, apiKey: apiKey) }
    }

    /// One attempt: the reply when 2xx, else a classified `HTTPClientError`.
    /// - Throws: `HTTPClientError` or `CancellationError`.
    public func sendOnce(_ request: URLRequest, apiKey: String?) async throws -> HTTPReply {
        let reply: HTTPReply
        do {
            reply = try await transport.send(request, limit: maxResponseBytes, timeout: requestTimeout)
        } catch let failure as HTTPTransport.Failure {
            throw error(for: failure)
        }
        guard HTTPStatusClass(reply.status) == .success else { throw error(for: reply, apiKey: apiKey) }
        return reply
    }

    /// The classified error for a non-2xx `reply`, with the status hint and the key redacted.
    public func error(for reply: HTTPReply, apiKey: String?) -> HTTPClientError {
        HTTPClientError(reply: reply, redacting: apiKey, hint: statusHint)
    }

    /// The classified error for a transport failure.
    public func error(for failure: HTTPTransport.Failure) -> HTTPClientError {
        HTTPClientError(failure, endpoint: endpoint.printable, timeout: requestTimeout, sizeHint: sizeHint)
    }
}
