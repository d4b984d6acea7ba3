import Foundation
import QuarryGenerate
import QuarryTesting
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `OpenAIChatClient` against a real server on 127.0.0.1 (`LocalHTTPServer`), with the retry
/// sleep replaced by a recorder so no test waits for a backoff.
@Suite struct ChatClientTests {
    typealias Piece = LocalHTTPServer.Response.Piece

    static let messages: [ChatMessage] = [.system("Answer from the context."), .user("What is BM25?")]

    static let completion = #"""
        {"id":"c1","object":"chat.completion","model":"test-model-2024","choices":[{"index":0,
         "message":{"role":"assistant","content":"A ranking function [1]."},"finish_reason":"stop"}],
         "usage":{"prompt_tokens":42,"completion_tokens":7,"total_tokens":49}}
        """#

    static func chunk(_ content: String?, finish: String? = nil) -> String {
        let delta = content.map { #"{"content":"\#($0)"}"# } ?? #"{"role":"assistant"}"#
        let reason = finish.map { #""\#($0)""# } ?? "null"
        return #"{"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":\#(delta),"finish_reason":\#(reason)}]}"#
    }

    static func configuration(_ server: LocalHTTPServer?, port: UInt16? = nil, keyVariable: String = uniqueVariable(),
                              maxAttempts: Int = 3, requestTimeout: Double = 10) -> OpenAIChatClient.Configuration {
        let port = server?.port ?? port ?? 9
        return OpenAIChatClient.Configuration(baseURL: URL(string: "http://127.0.0.1:\(port)")!, model: "test-model",
                                              requestTimeout: requestTimeout, maxAttempts: maxAttempts,
                                              apiKeyEnvironmentVariable: keyVariable)
    }

    static func uniqueVariable() -> String { "QUARRY_TEST_KEY_\(UUID().uuidString.replacingOccurrences(of: "-", with: "_"))" }

    static func collect(_ stream: AsyncThrowingStream<String, Error>) async throws -> [String] {
        var tokens: [String] = []
        for try await token in stream { tokens.append(token) }
        return tokens
    }

    @Test("a plain answer: text, model, finish reason and usage; the request carries model, messages, stream false")
    func plainCompletion() async throws {
        let server = try await LocalHTTPServer(script: [.json(Self.completion)])
        defer { server.stop() }
        let variable = Self.uniqueVariable()
        setenv(variable, "sk-chat-123", 1)
        defer { unsetenv(variable) }
        let client = try OpenAIChatClient(Self.configuration(server, keyVariable: variable))

        let answer = try await client.complete(Self.messages)

        #expect(answer == ChatCompletion(text: "A ranking function [1].", model: "test-model-2024", finishReason: "stop",
                                         promptTokens: 42, completionTokens: 7))
        let request = try #require(server.requests.first)
        #expect(request.method == "POST")
        #expect(request.path == "/v1/chat/completions")
        #expect(request.header("authorization") == "Bearer sk-chat-123")
        #expect(request.header("content-type")?.hasPrefix("application/json") == true)
        let object = try #require(try JSONSerialization.jsonObject(with: request.body) as? [String: Any])
        #expect(object["model"] as? String == "test-model")
        #expect(object["stream"] as? Bool == false)
        #expect(object["temperature"] as? Double == 0.1)
        #expect(object["max_tokens"] as? Int == 512)
        let sent = try #require(object["messages"] as? [[String: String]])
        #expect(sent == [["role": "system", "content": "Answer from the context."], ["role": "user", "content": "What is BM25?"]])
    }

    @Test("a streamed answer: role-only first delta, a comment, CRLF, events split across pieces, then [DONE]")
    func streamedAnswer() async throws {
        let events = [
            ": keep-alive\r\n\r\n",
            "data: \(Self.chunk(nil))\r\n\r\n",
            "data: \(Self.chunk("BM25"))\r\n\r\ndata: \(Self.chunk(" is a"))\r\n",
            "\r\ndata: \(Self.chunk(" ranking"))\r\n\r\n: still here\r\n\r\n",
            "data: \(Self.chunk(" function.", finish: "stop"))\r\n\r\n",
            "data: [DONE]\r\n\r\n",
        ]
        // Cut the whole text into uneven pieces so events and lines straddle the boundaries.
        let text = Array(events.joined().utf8)
        var pieces: [Piece] = []
        var start = 0
        for (index, size) in [7, 150, 61, 200, 3, 90, 1000].enumerated() where start < text.count {
            let end = min(start + size, text.count)
            pieces.append(Piece(delay: index == 0 ? 0 : 0.02, Data(text[start..<end])))
            start = end
        }
        if start < text.count { pieces.append(Piece(delay: 0.02, Data(text[start...]))) }
        let server = try await LocalHTTPServer(script: [.eventStream(pieces)])
        defer { server.stop() }
        let client = try OpenAIChatClient(Self.configuration(server))

        let tokens = try await Self.collect(client.stream(Self.messages))

        #expect(tokens == ["BM25", " is a", " ranking", " function."])
        let request = try #require(server.requests.first)
        #expect(request.header("accept") == "text/event-stream")
        let object = try #require(try JSONSerialization.jsonObject(with: request.body) as? [String: Any])
        #expect(object["stream"] as? Bool == true)
        #expect(object["model"] as? String == "test-model")
        #expect((object["messages"] as? [Any])?.count == 2)
    }

    @Test("a 429 with Retry-After, then success: one retry after the server's delay", arguments: [false, true])
    func retryAfter(streamed: Bool) async throws {
        let success: LocalHTTPServer.Response = streamed
            ? .eventStream([Piece("data: \(Self.chunk("ok"))\n\ndata: [DONE]\n\n")]) : .json(Self.completion)
        let server = try await LocalHTTPServer(script: [.json(#"{"error":"rate limited"}"#, status: 429, headers: [("Retry-After", "2")]),
                                                  success])
        defer { server.stop() }
        let sleeper = LocalHTTPServer.SleepRecorder()
        let client = try OpenAIChatClient(Self.configuration(server), sleep: sleeper.sleep, jitter: .fixed(1))
        if streamed {
            #expect(try await Self.collect(client.stream(Self.messages)) == ["ok"])
        } else {
            #expect(try await client.complete(Self.messages).text == "A ranking function [1].")
        }
        #expect(server.requests.count == 2)
        #expect(sleeper.delays == [2])
    }

    @Test("a server slower than requestTimeout is .timeout", arguments: [false, true])
    func timeout(streamed: Bool) async throws {
        let server = try await LocalHTTPServer(script: [.json(Self.completion, delay: 3)])
        defer { server.stop() }
        let sleeper = LocalHTTPServer.SleepRecorder()
        let client = try OpenAIChatClient(Self.configuration(server, maxAttempts: 1, requestTimeout: 0.2), sleep: sleeper.sleep)
        let error = await #expect(throws: GenerateError.self) {
            if streamed { _ = try await Self.collect(client.stream(Self.messages)) } else { _ = try await client.complete(Self.messages) }
        }
        #expect(error?.code == .timeout)
        #expect(error?.message.contains("1 attempt") == true)
        #expect(sleeper.delays.isEmpty)
    }

    @Test("a malformed answer is .invalidResponse with a sanitised excerpt, not retried", arguments: [
        "{not json", #"{"choices":"many"}"#, #"{"object":"list"}"#, "[1,2]",
    ])
    func malformed(body: String) async throws {
        let server = try await LocalHTTPServer { _ in .json(body + "\u{1B}[2J") }
        defer { server.stop() }
        let sleeper = LocalHTTPServer.SleepRecorder()
        let client = try OpenAIChatClient(Self.configuration(server), sleep: sleeper.sleep)
        let error = await #expect(throws: GenerateError.self) { try await client.complete(Self.messages) }
        #expect(error?.code == .invalidResponse)
        #expect(error?.message.contains("\u{1B}") == false)
        #expect(server.requests.count == 1)
    }

    @Test("a malformed streamed event is .invalidResponse")
    func malformedEvent() async throws {
        let server = try await LocalHTTPServer(script: [.eventStream([Piece("data: {\"choices\": [oops\n\n")])])
        defer { server.stop() }
        let client = try OpenAIChatClient(Self.configuration(server), sleep: LocalHTTPServer.SleepRecorder().sleep)
        let error = await #expect(throws: GenerateError.self) { _ = try await Self.collect(client.stream(Self.messages)) }
        #expect(error?.code == .invalidResponse)
        #expect(server.requests.count == 1)
    }

    @Test("an empty or missing answer is .emptyAnswer", arguments: [
        #"{"choices":[{"message":{"role":"assistant","content":""},"finish_reason":"stop"}]}"#,
        #"{"choices":[{"message":{"role":"assistant","content":null},"finish_reason":"content_filter"}]}"#,
        #"{"choices":[{"message":{"role":"assistant","content":"  \n"}}]}"#,
    ])
    func emptyAnswer(body: String) async throws {
        let server = try await LocalHTTPServer { _ in .json(body) }
        defer { server.stop() }
        let client = try OpenAIChatClient(Self.configuration(server))
        let error = await #expect(throws: GenerateError.self) { try await client.complete(Self.messages) }
        #expect(error?.code == .emptyAnswer)
    }

    @Test("a stream with no text before [DONE] is .emptyAnswer")
    func emptyStream() async throws {
        let server = try await LocalHTTPServer(script: [.eventStream([Piece("data: \(Self.chunk(nil))\n\ndata: [DONE]\n\n")])])
        defer { server.stop() }
        let client = try OpenAIChatClient(Self.configuration(server))
        let error = await #expect(throws: GenerateError.self) { _ = try await Self.collect(client.stream(Self.messages)) }
        #expect(error?.code == .emptyAnswer)
    }

    @Test("leaving the loop after the first token ends the call without waiting for the rest")
    func consumerStopsEarly() async throws {
        let server = try await LocalHTTPServer(script: [.eventStream([Piece("data: \(Self.chunk("first"))\n\n"),
                                                                Piece(delay: 3, "data: [DONE]\n\n")])])
        defer { server.stop() }
        let client = try OpenAIChatClient(Self.configuration(server))
        var tokens: [String] = []
        for try await token in client.stream(Self.messages) {
            tokens.append(token)
            break
        }
        #expect(tokens == ["first"])
    }

    @Test("a 401 is not retried and the key never appears in the message", arguments: [false, true])
    func unauthorized(streamed: Bool) async throws {
        let variable = Self.uniqueVariable()
        setenv(variable, "sk-very-secret-42", 1)
        defer { unsetenv(variable) }
        let server = try await LocalHTTPServer { _ in
            .json(#"{"error":{"message":"Incorrect API key provided: sk-very-secret-42"}}"#, status: 401)
        }
        defer { server.stop() }
        let sleeper = LocalHTTPServer.SleepRecorder()
        let client = try OpenAIChatClient(Self.configuration(server, keyVariable: variable), sleep: sleeper.sleep)
        let error = await #expect(throws: GenerateError.self) {
            if streamed { _ = try await Self.collect(client.stream(Self.messages)) } else { _ = try await client.complete(Self.messages) }
        }
        #expect(error?.code == .http)
        let message = try #require(error?.message)
        #expect(message.contains("HTTP 401"))
        #expect(message.contains("$\(variable)"))
        #expect(message.contains("[redacted]"))
        #expect(!message.contains("sk-very-secret-42"))
        #expect(server.requests.count == 1)
        #expect(sleeper.delays.isEmpty)
    }

    @Test("a 503 before the first token is retried; the tokens come once")
    func streamRetriedBeforeFirstToken() async throws {
        let server = try await LocalHTTPServer(script: [
            .text("warming up", status: 503),
            .eventStream([Piece("data: \(Self.chunk("a"))\n\n"), Piece(delay: 0.02, "data: \(Self.chunk("b"))\n\ndata: [DONE]\n\n")]),
        ])
        defer { server.stop() }
        let sleeper = LocalHTTPServer.SleepRecorder()
        let client = try OpenAIChatClient(Self.configuration(server), sleep: sleeper.sleep, jitter: .fixed(1))
        #expect(try await Self.collect(client.stream(Self.messages)) == ["a", "b"])
        #expect(sleeper.delays == [0.5])
    }

    @Test("a stream that breaks after tokens ends with an error, is not retried, and keeps what came", arguments: [
        "cut", "stall",
    ])
    func streamBrokenAfterTokens(how: String) async throws {
        let first = Piece("data: \(Self.chunk("partial"))\n\n")
        let response: LocalHTTPServer.Response = how == "cut"
            ? .eventStream([first, Piece(delay: 0.02, "data: \(Self.chunk(" answer"))\n\n")])
            : .eventStream([first, Piece(delay: 30, "data: [DONE]\n\n")])
        let server = try await LocalHTTPServer(script: [response, .json(Self.completion)])
        defer { server.stop() }
        let sleeper = LocalHTTPServer.SleepRecorder()
        let client = try OpenAIChatClient(Self.configuration(server, requestTimeout: how == "cut" ? 10 : 2), sleep: sleeper.sleep)
        var tokens: [String] = []
        let error = await #expect(throws: GenerateError.self) {
            for try await token in client.stream(Self.messages) { tokens.append(token) }
        }
        #expect(tokens == (how == "cut" ? ["partial", " answer"] : ["partial"]))
        #expect(error?.code == (how == "cut" ? .connection : .timeout))
        #expect(error?.message.contains(how == "cut" ? "broke off after 2 tokens" : "broke off after 1 token:") == true)
        #expect(server.requests.count == 1)
        #expect(sleeper.delays.isEmpty)
    }

    @Test("an error event from the server ends the stream with .http")
    func errorEvent() async throws {
        let server = try await LocalHTTPServer(script: [.eventStream([
            Piece("data: \(Self.chunk("a"))\n\ndata: {\"error\":{\"message\":\"model overloaded\"}}\n\n"),
        ])])
        defer { server.stop() }
        let client = try OpenAIChatClient(Self.configuration(server))
        let error = await #expect(throws: GenerateError.self) { _ = try await Self.collect(client.stream(Self.messages)) }
        #expect(error?.code == .http)
        #expect(error?.message.contains("model overloaded") == true)
    }

    @Test("a server that ignores stream: true and answers JSON still streams the answer")
    func jsonInsteadOfStream() async throws {
        let server = try await LocalHTTPServer(script: [.json(Self.completion)])
        defer { server.stop() }
        let client = try OpenAIChatClient(Self.configuration(server))
        #expect(try await Self.collect(client.stream(Self.messages)) == ["A ranking function [1]."])
    }

    @Test("connection refused is .connection after maxAttempts tries")
    func connectionRefused() async throws {
        let closed = try LocalHTTPServer.RefusingPort()
        let sleeper = LocalHTTPServer.SleepRecorder()
        let client = try OpenAIChatClient(Self.configuration(nil, port: closed.port, maxAttempts: 2), sleep: sleeper.sleep)
        let error = await #expect(throws: GenerateError.self) { _ = try await client.complete(Self.messages) }
        #expect(error?.code == .connection)
        #expect(error?.message.contains("2 attempts") == true)
        #expect(sleeper.delays.count == 1)
        withExtendedLifetime(closed) {}
    }

    @Test("identity and endpoint; a base ending in /v1 isn't doubled")
    func identity() throws {
        let client = try OpenAIChatClient(.init(baseURL: URL(string: "https://api.openai.com/v1/")!, model: "gpt-4o-mini"))
        #expect(client.endpoint.absoluteString == "https://api.openai.com/v1/chat/completions")
        #expect(client.identity == "openai-chat:gpt-4o-mini@https://api.openai.com/v1/chat/completions")
        let local = try OpenAIChatClient(.init(baseURL: URL(string: "http://localhost:11434")!, model: "llama3.1:8b"))
        #expect(local.endpoint.absoluteString == "http://localhost:11434/v1/chat/completions")
    }

    @Test("invalid configurations and empty input are refused as .configuration")
    func invalidConfiguration() async throws {
        let base = URL(string: "http://host")!
        let bad: [OpenAIChatClient.Configuration] = [
            .init(baseURL: URL(string: "file:///etc/passwd")!, model: "m"),
            .init(baseURL: URL(string: "http://user:pw@host")!, model: "m"),
            .init(baseURL: base, model: " "),
            .init(baseURL: base, model: "m", temperature: 3),
            .init(baseURL: base, model: "m", maxTokens: 0),
            .init(baseURL: base, model: "m", requestTimeout: 0),
            .init(baseURL: base, model: "m", maxAttempts: 0),
            .init(baseURL: base, model: "m", maxResponseBytes: 10),
        ]
        for configuration in bad {
            let error = #expect(throws: GenerateError.self) { try OpenAIChatClient(configuration) }
            #expect(error?.code == .configuration)
            #expect(error?.message.contains("pw") == false)
        }
        let client = try OpenAIChatClient(.init(baseURL: base, model: "m"))
        let error = await #expect(throws: GenerateError.self) { try await client.complete([]) }
        #expect(error?.code == .configuration)
    }
}
