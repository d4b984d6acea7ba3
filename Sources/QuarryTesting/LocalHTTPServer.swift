import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// A scriptable HTTP/1.1 server on `127.0.0.1` and an ephemeral port, for testing HTTP clients
/// (the embedder, LLM and rerank clients) against a real server: Hummingbird, as in production.
///
/// It records every request (method, target, headers in arrival order, body up to 16 MiB) and
/// asks the handler (or the script) for a response, which may wait before answering
/// (`Response.delay`, for client timeouts) and send its body in timed pieces
/// (`Response.pieces`, `eventStream`, for streaming clients and stalls). Requests are served
/// concurrently, on a dispatch queue of the server's own rather than Swift's cooperative pool
/// (see `QueueExecutor`), so a busy test process doesn't make it answer late. `stop()` cancels the server at once, cutting any scripted delay short; call it
/// in a `defer`; dropping the last reference stops it too. The one framing Hummingbird never
/// produces, a body ended by closing the connection, is `CloseDelimitedServer`'s.
///
/// ```swift
/// let server = try await LocalHTTPServer(script: [.json(#"{"error":"busy"}"#, status: 429), .json(#"{"data":[]}"#)])
/// defer { server.stop() }
/// // point the client at server.baseURL, then inspect server.requests
/// ```
public final class LocalHTTPServer: @unchecked Sendable {
    /// A request as received.
    public struct Request: Sendable {
        /// 0 for the first request the server received, then 1, 2, ….
        public var sequence: Int
        public var method: String
        /// The request target as sent (`/v1/embeddings`, with any query).
        public var path: String
        /// Header fields in arrival order, names as sent.
        public var headers: [(name: String, value: String)]
        public var body: Data

        /// The first value of the header `name` (case-insensitive).
        public func header(_ name: String) -> String? {
            headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
        }

        /// The body as UTF-8 text.
        public var text: String { String(decoding: body, as: UTF8.self) }
    }

    /// A response to send.
    public struct Response: Sendable {
        public var status: Int
        /// Extra header fields; `Content-Length` is added unless `declaresLength` is false.
        public var headers: [(name: String, value: String)]
        public var body: Data
        /// Seconds to wait before answering (for client timeouts).
        public var delay: Double
        /// Parts of the body sent after `body`, each after its own pause (for streamed answers,
        /// server-sent events and idle timeouts). `Content-Length` counts them too.
        public var pieces: [Piece]
        /// When false, no `Content-Length` is sent and the body goes out chunked, as streaming
        /// servers do; the client then learns the size only as bytes arrive.
        public var declaresLength: Bool

        /// A part of a body sent `delay` seconds after the previous part.
        public struct Piece: Sendable {
            public var delay: Double
            public var data: Data

            public init(delay: Double = 0, _ data: Data) {
                self.delay = delay
                self.data = data
            }

            /// `text` as UTF-8.
            public init(delay: Double = 0, _ text: String) {
                self.init(delay: delay, Data(text.utf8))
            }
        }

        public init(status: Int = 200, headers: [(name: String, value: String)] = [], body: Data = Data(), delay: Double = 0,
                    pieces: [Piece] = [], declaresLength: Bool = true) {
            self.status = status
            self.headers = headers
            self.body = body
            self.delay = delay
            self.pieces = pieces
            self.declaresLength = declaresLength
        }

        /// A `text/event-stream` answer sent in `pieces`, e.g. `[.init("data: a\n\n"), .init(delay: 0.05, "data: [DONE]\n\n")]`.
        public static func eventStream(_ pieces: [Piece], status: Int = 200, headers: [(name: String, value: String)] = [],
                                       declaresLength: Bool = true) -> Response {
            Response(status: status, headers: [("Content-Type", "text/event-stream")] + headers, pieces: pieces,
                     declaresLength: declaresLength)
        }

        /// A JSON response.
        public static func json(_ text: String, status: Int = 200, headers: [(name: String, value: String)] = [],
                                delay: Double = 0) -> Response {
            Response(status: status, headers: [("Content-Type", "application/json")] + headers, body: Data(text.utf8), delay: delay)
        }

        /// A plain-text response.
        public static func text(_ text: String, status: Int) -> Response {
            Response(status: status, headers: [("Content-Type", "text/plain; charset=utf-8")], body: Data(text.utf8))
        }
    }

    /// A retry sleep for the client under test: records each requested delay and returns at
    /// once, so retry tests check the backoff without waiting for it.
    public final class SleepRecorder: @unchecked Sendable {
        private let lock = NSLock()
        private var recorded: [Double] = []

        public init() {}

        /// The delays asked for so far, in order.
        public var delays: [Double] {
            lock.lock()
            defer { lock.unlock() }
            return recorded
        }

        /// Pass this as the client's `sleep`.
        public var sleep: @Sendable (Double) async throws -> Void {
            { [self] seconds in record(seconds) }
        }

        private func record(_ seconds: Double) {
            lock.lock()
            recorded.append(seconds)
            lock.unlock()
        }
    }

    /// A server error raised by `init`.
    public struct ServerError: Error, CustomStringConvertible {
        public var description: String
    }

    /// The bound port on 127.0.0.1.
    public let port: UInt16
    /// `http://127.0.0.1:<port>`.
    public var baseURL: URL { URL(string: "http://127.0.0.1:\(port)")! }

    static let maxBodyBytes = 16 << 20

    private let log: RequestLog
    private let task: Task<Void, any Error>

    /// Starts serving `handler` on an ephemeral port of 127.0.0.1 and returns once it listens.
    /// - Throws: `ServerError` when the server could not bind or stopped before it listened.
    public init(handler: @escaping @Sendable (Request) -> Response) async throws {
        let log = RequestLog()
        let responder = Responder(log: log, handler: handler)
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        var logger = Logger(label: "LocalHTTPServer")
        logger.logLevel = .critical  // cancellation at stop() is logged as connection errors
        let app = Application(responder: responder, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { channel in
                                  continuation.yield(channel.localAddress?.port ?? 0)
                                  continuation.finish()
                              }, logger: logger)
        let task = Task(executorPreference: QueueExecutor(label: "LocalHTTPServer")) {
            do {
                try await app.run()
            } catch {
                continuation.finish()
                throw error
            }
        }
        var bound: Int?
        for await port in ports { bound = port }
        guard let bound, bound > 0, let port = UInt16(exactly: bound) else {
            task.cancel()
            let why = await (try? task.value).map { "it stopped before it listened" } ?? "it failed to start"
            throw ServerError(description: "LocalHTTPServer: \(why)")
        }
        self.port = port
        self.log = log
        self.task = task
    }

    /// Serves `script` in order: the n-th request gets `script[n]`; requests past its end get
    /// a 500 "script exhausted".
    public convenience init(script: [Response]) async throws {
        try await self.init { request in
            request.sequence < script.count ? script[request.sequence] : .text("script exhausted", status: 500)
        }
    }

    deinit { task.cancel() }

    /// The requests received so far, in order of arrival.
    public var requests: [Request] { log.all }

    /// Stops the server: it cancels at once, cutting short any scripted delay or piece still to
    /// send. Safe to call more than once.
    public func stop() { task.cancel() }

    /// Stops the server and waits until it has shut down.
    public func shutdown() async {
        task.cancel()
        _ = try? await task.value
    }

    // MARK: - Serving

    /// Requests as they arrive, numbered under a lock.
    final class RequestLog: @unchecked Sendable {
        private let lock = NSLock()
        private var recorded: [Request] = []

        var all: [Request] {
            lock.lock()
            defer { lock.unlock() }
            return recorded
        }

        func record(method: String, path: String, headers: [(name: String, value: String)], body: Data) -> Request {
            lock.lock()
            defer { lock.unlock() }
            let request = Request(sequence: recorded.count, method: method, path: path, headers: headers, body: body)
            recorded.append(request)
            return request
        }
    }

    /// Every request, whatever its method and path: read whole, recorded, answered.
    struct Responder: HTTPResponder {
        typealias Context = BasicRequestContext
        let log: RequestLog
        let handler: @Sendable (Request) -> LocalHTTPServer.Response

        func respond(to request: Hummingbird.Request, context: BasicRequestContext) async throws -> Hummingbird.Response {
            let body: ByteBuffer
            do {
                body = try await request.body.collect(upTo: LocalHTTPServer.maxBodyBytes)
            } catch {
                return LocalHTTPServer.Response.text("body over \(LocalHTTPServer.maxBodyBytes) bytes", status: 413).hummingbird
            }
            let recorded = log.record(method: request.method.rawValue, path: request.uri.string,
                                      headers: request.headers.map { ($0.name.rawName, $0.value) }, body: Data(buffer: body))
            let response = handler(recorded)
            if response.delay > 0 { try await Task.sleep(for: .seconds(min(response.delay, 60))) }
            return response.hummingbird
        }
    }
}

extension LocalHTTPServer.Response {
    /// The same response for Hummingbird: headers in order, then the body and its timed pieces.
    var hummingbird: Hummingbird.Response {
        var fields = HTTPFields()
        for (name, value) in headers {
            if let field = HTTPField.Name(name) { fields.append(HTTPField(name: field, value: value)) }
        }
        let status = HTTPResponse.Status(code: status)
        if pieces.isEmpty && declaresLength {
            return Hummingbird.Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
        }
        let (body, pieces) = (body, pieces)
        let length = declaresLength ? body.count + pieces.reduce(0) { $0 + $1.data.count } : nil
        return Hummingbird.Response(status: status, headers: fields, body: ResponseBody(contentLength: length) { writer in
            if !body.isEmpty { try await writer.write(ByteBuffer(bytes: body)) }
            for piece in pieces {
                if piece.delay > 0 { try await Task.sleep(for: .seconds(min(piece.delay, 60))) }
                try await writer.write(ByteBuffer(bytes: piece.data))
            }
            try await writer.finish(nil)
        })
    }
}
