import Foundation
import QuarryCore
import QuarryHTTP

/// A `Reranker` that calls a rerank endpoint over HTTP: Cohere (`POST {base}/v1/rerank`),
/// Jina (`POST {base}/v1/rerank`, same shapes) or Hugging Face Text Embeddings Inference
/// (`POST {base}/rerank`).
///
/// Cohere and Jina take `{"model", "query", "documents": [texts], "top_n": n}` and answer
/// `{"results": [{"index": i, "relevance_score": s}, …]}` sorted by score; TEI takes
/// `{"query", "texts", "raw_scores": false, "truncate": true}` and answers
/// `[{"index": i, "score": s}, …]`. Either way the scores are put back in input order, and the
/// answer must hold every index exactly once, in range, with a finite score: a reranker that
/// silently dropped a passage would push it to the bottom of the results.
///
/// Passages go out in batches of `batchSize` (TEI refuses more than its
/// `max_client_batch_size`, 32 by default). Splitting is sound because a cross-encoder scores
/// each (query, passage) pair on its own. TEI is asked to truncate over-long passages rather
/// than refuse them, as Cohere and Jina do by default.
///
/// Retries, backoff with full jitter, `Retry-After`, redirect refusal, the body limit and key
/// redaction are QuarryHTTP's, shared with the embedder and the chat client. The API key is
/// read from `apiKeyEnvironmentVariable` at each call.
///
/// ```swift
/// let reranker = try HTTPReranker(.init(baseURL: URL(string: "http://127.0.0.1:8080")!, model: "", api: .tei))
/// let scores = try await reranker.scores(query: "capital of France", passages: hits.map(\.text))
/// ```
public struct HTTPReranker: Reranker {
    /// The wire format the endpoint speaks (the `rerank.api` setting's type).
    public typealias API = RerankAPI

    /// How to reach the endpoint and how hard to try.
    public struct Configuration: Sendable, Equatable {
        /// The server root, `http` or `https`, without credentials (e.g. `https://api.cohere.com`,
        /// `https://api.jina.ai`, `http://127.0.0.1:8080` for TEI).
        public var baseURL: URL
        /// The model id sent with Cohere and Jina requests (e.g. `rerank-english-v3.0`,
        /// `jina-reranker-v2-base-multilingual`); TEI serves one model and ignores it.
        public var model: String
        public var api: API
        /// Seconds one request may take from sending to the last body byte. Default 30.
        public var requestTimeout: Double
        /// Requests per batch in all, first try included, 1…100. Default 3: reranking sits on
        /// the query path, where a quick error beats a long wait.
        public var maxAttempts: Int
        /// Upper bound of the first retry delay, in seconds. Default 0.5; doubles per retry.
        public var initialBackoff: Double
        /// Cap on any retry delay, in seconds, `Retry-After` included. Default 8.
        public var maxBackoff: Double
        /// The environment variable that holds the API key. Default `QUARRY_RERANK_API_KEY`;
        /// unset or empty sends no `Authorization` header (local TEI).
        public var apiKeyEnvironmentVariable: String
        /// Largest response body accepted, in bytes. Default 8 MiB (a score per passage is a few
        /// dozen bytes; Jina may echo the documents).
        public var maxResponseBytes: Int
        /// Passages per request, 1…1000. Default 32, TEI's default `max_client_batch_size`.
        public var batchSize: Int

        public init(baseURL: URL, model: String, api: API, requestTimeout: Double = 30, maxAttempts: Int = 3,
                    initialBackoff: Double = 0.5, maxBackoff: Double = 8,
                    apiKeyEnvironmentVariable: String = "QUARRY_RERANK_API_KEY", maxResponseBytes: Int = 8 << 20,
                    batchSize: Int = 32) {
            self.baseURL = baseURL
            self.model = model
            self.api = api
            self.requestTimeout = requestTimeout
            self.maxAttempts = maxAttempts
            self.initialBackoff = initialBackoff
            self.maxBackoff = maxBackoff
            self.apiKeyEnvironmentVariable = apiKeyEnvironmentVariable
            self.maxResponseBytes = maxResponseBytes
            self.batchSize = batchSize
        }

        /// The fields every QuarryHTTP client shares.
        var httpSettings: HTTPClientSettings {
            HTTPClientSettings(baseURL: baseURL, apiKeyEnvironmentVariable: apiKeyEnvironmentVariable,
                               requestTimeout: requestTimeout, maxAttempts: maxAttempts, initialBackoff: initialBackoff,
                               maxBackoff: maxBackoff, maxResponseBytes: maxResponseBytes)
        }

        /// Checks every field.
        /// - Throws: `RetrieveError` naming the field and the allowed range.
        public func validate() throws {
            do {
                try httpSettings.validate()
            } catch let error as HTTPClientError {
                throw RetrieveError("HTTP reranker: \(error.message)")
            }
            if api != .tei && model.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                throw RetrieveError("HTTP reranker: model is empty (the \(api.rawValue) API needs one)")
            }
            guard (1...1000).contains(batchSize) else {
                throw RetrieveError("HTTP reranker: batchSize must be 1...1000 (got \(batchSize))")
            }
        }
    }

    public let configuration: Configuration
    /// The rerank URL.
    public let endpoint: URL
    /// `http-rerank:API:MODEL@ENDPOINT`.
    public let identity: String

    private let client: HTTPClient

    /// Validates `configuration` and prepares a client; nothing is sent until `scores`.
    /// - Parameters:
    ///   - sleep: waits between attempts, in seconds; tests pass a recorder that returns at once.
    ///   - jitter: the random source for the backoff.
    /// - Throws: `RetrieveError`.
    public init(_ configuration: Configuration,
                sleep: @escaping @Sendable (Double) async throws -> Void = RetryPolicy.taskSleep,
                jitter: Jitter = .system) throws {
        try configuration.validate()
        self.configuration = configuration
        let variable = configuration.apiKeyEnvironmentVariable
        let path = configuration.api.path
        do {
            client = try HTTPClient(
                settings: configuration.httpSettings, path: path, jitter: jitter, sleep: sleep,
                statusHint: { status in
                    switch status {
                    case 401, 403: " (check the key in $\(variable))"
                    case 404: " (check baseURL, api and that the server serves \(path))"
                    case 413, 422: " (lower batchSize)"
                    default: ""
                    }
                },
                sizeHint: "lower batchSize or raise maxResponseBytes")
        } catch let error as HTTPClientError {
            throw RetrieveError("HTTP reranker: \(error.message)")
        }
        endpoint = client.endpoint.url
        identity = "http-rerank:\(configuration.api.rawValue):\(configuration.model)@\(client.endpoint.printable)"
    }

    /// One score per passage, in input order, `batchSize` passages per request.
    /// - Throws: `RetrieveError` once the retry budget is spent (or at once for a non-retryable
    ///   status), for an answer that does not score every passage exactly once with a finite
    ///   number, or for an unusable API key; `CancellationError` when cancelled.
    public func scores(query: String, passages: [String]) async throws -> [Float] {
        if passages.isEmpty { return [] }
        let apiKey: String?
        do {
            apiKey = try APIKey.read(from: configuration.apiKeyEnvironmentVariable)
        } catch let error as HTTPClientError {
            throw RetrieveError("HTTP reranker: \(error.message)")
        }
        var scores: [Float] = []
        scores.reserveCapacity(passages.count)
        var start = 0
        while start < passages.count {
            try Task.checkCancellation()
            let end = min(start + configuration.batchSize, passages.count)
            scores += try await scoreBatch(query: query, passages: Array(passages[start..<end]), apiKey: apiKey)
            start = end
        }
        return scores
    }

    // MARK: - Wire format

    private struct DocumentsRequest: Encodable {
        var model: String
        var query: String
        var documents: [String]
        var topN: Int

        enum CodingKeys: String, CodingKey {
            case model, query, documents
            case topN = "top_n"
        }
    }

    private struct TextsRequest: Encodable {
        var query: String
        var texts: [String]
        var rawScores = false
        var truncate = true

        enum CodingKeys: String, CodingKey {
            case query, texts, truncate
            case rawScores = "raw_scores"
        }
    }

    /// One scored passage; Cohere and Jina call the score `relevance_score`, TEI `score`.
    private struct Result: Decodable {
        var index: Int?
        var relevanceScore: Double?
        var score: Double?

        enum CodingKeys: String, CodingKey {
            case index, score
            case relevanceScore = "relevance_score"
        }
    }

    private struct ResultsResponse: Decodable {
        var results: [Result]?
    }

    private func scoreBatch(query: String, passages: [String], apiKey: String?) async throws -> [Float] {
        let body: Data
        do {
            switch configuration.api {
            case .cohere, .jina:
                body = try JSONEncoder().encode(DocumentsRequest(model: configuration.model, query: query,
                                                                 documents: passages, topN: passages.count))
            case .tei:
                body = try JSONEncoder().encode(TextsRequest(query: query, texts: passages))
            }
        } catch {
            throw RetrieveError("could not encode the rerank request: \(error)")
        }
        let reply: HTTPReply
        do {
            reply = try await client.post(json: body, apiKey: apiKey)
        } catch let failure as HTTPClientError {
            throw RetrieveError("rerank request to \(client.endpoint.printable) failed after \(failure.attemptsDescription): "
                + failure.message)
        }
        return try decode(reply.body, expectedCount: passages.count, apiKey: apiKey)
    }

    private func decode(_ body: Data, expectedCount: Int, apiKey: String?) throws -> [Float] {
        func invalid(_ problem: String) -> RetrieveError {
            RetrieveError("rerank response from \(client.endpoint.printable) \(problem)")
        }
        let results: [Result]?
        do {
            switch configuration.api {
            case .cohere, .jina: results = try JSONDecoder().decode(ResultsResponse.self, from: body).results
            case .tei: results = try JSONDecoder().decode([Result].self, from: body)
            }
        } catch {
            let excerpt = SafeText.excerpt(body, redacting: apiKey)
            throw invalid("is not the expected JSON (\(SafeText.describe(decodingError: error)))"
                + (excerpt.isEmpty ? "" : ": \(excerpt)"))
        }
        guard let results else { throw invalid("has no \"results\" array") }
        guard results.count == expectedCount else {
            throw invalid("scores \(results.count) passages of \(expectedCount)")
        }
        var ordered = [Float?](repeating: nil, count: expectedCount)
        for result in results {
            guard let index = result.index else { throw invalid("has a result without \"index\"") }
            guard index >= 0 && index < expectedCount else { throw invalid("has index \(index) outside 0..<\(expectedCount)") }
            guard ordered[index] == nil else { throw invalid("repeats index \(index)") }
            guard let value = configuration.api == .tei ? result.score : result.relevanceScore else {
                throw invalid("has no score for index \(index)")
            }
            let score = Float(value)
            guard score.isFinite else { throw invalid("has a non-finite score for index \(index)") }
            ordered[index] = score
        }
        return ordered.map { $0! }  // every slot filled: count matches and no index repeats
    }
}

extension RerankAPI {
    /// The path under the base URL.
    var path: String { self == .tei ? "/rerank" : "/v1/rerank" }
}
