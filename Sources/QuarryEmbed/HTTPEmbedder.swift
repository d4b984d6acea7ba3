import Foundation
import QuarryCore
import QuarryHTTP

/// An embedder that calls an OpenAI-compatible `POST {baseURL}/v1/embeddings` endpoint
/// (OpenAI, vLLM, Ollama, Hugging Face TEI).
///
/// It sends `{"model": M, "input": [texts]}` in batches of at most `batchSize` texts and reads
/// `{"data": [{"index": i, "embedding": [floats]}, …]}`, ordering the vectors by `index` (or
/// taking them in order when no item has an `index`). Every vector must have exactly
/// `dimension` finite components.
///
/// Failures are retried with capped exponential backoff and full jitter (Brooker, "Exponential
/// Backoff And Jitter", AWS Architecture Blog, 2015): 429, 5xx, timeouts and connection errors
/// are retried up to `maxAttempts` requests in all; other statuses fail at once. A `Retry-After`
/// header (in seconds) on 429 or 503 replaces the computed delay, capped by `maxBackoff`.
///
/// The API key is read from the environment variable named by `apiKeyEnvironmentVariable` at
/// each `embed` call and sent as `Authorization: Bearer …`; it never appears in an error message
/// (a body that echoes it is redacted). Redirects are refused rather than followed, so the key
/// never travels to another host. Response bodies above `maxResponseBytes` are refused while
/// they arrive, without buffering the rest.
///
/// Concurrency: a `Sendable` value; batches of one call are sent one after another. The
/// transport, retry loop, status classification and redaction are QuarryHTTP's (`HTTPClient`),
/// shared with the chat and rerank clients and one process-wide `URLSession`.
///
/// ```swift
/// let embedder = try HTTPEmbedder(HTTPEmbedder.Configuration(
///     baseURL: URL(string: "http://127.0.0.1:11434")!, model: "nomic-embed-text", dimension: 768))
/// let vectors = try await embedder.embed(["first passage", "second passage"])
/// ```
public struct HTTPEmbedder: Embedder {
    /// How to reach the endpoint and how hard to try.
    public struct Configuration: Sendable, Equatable {
        /// The server root, `http` or `https`, without credentials (e.g. `http://127.0.0.1:8000`).
        /// `/v1/embeddings` is appended; a base that already ends in `/v1` (as OpenAI's docs
        /// write it) gets only `/embeddings`.
        public var baseURL: URL
        /// The model id sent in each request (e.g. `text-embedding-3-small`, `BAAI/bge-small-en-v1.5`).
        public var model: String
        /// The expected vector length; any other length is a `.dimensionMismatch`.
        public var dimension: Int
        /// The environment variable that holds the API key. Default `QUARRY_EMBEDDINGS_API_KEY`.
        /// When it is unset or empty, no `Authorization` header is sent (local servers).
        public var apiKeyEnvironmentVariable: String
        /// Texts per request, 1…4096 (as `embedding.batch_size`; OpenAI itself takes at most 2048). Default 64: large enough to amortise the
        /// round trip, small enough to stay under servers' token-per-request caps (TEI's default
        /// `max_client_batch_size` is 32, which the server answers with a 413/422).
        public var batchSize: Int
        /// Seconds one request may take from sending to the last body byte. Default 30.
        public var requestTimeout: Double
        /// Requests per batch in all, first try included, 1…100. Default 5.
        public var maxAttempts: Int
        /// Upper bound of the first retry delay, in seconds. Default 0.5; doubles per retry.
        public var initialBackoff: Double
        /// Cap on any retry delay, in seconds, `Retry-After` included. Default 8.
        public var maxBackoff: Double
        /// Largest response body accepted, in bytes. Default 64 MiB (64 × 384-d vectors take
        /// about 0.5 MB of JSON; 2048 × 3072-d about 130 MB, so raise it for such batches).
        public var maxResponseBytes: Int

        public init(baseURL: URL, model: String, dimension: Int,
                    apiKeyEnvironmentVariable: String = "QUARRY_EMBEDDINGS_API_KEY",
                    batchSize: Int = 64, requestTimeout: Double = 30, maxAttempts: Int = 5,
                    initialBackoff: Double = 0.5, maxBackoff: Double = 8,
                    maxResponseBytes: Int = 64 << 20) {
            self.baseURL = baseURL
            self.model = model
            self.dimension = dimension
            self.apiKeyEnvironmentVariable = apiKeyEnvironmentVariable
            self.batchSize = batchSize
            self.requestTimeout = requestTimeout
            self.maxAttempts = maxAttempts
            self.initialBackoff = initialBackoff
            self.maxBackoff = maxBackoff
            self.maxResponseBytes = maxResponseBytes
        }

        /// The fields every QuarryHTTP client shares.
        var httpSettings: HTTPClientSettings {
            HTTPClientSettings(baseURL: baseURL, apiKeyEnvironmentVariable: apiKeyEnvironmentVariable,
                               requestTimeout: requestTimeout, maxAttempts: maxAttempts, initialBackoff: initialBackoff,
                               maxBackoff: maxBackoff, maxResponseBytes: maxResponseBytes)
        }

        /// Checks every field.
        /// - Throws: `EmbedError(.configuration, …)` naming the field and the allowed range.
        public func validate() throws {
            func fail(_ message: String) -> EmbedError { EmbedError(.configuration, "HTTP embedder: \(message)") }
            do {
                try httpSettings.validate()
            } catch let error as HTTPClientError {
                throw fail(error.message)
            }
            guard !model.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw fail("model is empty") }
            guard dimension >= 1 && dimension <= 65_536 else { throw fail("dimension must be 1...65536 (got \(dimension))") }
            guard (1...4096).contains(batchSize) else { throw fail("batchSize must be 1...4096 (got \(batchSize))") }
        }
    }

    /// A source of uniform numbers in [0, 1) for the jitter; `.seeded` makes retry delays
    /// reproducible in tests. (Kept under this name for callers from before QuarryHTTP.)
    public typealias Jitter = QuarryHTTP.Jitter

    /// The default sleep: `Task.sleep`, so a cancelled task stops waiting.
    public static let taskSleep: @Sendable (Double) async throws -> Void = RetryPolicy.taskSleep

    public let configuration: Configuration
    public let identity: EmbedderIdentity
    /// `{baseURL}/v1/embeddings`.
    public let endpoint: URL

    private let client: HTTPClient

    /// Validates `configuration` and prepares a client; nothing is sent until `embed`.
    /// - Parameters:
    ///   - sleep: waits between attempts, in seconds; tests pass a recorder that returns at once.
    ///   - jitter: the random source for the backoff.
    /// - Throws: `EmbedError(.configuration, …)`.
    public init(_ configuration: Configuration,
                sleep: @escaping @Sendable (Double) async throws -> Void = HTTPEmbedder.taskSleep,
                jitter: Jitter = .system) throws {
        try configuration.validate()
        self.configuration = configuration
        let variable = configuration.apiKeyEnvironmentVariable
        let model = configuration.model
        do {
            client = try HTTPClient(
                settings: configuration.httpSettings, path: "/v1/embeddings", jitter: jitter, sleep: sleep,
                statusHint: { status in
                    switch status {
                    case 401, 403: " (check the key in $\(variable))"
                    case 404: " (check baseURL and that the server serves /v1/embeddings and model '\(model)')"
                    case 413: " (lower batchSize)"
                    default: ""
                    }
                },
                sizeHint: "lower batchSize or raise maxResponseBytes")
        } catch let error as HTTPClientError {
            throw EmbedError(.configuration, "HTTP embedder: \(error.message)")
        }
        endpoint = client.endpoint.url
        identity = EmbedderIdentity(kind: "http", model: configuration.model, checksum: client.endpoint.printable,
                                    pooling: "endpoint", dimension: configuration.dimension)
    }

    /// Endpoints don't expose their tokenizer.
    public func countTokens(_ text: String) -> Int? { nil }

    public var maxInputTokens: Int? { nil }

    /// Embeds `texts` in order, `batchSize` texts per request.
    /// - Throws: `EmbedError` with `.http`, `.connection` or `.timeout` once the retry budget is
    ///   spent (or at once for a non-retryable status), `.invalidResponse` for a body that is
    ///   not the expected JSON, too large, or holds non-finite numbers, `.dimensionMismatch`,
    ///   and `.configuration` for an unusable API key; `CancellationError` when cancelled.
    public func embed(_ texts: [String]) async throws -> [[Float]] {
        if texts.isEmpty { return [] }
        let apiKey: String?
        do {
            apiKey = try APIKey.read(from: configuration.apiKeyEnvironmentVariable)
        } catch let error as HTTPClientError {
            throw EmbedError(.configuration, error.message)
        }
        var vectors: [[Float]] = []
        vectors.reserveCapacity(texts.count)
        var start = 0
        while start < texts.count {
            try Task.checkCancellation()
            let end = min(start + configuration.batchSize, texts.count)
            vectors += try await embedBatch(Array(texts[start..<end]), apiKey: apiKey)
            start = end
        }
        return vectors
    }

    // MARK: - Requests and retries

    private func embedBatch(_ texts: [String], apiKey: String?) async throws -> [[Float]] {
        let body: Data
        do {
            body = try JSONEncoder().encode(EmbeddingRequest(model: configuration.model, input: texts))
        } catch {
            throw EmbedError(.invalidResponse, "could not encode the embedding request: \(error)")
        }
        let reply: HTTPReply
        do {
            reply = try await client.post(json: body, apiKey: apiKey)
        } catch let failure as HTTPClientError {
            throw EmbedError(Self.code(failure.code), "embedding request to \(identity.checksum) failed after "
                + "\(failure.attemptsDescription): \(failure.message)")
        }
        return try decode(reply.body, expectedCount: texts.count, apiKey: apiKey)
    }

    /// The delay before the retry that follows failed attempt `attempt` (see `RetryPolicy`).
    func delay(afterAttempt attempt: Int, retryAfter: Double?) -> Double {
        client.retry.delay(afterAttempt: attempt, retryAfter: retryAfter)
    }

    private static func code(_ code: HTTPClientError.Code) -> EmbedError.Code {
        switch code {
        case .configuration: .configuration
        case .http: .http
        case .timeout: .timeout
        case .connection: .connection
        case .invalidResponse: .invalidResponse
        }
    }

    // MARK: - Wire format

    private struct EmbeddingRequest: Encodable {
        var model: String
        var input: [String]
    }

    private struct EmbeddingResponse: Decodable {
        struct Item: Decodable {
            var index: Int?
            var embedding: [Double]?
        }
        var data: [Item]?
    }

    private func decode(_ body: Data, expectedCount: Int, apiKey: String?) throws -> [[Float]] {
        func invalid(_ message: String) -> EmbedError {
            EmbedError(.invalidResponse, "embedding response from \(identity.checksum) \(message)")
        }
        let response: EmbeddingResponse
        do {
            response = try JSONDecoder().decode(EmbeddingResponse.self, from: body)
        } catch {
            let excerpt = Self.excerpt(body, redacting: apiKey)
            throw invalid("is not the expected JSON (\(SafeText.describe(decodingError: error)))" + (excerpt.isEmpty ? "" : ": \(excerpt)"))
        }
        guard let items = response.data else { throw invalid("has no \"data\" array") }
        guard items.count == expectedCount else {
            throw invalid("holds \(items.count) embeddings for \(expectedCount) inputs")
        }
        var ordered = [[Double]?](repeating: nil, count: expectedCount)
        let indexed = items.filter { $0.index != nil }.count
        guard indexed == 0 || indexed == items.count else { throw invalid("gives an \"index\" for some items but not all") }
        for (position, item) in items.enumerated() {
            let slot = item.index ?? position
            guard slot >= 0 && slot < expectedCount else { throw invalid("has index \(slot) outside 0..<\(expectedCount)") }
            guard ordered[slot] == nil else { throw invalid("repeats index \(slot)") }
            guard let embedding = item.embedding else { throw invalid("has no \"embedding\" for index \(slot)") }
            ordered[slot] = embedding
        }
        return try ordered.enumerated().map { slot, values in
            let values = values!  // every slot filled: count matches and no index repeats
            guard values.count == configuration.dimension else {
                throw EmbedError(.dimensionMismatch, "the endpoint returned a \(values.count)-dimensional vector for model "
                    + "'\(configuration.model)', but dimension is \(configuration.dimension); set dimension to "
                    + "\(values.count) or use the model the collection was built with")
            }
            var vector = [Float](repeating: 0, count: values.count)
            for (component, value) in values.enumerated() {
                let single = Float(value)
                guard single.isFinite else { throw invalid("holds a non-finite number in vector \(slot)") }
                vector[component] = single
            }
            return vector
        }
    }

    /// At most 200 printable characters from the start of `body`, key redacted (see `SafeText`).
    static func excerpt(_ body: Data, redacting key: String?) -> String {
        SafeText.excerpt(body, redacting: key)
    }
}
