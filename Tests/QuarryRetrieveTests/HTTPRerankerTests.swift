import Foundation
import QuarryRetrieve
import QuarryTesting
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `HTTPReranker` against a real server on 127.0.0.1 speaking each rerank API, with the retry
/// sleep replaced by a recorder so no test waits for a backoff.
@Suite struct HTTPRerankerTests {
    static let passages = ["alpha", "beta", "gamma", "delta"]

    /// Passage "p" scores 1 / (1 + its position in the request); results come back best first
    /// (the reverse of input order for these passages' scores), as the real APIs sort them.
    static func handler(_ api: HTTPReranker.API) -> @Sendable (LocalHTTPServer.Request) -> LocalHTTPServer.Response {
        { request in
            guard let object = try? JSONSerialization.jsonObject(with: request.body) as? [String: Any],
                  let texts = (object[api == .tei ? "texts" : "documents"] as? [String]) else {
                return .json(#"{"error":"bad request"}"#, status: 400)
            }
            let scored = texts.indices.map { (index: $0, score: Double(texts.count - $0) / 10) }.sorted { $0.score > $1.score }
            switch api {
            case .tei:
                return .json("[" + scored.map { #"{"index":\#($0.index),"score":\#($0.score)}"# }.joined(separator: ",") + "]")
            case .cohere, .jina:
                let results = scored.map {
                    #"{"index":\#($0.index),"relevance_score":\#($0.score),"document":{"text":"\#(texts[$0.index])"}}"#
                }
                return .json(#"{"model":"m","results":["# + results.joined(separator: ",") + "]}")
            }
        }
    }

    static func configuration(_ server: LocalHTTPServer, api: HTTPReranker.API, keyVariable: String = uniqueVariable(),
                              batchSize: Int = 32) -> HTTPReranker.Configuration {
        HTTPReranker.Configuration(baseURL: server.baseURL, model: "rerank-test", api: api,
                                   apiKeyEnvironmentVariable: keyVariable, batchSize: batchSize)
    }

    static func uniqueVariable() -> String { "QUARRY_TEST_KEY_\(UUID().uuidString.replacingOccurrences(of: "-", with: "_"))" }

    @Test("each API: the right path and request shape; scores come back in input order", arguments: HTTPReranker.API.allCases)
    func apiShapes(api: HTTPReranker.API) async throws {
        let server = try await LocalHTTPServer(handler: Self.handler(api))
        defer { server.stop() }
        let variable = Self.uniqueVariable()
        setenv(variable, "rk-123", 1)
        defer { unsetenv(variable) }
        let reranker = try HTTPReranker(Self.configuration(server, api: api, keyVariable: variable))

        let scores = try await reranker.scores(query: "which letter?", passages: Self.passages)

        #expect(scores == [0.4, 0.3, 0.2, 0.1])
        let request = try #require(server.requests.first)
        #expect(request.path == (api == .tei ? "/rerank" : "/v1/rerank"))
        #expect(request.header("authorization") == "Bearer rk-123")
        let object = try #require(try JSONSerialization.jsonObject(with: request.body) as? [String: Any])
        #expect(object["query"] as? String == "which letter?")
        switch api {
        case .tei:
            #expect(object["texts"] as? [String] == Self.passages)
            #expect(object["raw_scores"] as? Bool == false)
        case .cohere, .jina:
            #expect(object["model"] as? String == "rerank-test")
            #expect(object["documents"] as? [String] == Self.passages)
            #expect(object["top_n"] as? Int == 4)
        }
        #expect(reranker.identity == "http-rerank:\(api.rawValue):rerank-test@\(reranker.endpoint.absoluteString)")
    }

    @Test("more passages than batchSize go out in batches and still come back in order")
    func batches() async throws {
        let server = try await LocalHTTPServer(handler: Self.handler(.tei))
        defer { server.stop() }
        let reranker = try HTTPReranker(Self.configuration(server, api: .tei, batchSize: 3))
        let scores = try await reranker.scores(query: "q", passages: Self.passages + ["epsilon"])
        #expect(scores == [0.3, 0.2, 0.1, 0.2, 0.1])
        #expect(server.requests.count == 2)
        #expect(try await reranker.scores(query: "q", passages: []).isEmpty)
        #expect(server.requests.count == 2)
    }

    @Test("a 429 with Retry-After, then success")
    func retryAfter() async throws {
        let server = try await LocalHTTPServer(script: [
            .json(#"{"message":"too many requests"}"#, status: 429, headers: [("Retry-After", "1")]),
            .json(#"{"results":[{"index":1,"relevance_score":0.9},{"index":0,"relevance_score":0.1}]}"#),
        ])
        defer { server.stop() }
        let sleeper = LocalHTTPServer.SleepRecorder()
        let reranker = try HTTPReranker(Self.configuration(server, api: .cohere), sleep: sleeper.sleep, jitter: .fixed(1))
        #expect(try await reranker.scores(query: "q", passages: ["a", "b"]) == [0.1, 0.9])
        #expect(server.requests.count == 2)
        #expect(sleeper.delays == [1])
    }

    @Test("answers that don't score every passage exactly once with a finite number are refused, not retried", arguments: [
        "{not json",
        #"{"results":[{"index":0,"relevance_score":0.5}]}"#,
        #"{"results":[{"index":0,"relevance_score":0.5},{"relevance_score":0.4}]}"#,
        #"{"results":[{"index":0,"relevance_score":0.5},{"index":0,"relevance_score":0.4}]}"#,
        #"{"results":[{"index":0,"relevance_score":0.5},{"index":2,"relevance_score":0.4}]}"#,
        #"{"results":[{"index":0,"relevance_score":0.5},{"index":-1,"relevance_score":0.4}]}"#,
        #"{"results":[{"index":0,"relevance_score":0.5},{"index":1}]}"#,
        #"{"results":[{"index":0,"relevance_score":0.5},{"index":1,"relevance_score":1e400}]}"#,
        #"{"results":[{"index":0,"relevance_score":0.5},{"index":1,"relevance_score":"high"}]}"#,
        #"{"data":[]}"#,
    ])
    func invalidAnswers(body: String) async throws {
        let server = try await LocalHTTPServer { _ in .json(body) }
        defer { server.stop() }
        let sleeper = LocalHTTPServer.SleepRecorder()
        let reranker = try HTTPReranker(Self.configuration(server, api: .jina), sleep: sleeper.sleep)
        let error = await #expect(throws: RetrieveError.self) { try await reranker.scores(query: "q", passages: ["a", "b"]) }
        #expect(error?.description.contains("rerank response from") == true)
        #expect(server.requests.count == 1)
        #expect(sleeper.delays.isEmpty)
    }

    @Test("a TEI answer missing an index is refused")
    func teiMissingIndex() async throws {
        let server = try await LocalHTTPServer { _ in .json(#"[{"index":1,"score":0.2},{"index":1,"score":0.3}]"#) }
        defer { server.stop() }
        let reranker = try HTTPReranker(Self.configuration(server, api: .tei))
        let error = await #expect(throws: RetrieveError.self) { try await reranker.scores(query: "q", passages: ["a", "b"]) }
        #expect(error?.description.contains("repeats index 1") == true)
    }

    @Test("a 401 is not retried and the key is redacted")
    func unauthorized() async throws {
        let variable = Self.uniqueVariable()
        setenv(variable, "rk-secret-77", 1)
        defer { unsetenv(variable) }
        let server = try await LocalHTTPServer { _ in .json(#"{"message":"invalid api token rk-secret-77"}"#, status: 401) }
        defer { server.stop() }
        let sleeper = LocalHTTPServer.SleepRecorder()
        let reranker = try HTTPReranker(Self.configuration(server, api: .cohere, keyVariable: variable), sleep: sleeper.sleep)
        let error = await #expect(throws: RetrieveError.self) { try await reranker.scores(query: "q", passages: ["a"]) }
        let message = try #require(error?.description)
        #expect(message.contains("HTTP 401") && message.contains("[redacted]") && !message.contains("rk-secret-77"))
        #expect(server.requests.count == 1)
        #expect(sleeper.delays.isEmpty)
    }

    @Test("invalid configurations are refused")
    func invalidConfiguration() throws {
        let base = URL(string: "http://host")!
        #expect(throws: RetrieveError.self) { try HTTPReranker(.init(baseURL: URL(string: "ftp://host")!, model: "m", api: .tei)) }
        #expect(throws: RetrieveError.self) { try HTTPReranker(.init(baseURL: base, model: "", api: .cohere)) }
        #expect(throws: RetrieveError.self) { try HTTPReranker(.init(baseURL: base, model: "m", api: .jina, batchSize: 0)) }
        #expect(throws: RetrieveError.self) { try HTTPReranker(.init(baseURL: base, model: "m", api: .tei, maxAttempts: 0)) }
        _ = try HTTPReranker(.init(baseURL: base, model: "", api: .tei))
    }
}
