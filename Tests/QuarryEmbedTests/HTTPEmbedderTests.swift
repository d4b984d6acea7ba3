import Foundation
@testable import QuarryEmbed
import QuarryTesting
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `HTTPEmbedder` against a real server on 127.0.0.1 (`LocalHTTPServer`), with the retry sleep
/// replaced by a recorder so no test waits for a backoff.
@Suite struct HTTPEmbedderTests {
    /// Records the requested delays and returns at once.
    final class SleepRecorder: @unchecked Sendable {
        private let lock = NSLock()
        private var recorded: [Double] = []

        var delays: [Double] {
            lock.lock()
            defer { lock.unlock() }
            return recorded
        }

        func record(_ seconds: Double) {
            lock.lock()
            recorded.append(seconds)
            lock.unlock()
        }

        var sleep: @Sendable (Double) async throws -> Void {
            { [self] seconds in record(seconds) }
        }
    }

    /// A server handler that answers like an embeddings endpoint: text "tN" gets the vector
    /// [N, N + 0.5, …] of `dimension` components, items listed in reverse with their `index`
    /// (or in order without one), so ordering bugs show.
    static func echoHandler(dimension: Int, withIndex: Bool = true) -> @Sendable (LocalHTTPServer.Request) -> LocalHTTPServer.Response {
        { request in
            guard let object = try? JSONSerialization.jsonObject(with: request.body) as? [String: Any],
                  let input = object["input"] as? [String] else {
                return .json(#"{"error":"bad request"}"#, status: 400)
            }
            var items: [String] = []
            for (index, text) in input.enumerated() {
                let base = Double(text.dropFirst()) ?? -1
                let vector = (0..<dimension).map { String(base + Double($0) * 0.5) }.joined(separator: ",")
                items.append(withIndex ? #"{"object":"embedding","index":\#(index),"embedding":[\#(vector)]}"#
                                       : #"{"object":"embedding","embedding":[\#(vector)]}"#)
            }
            if withIndex { items.reverse() }
            return .json(#"{"object":"list","model":"m","data":[\#(items.joined(separator: ","))]}"#)
        }
    }

    static func configuration(_ server: LocalHTTPServer?, port: UInt16? = nil, dimension: Int = 4,
                              keyVariable: String = "QUARRY_TEST_UNSET_\(UUID().uuidString.prefix(8))",
                              maxAttempts: Int = 5) -> HTTPEmbedder.Configuration {
        let port = server?.port ?? port ?? 9
        return HTTPEmbedder.Configuration(baseURL: URL(string: "http://127.0.0.1:\(port)")!, model: "test-model",
                                          dimension: dimension, apiKeyEnvironmentVariable: keyVariable, maxAttempts: maxAttempts)
    }

    static func uniqueVariable() -> String { "QUARRY_TEST_KEY_\(UUID().uuidString.replacingOccurrences(of: "-", with: "_"))" }

    static func texts(_ count: Int) -> [String] { (0..<count).map { "t\($0)" } }

    @Test("150 texts go out as 3 requests of ≤ 64, vectors come back in order, the key as a Bearer header")
    func successBatchingAndAuthorization() async throws {
        let server = try await LocalHTTPServer(handler: Self.echoHandler(dimension: 4))
        defer { server.stop() }
        let variable = Self.uniqueVariable()
        setenv(variable, "sk-test-1234", 1)
        defer { unsetenv(variable) }
        let embedder = try HTTPEmbedder(Self.configuration(server, keyVariable: variable))

        let vectors = try await embedder.embed(Self.texts(150))

        #expect(vectors.count == 150)
        #expect(vectors.enumerated().allSatisfy { index, vector in vector == [Float(index), Float(index) + 0.5, Float(index) + 1, Float(index) + 1.5] })
        let requests = server.requests
        #expect(requests.count == 3)
        let sizes = try requests.map { request -> Int in
            let object = try #require(try JSONSerialization.jsonObject(with: request.body) as? [String: Any])
            #expect(object["model"] as? String == "test-model")
            return try #require(object["input"] as? [String]).count
        }
        #expect(sizes == [64, 64, 22])
        for request in requests {
            #expect(request.method == "POST")
            #expect(request.path == "/v1/embeddings")
            #expect(request.header("authorization") == "Bearer sk-test-1234")
            #expect(request.header("content-type")?.hasPrefix("application/json") == true)
        }
    }

    @Test("no Authorization header when the key variable is unset; items without index are taken in order")
    func noKeyAndNoIndex() async throws {
        let server = try await LocalHTTPServer(handler: Self.echoHandler(dimension: 3, withIndex: false))
        defer { server.stop() }
        let embedder = try HTTPEmbedder(Self.configuration(server, dimension: 3))
        let vectors = try await embedder.embed(["t7", "t3"])
        #expect(vectors == [[7, 7.5, 8], [3, 3.5, 4]])
        #expect(server.requests.first?.header("Authorization") == nil)
        #expect(try await embedder.embed([]).isEmpty)
        #expect(server.requests.count == 1)
    }

    @Test("the identity names the endpoint; a base ending in /v1 isn't doubled")
    func identity() throws {
        let embedder = try HTTPEmbedder(.init(baseURL: URL(string: "https://api.example.com/v1/")!, model: "text-embedding-3-small",
                                              dimension: 1536))
        let identity = embedder.identity
        #expect(identity.kind == "http")
        #expect(identity.model == "text-embedding-3-small")
        #expect(identity.checksum == "https://api.example.com/v1/embeddings")
        #expect(identity.pooling == "endpoint")
        #expect(identity.dimension == 1536)
        #expect(embedder.countTokens("hello") == nil)
        #expect(embedder.maxInputTokens == nil)
        let plain = try HTTPEmbedder(.init(baseURL: URL(string: "http://localhost:8080")!, model: "bge", dimension: 384))
        #expect(plain.endpoint.absoluteString == "http://localhost:8080/v1/embeddings")
    }

    @Test("invalid configurations are refused", arguments: [
        ("ftp://host", 4, 64), ("file:///etc/passwd", 4, 64), ("http://user:pw@host", 4, 64),
        ("http://host", 0, 64), ("http://host", 4, 0), ("http://host", 4, 5000),
    ])
    func invalidConfiguration(url: String, dimension: Int, batchSize: Int) throws {
        let configuration = HTTPEmbedder.Configuration(baseURL: URL(string: url)!, model: "m", dimension: dimension,
                                                       batchSize: batchSize)
        let error = #expect(throws: EmbedError.self) { try HTTPEmbedder(configuration) }
        #expect(error?.code == .configuration)
        #expect(error?.message.contains("pw") == false)
    }

    @Test("429 and 503 are retried, Retry-After honoured and capped by maxBackoff")
    func retryAfter() async throws {
        let server = try await LocalHTTPServer(script: [
            .json(#"{"error":"slow down"}"#, status: 429, headers: [("Retry-After", "3")]),
            .json(#"{"error":"overloaded"}"#, status: 503, headers: [("Retry-After", "120")]),
            .json(#"{"data":[{"index":0,"embedding":[1,2,3,4]}]}"#),
        ])
        defer { server.stop() }
        let sleeper = SleepRecorder()
        let embedder = try HTTPEmbedder(Self.configuration(server), sleep: sleeper.sleep, jitter: .seeded(1))
        let vector = try await embedder.embed("t0")
        #expect(vector == [1, 2, 3, 4])
        #expect(server.requests.count == 3)
        #expect(sleeper.delays == [3, 8])
    }

    @Test("500s until the retry budget runs out: exactly maxAttempts requests, backoff doubling")
    func retryBudget() async throws {
        let server = try await LocalHTTPServer { _ in .text("upstream exploded", status: 500) }
        defer { server.stop() }
        let sleeper = SleepRecorder()
        let embedder = try HTTPEmbedder(Self.configuration(server, maxAttempts: 4), sleep: sleeper.sleep, jitter: .fixed(1))
        let error = await #expect(throws: EmbedError.self) { try await embedder.embed(["t0"]) }
        #expect(error?.code == .http)
        #expect(error?.message.contains("HTTP 500") == true)
        #expect(error?.message.contains("4 attempts") == true)
        #expect(error?.message.contains("upstream exploded") == true)
        #expect(server.requests.count == 4)
        #expect(sleeper.delays == [0.5, 1, 2])
    }

    @Test("full jitter stays within the doubling cap, which stops at maxBackoff")
    func jitterBounds() throws {
        let embedder = try HTTPEmbedder(Self.configuration(nil), jitter: .seeded(42))
        for attempt in 1...12 {
            let cap = min(8, 0.5 * pow(2, Double(attempt - 1)))
            for _ in 0..<50 {
                let delay = embedder.delay(afterAttempt: attempt, retryAfter: nil)
                #expect(delay >= 0 && delay <= cap)
            }
        }
        let a = try HTTPEmbedder(Self.configuration(nil), jitter: .seeded(7))
        let b = try HTTPEmbedder(Self.configuration(nil), jitter: .seeded(7))
        #expect((1...5).map { a.delay(afterAttempt: $0, retryAfter: nil) } == (1...5).map { b.delay(afterAttempt: $0, retryAfter: nil) })
    }

    @Test("400 is not retried; the message has the status and a short, sanitised excerpt without the key")
    func clientErrorNotRetried() async throws {
        let variable = Self.uniqueVariable()
        setenv(variable, "sk-secret-999", 1)
        defer { unsetenv(variable) }
        let body = "bad input\r\n\u{202E}key sk-secret-999 rejected " + String(repeating: "x", count: 1000)
        let server = try await LocalHTTPServer { _ in .text(body, status: 400) }
        defer { server.stop() }
        let sleeper = SleepRecorder()
        let embedder = try HTTPEmbedder(Self.configuration(server, keyVariable: variable), sleep: sleeper.sleep)
        let error = await #expect(throws: EmbedError.self) { try await embedder.embed(["t0"]) }
        #expect(error?.code == .http)
        let message = try #require(error?.message)
        #expect(message.contains("HTTP 400"))
        #expect(message.contains("bad input key [redacted] rejected"))
        #expect(!message.contains("sk-secret-999"))
        #expect(!message.contains("\n") && !message.contains("\u{202E}"))
        #expect(message.count < 400)
        #expect(HTTPEmbedder.excerpt(Data(body.utf8), redacting: nil).count <= 200)
        #expect(server.requests.count == 1)
        #expect(sleeper.delays.isEmpty)
    }

    @Test("malformed or incomplete responses are .invalidResponse and not retried", arguments: [
        "{not json", #"{"object":"list"}"#, #"{"data":[{"index":0,"embedding":[1,2,3,4]}]}"#,
        #"{"data":[{"index":0,"embedding":[1,2,3,4]},{"index":0,"embedding":[1,2,3,4]}]}"#,
        #"{"data":[{"index":0,"embedding":[1,2,3,1e400]},{"index":1,"embedding":[1,2,3,4]}]}"#,
        #"{"data":[{"index":0,"embedding":[1,2,3,"NaN"]},{"index":1,"embedding":[1,2,3,4]}]}"#,
        #"{"data":[{"index":0,"embedding":[1,2,3,4]},{"index":5,"embedding":[1,2,3,4]}]}"#,
        #"{"data":[{"index":0,"embedding":[1,2,3,4]},{"embedding":[1,2,3,4]}]}"#,
        #"[1,2]"#,
    ])
    func invalidResponse(body: String) async throws {
        let server = try await LocalHTTPServer { _ in .json(body) }
        defer { server.stop() }
        let sleeper = SleepRecorder()
        let embedder = try HTTPEmbedder(Self.configuration(server), sleep: sleeper.sleep)
        let error = await #expect(throws: EmbedError.self) { try await embedder.embed(["t0", "t1"]) }
        #expect(error?.code == .invalidResponse)
        #expect(server.requests.count == 1)
    }

    @Test("a vector of another length is .dimensionMismatch naming both numbers")
    func wrongDimension() async throws {
        let server = try await LocalHTTPServer(handler: Self.echoHandler(dimension: 3))
        defer { server.stop() }
        let embedder = try HTTPEmbedder(Self.configuration(server, dimension: 4))
        let error = await #expect(throws: EmbedError.self) { try await embedder.embed(["t0"]) }
        #expect(error?.code == .dimensionMismatch)
        #expect(error?.message.contains("3-dimensional") == true)
        #expect(error?.message.contains("dimension is 4") == true)
    }

    @Test("a body over maxResponseBytes is refused")
    func oversizedResponse() async throws {
        let server = try await LocalHTTPServer { _ in .json(#"{"data":[{"index":0,"embedding":[\#(String(repeating: "0.125,", count: 2000))1]}]}"#) }
        defer { server.stop() }
        var configuration = Self.configuration(server)
        configuration.maxResponseBytes = 4096
        let embedder = try HTTPEmbedder(configuration, sleep: SleepRecorder().sleep)
        let error = await #expect(throws: EmbedError.self) { try await embedder.embed(["t0"]) }
        #expect(error?.code == .invalidResponse)
        #expect(error?.message.contains("maxResponseBytes") == true)
        #expect(server.requests.count == 1)
    }

    @Test("a redirect is not followed")
    func redirectRefused() async throws {
        let server = try await LocalHTTPServer { _ in
            LocalHTTPServer.Response(status: 302, headers: [("Location", "http://169.254.169.254/v1/embeddings")])
        }
        defer { server.stop() }
        let embedder = try HTTPEmbedder(Self.configuration(server), sleep: SleepRecorder().sleep)
        let error = await #expect(throws: EmbedError.self) { try await embedder.embed(["t0"]) }
        #expect(error?.code == .http)
        #expect(server.requests.count == 1)
    }

    @Test("a request slower than requestTimeout is .timeout after the retries")
    func timeout() async throws {
        // The server answers one connection at a time, so the second attempt waits behind the
        // first one's delay and times out too.
        // A 10 s answer against a 0.1 s timeout: the bound below is loose enough for a loaded CI
        // machine (other suites run in parallel) and still far under what no timeout would take.
        let server = try await LocalHTTPServer { _ in .json(#"{"data":[{"index":0,"embedding":[1,2,3,4]}]}"#, delay: 10) }
        defer { server.stop() }
        var configuration = Self.configuration(server, maxAttempts: 2)
        configuration.requestTimeout = 0.1
        let sleeper = SleepRecorder()
        let embedder = try HTTPEmbedder(configuration, sleep: sleeper.sleep)
        let started = Date()
        let error = await #expect(throws: EmbedError.self) { try await embedder.embed(["t0"]) }
        // No wall-clock bound: other suites run in parallel and may hold the cooperative
        // threads; the `.timeout` code itself proves the deadline fired (the server's answer
        // would have been a success).
        _ = started
        #expect(error?.code == .timeout)
        #expect(error?.message.contains("2 attempts") == true)
        #expect(sleeper.delays.count == 1)
    }

    @Test("cancelling the calling task ends a slow request at once")
    func cancellation() async throws {
        let server = try await LocalHTTPServer { _ in .json(#"{"data":[{"index":0,"embedding":[1,2,3,4]}]}"#, delay: 10) }
        defer { server.stop() }
        let embedder = try HTTPEmbedder(Self.configuration(server))
        let started = Date()
        let task = Task { try await embedder.embed(["t0"]) }
        try await Task.sleep(nanoseconds: 100_000_000)
        task.cancel()
        let result = await task.result
        _ = started  // see the timeout test: a CancellationError (not a success) is the proof
        #expect(throws: CancellationError.self) { try result.get() }
    }

    @Test("connection refused is .connection after maxAttempts tries")
    func connectionRefused() async throws {
        let refusing = try LocalHTTPServer.RefusingPort()
        let sleeper = SleepRecorder()
        let embedder = try HTTPEmbedder(Self.configuration(nil, port: refusing.port, maxAttempts: 3), sleep: sleeper.sleep)
        let error = await #expect(throws: EmbedError.self) { try await embedder.embed(["t0"]) }
        #expect(error?.code == .connection)
        #expect(error?.message.contains("3 attempts") == true)
        #expect(sleeper.delays.count == 2)
    }
}
