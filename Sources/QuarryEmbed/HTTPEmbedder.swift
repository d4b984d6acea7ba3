import Foundation
import QuarryCore
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import QuarryCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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
/// Concurrency: a `Sendable` value; batches of one call are sent one after another. All
/// embedders share one process-wide `URLSession` (swift-corelibs-foundation keeps a couple of
/// descriptors per session even after invalidation, so a session per embedder would leak).
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

        /// Checks every field.
        /// - Throws: `EmbedError(.configuration, …)` naming the field and the allowed range.
        public func validate() throws {
            func fail(_ message: String) -> EmbedError { EmbedError(.configuration, "HTTP embedder: \(message)") }
            guard let components = URLComponents(url: baseURL, resolvingAgainstBaseURL: false),
                  let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https" else {
                throw fail("baseURL must start with http:// or https:// (got scheme '\(baseURL.scheme ?? "")')")
            }
            guard let host = components.host, !host.isEmpty else { throw fail("baseURL has no host") }
            guard components.user == nil, components.password == nil else {
                throw fail("baseURL must not carry credentials; put the key in $\(apiKeyEnvironmentVariable)")
            }
            guard components.fragment == nil else { throw fail("baseURL must not have a #fragment") }
            guard !model.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw fail("model is empty") }
            guard dimension >= 1 && dimension <= 65_536 else { throw fail("dimension must be 1...65536 (got \(dimension))") }
            guard !apiKeyEnvironmentVariable.isEmpty, !apiKeyEnvironmentVariable.contains("="),
                  !apiKeyEnvironmentVariable.unicodeScalars.contains(where: { $0.value == 0 }) else {
                throw fail("apiKeyEnvironmentVariable must be a non-empty variable name without '=' or NUL")
            }
            guard (1...4096).contains(batchSize) else { throw fail("batchSize must be 1...4096 (got \(batchSize))") }
            guard requestTimeout.isFinite && requestTimeout > 0 && requestTimeout <= 3600 else {
                throw fail("requestTimeout must be in (0, 3600] seconds (got \(requestTimeout))")
            }
            guard (1...100).contains(maxAttempts) else { throw fail("maxAttempts must be 1...100 (got \(maxAttempts))") }
            guard initialBackoff.isFinite && initialBackoff >= 0 else {
                throw fail("initialBackoff must be a finite number of seconds ≥ 0 (got \(initialBackoff))")
            }
            guard maxBackoff.isFinite && maxBackoff >= initialBackoff && maxBackoff <= 3600 else {
                throw fail("maxBackoff must be in [initialBackoff, 3600] seconds (got \(maxBackoff))")
            }
            guard maxResponseBytes >= 1024 else { throw fail("maxResponseBytes must be at least 1024 (got \(maxResponseBytes))") }
        }
    }

    /// A source of uniform numbers in [0, 1) for the jitter; `.seeded` makes retry delays
    /// reproducible in tests.
    public struct Jitter: Sendable {
        let next: @Sendable () -> Double

        /// Wraps `next`, which must return values in [0, 1].
        public init(_ next: @escaping @Sendable () -> Double) { self.next = next }

        /// The system random generator.
        public static var system: Jitter { Jitter { Double.random(in: 0..<1) } }

        /// A deterministic SplitMix64 sequence (Steele, Lea & Flood 2014).
        public static func seeded(_ seed: UInt64) -> Jitter {
            let state = SplitMix64(seed)
            return Jitter { state.nextUnit() }
        }

        /// Always `value` (clamped to [0, 1]): delays become exactly `value × cap`.
        public static func fixed(_ value: Double) -> Jitter {
            let clamped = value.isFinite ? min(max(value, 0), 1) : 0
            return Jitter { clamped }
        }
    }

    /// The default sleep: `Task.sleep`, so a cancelled task stops waiting.
    public static let taskSleep: @Sendable (Double) async throws -> Void = { seconds in
        let clamped = seconds.isFinite ? min(max(seconds, 0), 3600) : 0
        try await Task.sleep(nanoseconds: UInt64(clamped * 1_000_000_000))
    }

    public let configuration: Configuration
    public let identity: EmbedderIdentity
    /// `{baseURL}/v1/embeddings`.
    public let endpoint: URL

    private let transport: HTTPTransport
    private let sleep: @Sendable (Double) async throws -> Void
    private let jitter: Jitter

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
        self.sleep = sleep
        self.jitter = jitter
        var components = URLComponents(url: configuration.baseURL, resolvingAgainstBaseURL: false)!
        var path = components.path
        while path.hasSuffix("/") { path.removeLast() }
        path += path.hasSuffix("/v1") ? "/embeddings" : "/v1/embeddings"
        components.path = path
        guard let endpoint = components.url else {
            throw EmbedError(.configuration, "HTTP embedder: cannot form the endpoint URL from baseURL")
        }
        self.endpoint = endpoint
        components.query = nil
        let printable = components.url?.absoluteString ?? endpoint.absoluteString
        identity = EmbedderIdentity(kind: "http", model: configuration.model, checksum: printable,
                                    pooling: "endpoint", dimension: configuration.dimension)
        transport = HTTPTransport.shared
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
        let apiKey = try readAPIKey()
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

    private func readAPIKey() throws -> String? {
        guard let raw = getenv(configuration.apiKeyEnvironmentVariable) else { return nil }
        let key = String(cString: raw).trimmingCharacters(in: .whitespacesAndNewlines)
        if key.isEmpty { return nil }
        guard key.unicodeScalars.allSatisfy({ $0.value >= 0x21 && $0.value <= 0x7E }) else {
            throw EmbedError(.configuration, "the API key in $\(configuration.apiKeyEnvironmentVariable) contains characters "
                + "not allowed in an HTTP header (spaces, line breaks or non-ASCII); fix the variable")
        }
        return key
    }

    /// One attempt's failure, classified for the retry decision.
    private struct AttemptFailure {
        var error: EmbedError
        var retryable: Bool
        var retryAfter: Double?
    }

    private func embedBatch(_ texts: [String], apiKey: String?) async throws -> [[Float]] {
        let body: Data
        do {
            body = try JSONEncoder().encode(EmbeddingRequest(model: configuration.model, input: texts))
        } catch {
            throw EmbedError(.invalidResponse, "could not encode the embedding request: \(error)")
        }
        var request = URLRequest(url: endpoint)
        request.httpMethod = "POST"
        request.httpBody = body
        request.timeoutInterval = configuration.requestTimeout
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue("application/json", forHTTPHeaderField: "Accept")
        if let apiKey { request.setValue("Bearer \(apiKey)", forHTTPHeaderField: "Authorization") }

        var attempt = 1
        while true {
            try Task.checkCancellation()
            let failure: AttemptFailure
            do {
                let reply = try await transport.send(request, limit: configuration.maxResponseBytes,
                                                     timeout: configuration.requestTimeout)
                switch classify(reply, apiKey: apiKey) {
                case .success: return try decode(reply.body, expectedCount: texts.count, apiKey: apiKey)
                case .failure(let classified): failure = classified
                }
            } catch let transportError as HTTPTransport.Failure {
                failure = classify(transportError)
            }
            guard failure.retryable && attempt < configuration.maxAttempts else {
                let tries = attempt == 1 ? "1 attempt" : "\(attempt) attempts"
                throw EmbedError(failure.error.code, "embedding request to \(identity.checksum) failed after \(tries): "
                    + failure.error.message)
            }
            try await sleep(delay(afterAttempt: attempt, retryAfter: failure.retryAfter))
            attempt += 1
        }
    }

    /// Full jitter: uniform in [0, min(maxBackoff, initialBackoff × 2^(attempt−1))]; a
    /// `Retry-After` value replaces it, capped by `maxBackoff`.
    func delay(afterAttempt attempt: Int, retryAfter: Double?) -> Double {
        if let retryAfter { return min(retryAfter, configuration.maxBackoff) }
        let exponent = Double(min(max(attempt - 1, 0), 60))
        let cap = min(configuration.maxBackoff, configuration.initialBackoff * pow(2, exponent))
        let unit = jitter.next()
        return cap * (unit.isFinite ? min(max(unit, 0), 1) : 0)
    }

    private enum Classified {
        case success
        case failure(AttemptFailure)
    }

    private func classify(_ reply: HTTPTransport.Reply, apiKey: String?) -> Classified {
        let status = reply.status
        if (200..<300).contains(status) { return .success }
        let excerpt = Self.excerpt(reply.body, redacting: apiKey)
        let detail = excerpt.isEmpty ? "" : ": \(excerpt)"
        if (300..<400).contains(status) {
            let target = reply.headers["location"].map { " to \(Self.sanitise($0, redacting: apiKey, limit: 200))" } ?? ""
            return .failure(AttemptFailure(error: EmbedError(.http, "the endpoint answered HTTP \(status), a redirect\(target); "
                + "redirects are not followed, so set baseURL to the final address"), retryable: false))
        }
        let retryable = status == 429 || (500..<600).contains(status)
        var retryAfter: Double?
        if status == 429 || status == 503, let header = reply.headers["retry-after"],
           let seconds = Double(header.trimmingCharacters(in: .whitespaces)), seconds.isFinite, seconds >= 0 {
            retryAfter = seconds
        }
        let hint: String
        switch status {
        case 401, 403: hint = " (check the key in $\(configuration.apiKeyEnvironmentVariable))"
        case 404: hint = " (check baseURL and that the server serves /v1/embeddings and model '\(configuration.model)')"
        case 413: hint = " (lower batchSize)"
        default: hint = ""
        }
        return .failure(AttemptFailure(error: EmbedError(.http, "HTTP \(status)\(hint)\(detail)"),
                                       retryable: retryable, retryAfter: retryAfter))
    }

    private func classify(_ failure: HTTPTransport.Failure) -> AttemptFailure {
        switch failure {
        case .tooLarge(let limit):
            return AttemptFailure(error: EmbedError(.invalidResponse, "the response body is larger than maxResponseBytes "
                + "(\(limit) bytes); lower batchSize or raise maxResponseBytes"), retryable: false)
        case .timedOut:
            return AttemptFailure(error: EmbedError(.timeout, "no complete response within \(configuration.requestTimeout) s "
                + "(requestTimeout)"), retryable: true)
        case .transport(let code, let description):
            switch code {
            case .timedOut:
                return AttemptFailure(error: EmbedError(.timeout, "no complete response within \(configuration.requestTimeout) s "
                    + "(requestTimeout)"), retryable: true)
            case .secureConnectionFailed, .serverCertificateHasBadDate, .serverCertificateUntrusted,
                 .serverCertificateHasUnknownRoot, .serverCertificateNotYetValid, .clientCertificateRejected,
                 .clientCertificateRequired, .badURL, .unsupportedURL, .userAuthenticationRequired:
                return AttemptFailure(error: EmbedError(.connection, "\(description) (URLError \(code.rawValue))"), retryable: false)
            default:
                return AttemptFailure(error: EmbedError(.connection, "\(description) (URLError \(code.rawValue)); "
                    + "is the server running at \(identity.checksum)?"), retryable: true)
            }
        case .other(let description):
            return AttemptFailure(error: EmbedError(.connection, description), retryable: true)
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
            throw invalid("is not the expected JSON (\(Self.describe(error)))" + (excerpt.isEmpty ? "" : ": \(excerpt)"))
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

    private static func describe(_ error: Error) -> String {
        switch error {
        case DecodingError.dataCorrupted(let context): return "malformed JSON: \(context.debugDescription)".prefix(160).description
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            let path = context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
            return "wrong type at '\(path)'"
        case DecodingError.keyNotFound(let key, _): return "missing key '\(key.stringValue)'"
        default: return "undecodable"
        }
    }

    // MARK: - Sanitising

    /// At most 200 printable characters from the start of `body`, with control and format
    /// characters (line breaks, bidi overrides) turned into spaces and the key redacted.
    static func excerpt(_ body: Data, redacting key: String?) -> String {
        sanitise(String(decoding: body.prefix(4096), as: UTF8.self), redacting: key, limit: 200)
    }

    static func sanitise(_ text: String, redacting key: String?, limit: Int) -> String {
        var text = text
        if let key, !key.isEmpty { text = text.replacingOccurrences(of: key, with: "[redacted]") }
        var scalars = String.UnicodeScalarView()
        var lastWasSpace = true
        for scalar in text.unicodeScalars {
            let category = scalar.properties.generalCategory
            let blank = scalar.properties.isWhitespace || category == .control || category == .format
                || category == .surrogate || category == .privateUse || category == .unassigned || scalar == "\u{FFFD}"
            if blank {
                if !lastWasSpace { scalars.append(" ") }
                lastWasSpace = true
            } else {
                scalars.append(scalar)
                lastWasSpace = false
            }
        }
        var clean = String(scalars)
        while clean.hasSuffix(" ") { clean.removeLast() }
        if clean.count > limit { clean = String(clean.prefix(limit - 1)) + "…" }
        return clean
    }
}

// MARK: - SplitMix64

/// A locked SplitMix64 generator (Steele, Lea & Flood, "Fast splittable pseudorandom number
/// generators", OOPSLA 2014), shared by the copies of a seeded `Jitter`.
private final class SplitMix64: @unchecked Sendable {
    private var state: UInt64
    private let lock = NSLock()

    init(_ seed: UInt64) { state = seed }

    /// A uniform Double in [0, 1) from the top 53 bits.
    func nextUnit() -> Double {
        lock.lock()
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        lock.unlock()
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return Double(z >> 11) / Double(1 << 53)
    }
}

// MARK: - Transport

/// One `URLSession` driven through its delegate, so a body can be refused once it passes the
/// size limit (instead of after buffering it all), a whole request has a deadline, and
/// redirects are refused. One instance serves the process: replies are matched to callers by
/// task identifier, and each request carries its own limit and deadline.
final class HTTPTransport: @unchecked Sendable {
    static let shared = HTTPTransport()

    struct Reply: Sendable {
        var status: Int
        /// Lower-cased names.
        var headers: [String: String]
        var body: Data
    }

    enum Failure: Error {
        case tooLarge(Int)
        case timedOut
        case transport(URLError.Code, String)
        case other(String)
    }

    private let delegate: Delegate
    private let session: URLSession

    init() {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configuration.urlCache = nil
        configuration.httpShouldSetCookies = false
        configuration.httpCookieStorage = nil
        configuration.httpMaximumConnectionsPerHost = 16
        delegate = Delegate()
        session = URLSession(configuration: configuration, delegate: delegate, delegateQueue: nil)
    }

    /// Sends `request` and returns the status, headers and body.
    /// - Throws: `Failure`, or `CancellationError` when the calling task is cancelled.
    func send(_ request: URLRequest, limit: Int, timeout: Double) async throws -> Reply {
        let task = session.dataTask(with: request)
        let box = TaskBox(task)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Reply, Error>) in
                let id = task.taskIdentifier
                delegate.register(id, Pending(continuation: continuation, limit: limit))
                if Task.isCancelled {
                    delegate.finish(id, with: .failure(CancellationError()))
                    task.cancel()
                    return
                }
                let delegate = delegate
                DispatchQueue.global().asyncAfter(deadline: .now() + timeout) {
                    if delegate.markFailure(id, .timedOut) { box.task.cancel() }
                }
                task.resume()
            }
        } onCancel: {
            box.cancelled()
        }
    }

    private final class TaskBox: @unchecked Sendable {
        let task: URLSessionDataTask
        init(_ task: URLSessionDataTask) { self.task = task }
        func cancelled() { task.cancel() }
    }

    private final class Pending {
        let continuation: CheckedContinuation<Reply, Error>
        let limit: Int
        var response: HTTPURLResponse?
        var body = Data()
        var failure: Failure?

        init(continuation: CheckedContinuation<Reply, Error>, limit: Int) {
            self.continuation = continuation
            self.limit = limit
        }
    }

    private final class Delegate: NSObject, URLSessionDataDelegate, @unchecked Sendable {
        private let lock = NSLock()
        private var pending: [Int: Pending] = [:]

        func register(_ id: Int, _ entry: Pending) {
            lock.lock()
            pending[id] = entry
            lock.unlock()
        }

        /// Records the first failure of a live task; true when it was recorded (the caller then cancels).
        func markFailure(_ id: Int, _ failure: Failure) -> Bool {
            lock.lock()
            defer { lock.unlock() }
            guard let entry = pending[id], entry.failure == nil else { return false }
            entry.failure = failure
            return true
        }

        func finish(_ id: Int, with result: Result<Reply, Error>) {
            lock.lock()
            let entry = pending.removeValue(forKey: id)
            lock.unlock()
            entry?.continuation.resume(with: result)
        }

        func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                        completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
            let id = dataTask.taskIdentifier
            lock.lock()
            var refuse = false
            if let entry = pending[id] {
                entry.response = response as? HTTPURLResponse
                if response.expectedContentLength > Int64(entry.limit), entry.failure == nil {
                    entry.failure = .tooLarge(entry.limit)
                    refuse = true
                }
            }
            lock.unlock()
            completionHandler(refuse ? .cancel : .allow)
        }

        func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
            let id = dataTask.taskIdentifier
            lock.lock()
            var refuse = false
            if let entry = pending[id], entry.failure == nil {
                if entry.body.count + data.count > entry.limit {
                    entry.failure = .tooLarge(entry.limit)
                    entry.body = Data()
                    refuse = true
                } else {
                    entry.body.append(data)
                }
            }
            lock.unlock()
            if refuse { dataTask.cancel() }
        }

        func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                        newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void) {
            completionHandler(nil)  // the 3xx itself becomes the reply
        }

        func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
            let id = task.taskIdentifier
            lock.lock()
            let entry = pending.removeValue(forKey: id)
            lock.unlock()
            guard let entry else { return }
            if let failure = entry.failure {
                entry.continuation.resume(throwing: failure)
            } else if let error {
                if let urlError = error as? URLError {
                    if urlError.code == .cancelled {
                        entry.continuation.resume(throwing: CancellationError())
                    } else {
                        entry.continuation.resume(throwing: Failure.transport(urlError.code, urlError.localizedDescription))
                    }
                } else {
                    entry.continuation.resume(throwing: Failure.other(String(describing: error)))
                }
            } else if let response = entry.response {
                var headers: [String: String] = [:]
                for (name, value) in response.allHeaderFields {
                    if let name = name as? String, let value = value as? String { headers[name.lowercased()] = value }
                }
                entry.continuation.resume(returning: Reply(status: response.statusCode, headers: headers, body: entry.body))
            } else {
                entry.continuation.resume(throwing: Failure.other("the server sent no HTTP response"))
            }
        }
    }
}
