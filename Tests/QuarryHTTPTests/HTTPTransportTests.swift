import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import QuarryHTTP
import QuarryTesting
import Testing

/// The streaming side of `HTTPTransport` against `LocalHTTPServer` sending timed pieces (and
/// `CloseDelimitedServer` for a body that ends when the connection closes). (The
/// buffered side is exercised by the embedder, chat and rerank tests.)
@Suite struct HTTPTransportTests {
    static func request(_ server: LocalHTTPServer) -> URLRequest { request(server.baseURL) }

    static func request(_ server: CloseDelimitedServer) -> URLRequest { request(server.baseURL) }

    static func request(_ base: URL) -> URLRequest {
        var request = URLRequest(url: base.appendingPathComponent("stream"))
        request.httpMethod = "POST"
        request.httpBody = Data("{}".utf8)
        return request
    }

    static func chunks(_ reply: HTTPStreamingReply) async throws -> [String] {
        var chunks: [String] = []
        for try await chunk in reply.body { chunks.append(String(decoding: chunk, as: UTF8.self)) }
        return chunks
    }

    @Test("the head arrives before the body; chunks arrive as the server sends them, in order")
    func streamsInOrder() async throws {
        let server = try await LocalHTTPServer(script: [.eventStream([.init("one "), .init(delay: 1, "two "), .init(delay: 0.05, "three")],
                                                               headers: [("X-Trace", "abc")])])
        defer { server.stop() }
        // Generous limits: this checks order and chunking, not timeouts (the next tests do),
        // and a clean-clone CI run with every suite at once starved it past a 5 s idle limit.
        let reply = try await HTTPTransport.shared.stream(Self.request(server), limit: 1 << 20, timeout: 60, idleTimeout: 30)
        #expect(reply.status == 200)
        #expect(reply.header("x-trace") == "abc")
        #expect(reply.header("Content-Type") == "text/event-stream")
        let chunks = try await Self.chunks(reply)
        #expect(chunks.joined() == "one two three")
        // The 1 s pause separates "one " from the rest: it was delivered on its own.
        #expect(chunks.first == "one ")
    }

    // The windows below are seconds wide, not tenths: with every suite running at once on two
    // cores the head alone has taken over 0.4 s to arrive, which failed these tests in CI.
    @Test("a server silent for longer than idleTimeout ends the body with .stalled")
    func idleTimeout() async throws {
        let server = try await LocalHTTPServer(script: [.eventStream([.init("one"), .init(delay: 30, "two")])])
        defer { server.stop() }
        let reply = try await HTTPTransport.shared.stream(Self.request(server), limit: 1 << 20, timeout: 60, idleTimeout: 2)
        var received = ""
        let error = await #expect(throws: HTTPTransport.Failure.self) {
            for try await chunk in reply.body { received += String(decoding: chunk, as: UTF8.self) }
        }
        #expect(error == .stalled(2))
        #expect(received == "one")
    }

    @Test("a server that keeps trickling past the deadline ends the body with .timedOut")
    func deadline() async throws {
        let pieces = (0..<300).map { _ in LocalHTTPServer.Response.Piece(delay: 0.1, "x") }
        let server = try await LocalHTTPServer(script: [.eventStream(pieces)])
        defer { server.stop() }
        let reply = try await HTTPTransport.shared.stream(Self.request(server), limit: 1 << 20, timeout: 2, idleTimeout: 20)
        let error = await #expect(throws: HTTPTransport.Failure.self) { _ = try await Self.chunks(reply) }
        #expect(error == .timedOut)
    }

    @Test("a silent server before the head is .stalled from stream() itself")
    func silentBeforeHead() async throws {
        let server = try await LocalHTTPServer(script: [.json("{}", delay: 3)])
        defer { server.stop() }
        let error = await #expect(throws: HTTPTransport.Failure.self) {
            _ = try await HTTPTransport.shared.stream(Self.request(server), limit: 1 << 20, timeout: 10, idleTimeout: 0.3)
        }
        #expect(error == .stalled(0.3))
    }

    @Test("an announced length over the limit is refused before any body byte")
    func announcedLimit() async throws {
        let piece = String(repeating: "y", count: 3000)
        let server = try await LocalHTTPServer(script: [.eventStream([.init(piece), .init(delay: 0.05, piece)])])
        defer { server.stop() }
        let error = await #expect(throws: HTTPTransport.Failure.self) {
            _ = try await HTTPTransport.shared.stream(Self.request(server), limit: 4000, timeout: 10, idleTimeout: 5)
        }
        #expect(error == .tooLarge(4000))
    }

    @Test("without an announced length, the limit counts the chunks as they arrive", arguments: ["chunked", "close-delimited"])
    func runningLimit(framing: String) async throws {
        let piece = String(repeating: "y", count: 3000)
        let pieces: [LocalHTTPServer.Response.Piece] = [.init(piece), .init(delay: 0.1, piece)]
        let chunked = framing == "chunked" ? try await LocalHTTPServer(script: [.eventStream(pieces, declaresLength: false)]) : nil
        let closing = framing == "chunked" ? nil : try await CloseDelimitedServer(pieces: pieces)
        defer {
            chunked?.stop()
            closing?.stop()
        }
        let request = chunked.map(Self.request) ?? Self.request(closing!)
        let reply = try await HTTPTransport.shared.stream(request, limit: 4000, timeout: 10, idleTimeout: 5)
        var received = 0
        let error = await #expect(throws: HTTPTransport.Failure.self) {
            for try await chunk in reply.body { received += chunk.count }
        }
        #expect(error == .tooLarge(4000))
        #expect(received == 3000)
    }

    @Test("without an announced length, closing the connection ends the body normally")
    func closeDelimited() async throws {
        let server = try await CloseDelimitedServer(headers: [("Content-Type", "text/event-stream")],
                                                    pieces: [.init("a"), .init(delay: 0.05, "b")])
        defer { server.stop() }
        let reply = try await HTTPTransport.shared.stream(Self.request(server), limit: 4000, timeout: 10, idleTimeout: 5)
        #expect(try await Self.chunks(reply).joined() == "ab")
    }

    @Test("a non-2xx streamed reply can be read whole for its error message")
    func collectErrorBody() async throws {
        let server = try await LocalHTTPServer(script: [.json(#"{"error":"overloaded"}"#, status: 503, headers: [("Retry-After", "2")])])
        defer { server.stop() }
        let reply = try await HTTPTransport.shared.stream(Self.request(server), limit: 1 << 20, timeout: 10, idleTimeout: 5)
        let whole = try await reply.collect()
        #expect(whole.status == 503)
        #expect(String(decoding: whole.body, as: UTF8.self) == #"{"error":"overloaded"}"#)
        #expect(HTTPStatusClass.retryAfter(whole) == 2)
    }

    @Test("cancelling the consuming task stops the transfer: later pieces never arrive")
    func cancellation() async throws {
        let server = try await LocalHTTPServer(script: [.eventStream([.init("first"), .init(delay: 20, "second")])])
        defer { server.stop() }
        let reply = try await HTTPTransport.shared.stream(Self.request(server), limit: 1 << 20, timeout: 10, idleTimeout: 10)
        let (firstArrived, signal) = AsyncStream<Void>.makeStream()
        let consumer = Task {
            var received = ""
            do {
                for try await chunk in reply.body {
                    received += String(decoding: chunk, as: UTF8.self)
                    signal.yield()
                }
            } catch {}
            return received
        }
        // Cancel only once the first piece is in, however loaded the machine is.
        for await _ in firstArrived { break }
        consumer.cancel()
        // The first piece may arrive in parts on a loaded machine; the second never does.
        let received = await consumer.value
        #expect(!received.isEmpty && "first".hasPrefix(received))
    }

    @Test("a request to a closed port fails with a transport error")
    func refused() async throws {
        let closed = try LocalHTTPServer.RefusingPort()
        defer { withExtendedLifetime(closed) {} }
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(closed.port)/x")!)
        request.httpMethod = "GET"
        let error = await #expect(throws: HTTPTransport.Failure.self) {
            _ = try await HTTPTransport.shared.stream(request, limit: 1024, timeout: 5, idleTimeout: 5)
        }
        guard case .transport = error else {
            Issue.record("expected a transport failure, got \(String(describing: error))")
            return
        }
    }
}
