import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A minimal HTTP/1.1 server on `127.0.0.1` and an ephemeral port, for testing HTTP clients
/// (the embedder, LLM clients) against real sockets.
///
/// One background thread accepts connections and serves them one at a time: it reads the
/// request line, the headers and a `Content-Length` body, records the request, asks the handler
/// (or the script) for a response, writes it with `Connection: close` and closes the
/// connection. A response may be sent in timed pieces (`Response.pieces`, `eventStream`) to
/// test streaming clients. Everything is bounded: 64 KiB of headers, 16 MiB of body, 5 s per
/// socket read, and `stop()` returns within about 100 ms plus any write in progress (scripted
/// delays are cut short). Call `stop()` in a
/// `defer`; dropping the last reference also stops it.
///
/// ```swift
/// let server = try LocalHTTPServer(script: [.json(#"{"error":"busy"}"#, status: 429), .json(#"{"data":[]}"#)])
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
        /// Extra header fields; `Connection: close` is always added, `Content-Length` unless
        /// `declaresLength` is false.
        public var headers: [(name: String, value: String)]
        public var body: Data
        /// Seconds to wait before answering (for client timeouts); the server thread blocks meanwhile.
        public var delay: Double
        /// Parts of the body sent after `body`, each after its own pause (for streamed answers,
        /// server-sent events and idle timeouts). `Content-Length` counts them too.
        public var pieces: [Piece]
        /// When false, no `Content-Length` is sent and closing the connection ends the body, as
        /// many streaming servers do; the client then learns the size only as bytes arrive.
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

    static let maxHeaderBytes = 64 << 10
    static let maxBodyBytes = 16 << 20

    private let handler: @Sendable (Request) -> Response
    private let listener: Int32
    private let lock = NSLock()
    private var recorded: [Request] = []
    private var stopping = false
    private let finished = DispatchSemaphore(value: 0)

    /// Binds 127.0.0.1 on an ephemeral port and starts serving with `handler`.
    /// - Throws: `ServerError` when the socket can't be created, bound or listened on.
    public init(handler: @escaping @Sendable (Request) -> Response) throws {
        self.handler = handler
        let fd = socket(AF_INET, Self.streamType, 0)
        guard fd >= 0 else { throw ServerError(description: "socket() failed: errno \(errno)") }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        do {
            port = try Self.bindLoopback(fd, port: 0)
            guard listen(fd, 16) == 0 else { throw ServerError(description: "listen() failed: errno \(errno)") }
        } catch {
            close(fd)
            throw error
        }
        listener = fd
        // The thread holds the server only while serving one connection, so dropping the last
        // reference without `stop()` still ends it (see `deinit`).
        let finished = finished
        let thread = Thread { [weak self] in
            defer { finished.signal() }
            while let server = self, server.serveOnce() {}
        }
        thread.name = "LocalHTTPServer:\(port)"
        thread.start()
    }

    /// Serves `script` in order: the n-th request gets `script[n]`; requests past its end get
    /// a 500 "script exhausted".
    public convenience init(script: [Response]) throws {
        try self.init { request in
            request.sequence < script.count ? script[request.sequence] : .text("script exhausted", status: 500)
        }
    }

    /// Without a prior `stop()` the thread is between connections (it holds `self` while
    /// serving), so closing the socket here is safe; the thread notices `self` is gone.
    deinit {
        if !stopping { close(listener) }
    }

    /// The requests received so far, in order.
    public var requests: [Request] {
        lock.lock()
        defer { lock.unlock() }
        return recorded
    }

    /// Stops accepting, waits for the serving thread (about 100 ms, plus the rest of a
    /// connection in progress) and closes the listening socket. Safe to call more than once.
    public func stop() {
        lock.lock()
        if stopping {
            lock.unlock()
            return
        }
        stopping = true
        lock.unlock()
        finished.wait()
        close(listener)
    }

    /// A port on 127.0.0.1 that had no listener a moment ago (bound, then released), for
    /// "connection refused" tests.
    public static func unusedPort() throws -> UInt16 {
        let fd = socket(AF_INET, streamType, 0)
        guard fd >= 0 else { throw ServerError(description: "socket() failed: errno \(errno)") }
        defer { close(fd) }
        return try bindLoopback(fd, port: 0)
    }

    /// A port on 127.0.0.1 that stays bound without listening while this object lives, so
    /// connections to it are refused and, unlike `unusedPort()`, no server started by a test
    /// running in parallel can take it meanwhile.
    public final class RefusingPort: @unchecked Sendable {
        public let port: UInt16
        private let descriptor: Int32

        public init() throws {
            let fd = socket(AF_INET, LocalHTTPServer.streamType, 0)
            guard fd >= 0 else { throw ServerError(description: "socket() failed: errno \(errno)") }
            do {
                port = try LocalHTTPServer.bindLoopback(fd, port: 0)
            } catch {
                close(fd)
                throw error
            }
            descriptor = fd
        }

        deinit { close(descriptor) }
    }

    // MARK: - Serving

    private var isStopping: Bool {
        lock.lock()
        defer { lock.unlock() }
        return stopping
    }

    /// Waits up to 100 ms for a connection and serves it; false once `stop()` was called.
    private func serveOnce() -> Bool {
        if isStopping { return false }
        var poller = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, 100) > 0 else { return true }
        let connection = accept(listener, nil, nil)
        guard connection >= 0 else { return true }
        handle(connection)
        close(connection)
        return true
    }

    private func handle(_ fd: Int32) {
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        #if canImport(Darwin)
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &yes, socklen_t(MemoryLayout<Int32>.size))
        #endif

        // Headers, up to the blank line.
        var buffer = Data()
        let separator = Data("\r\n\r\n".utf8)
        var headerEnd: Range<Data.Index>?
        while headerEnd == nil {
            guard buffer.count <= Self.maxHeaderBytes, let chunk = receive(fd) else {
                if buffer.count > Self.maxHeaderBytes { write(fd, .text("headers too large", status: 431)) }
                return
            }
            buffer.append(chunk)
            headerEnd = buffer.range(of: separator)
        }
        guard let headerEnd else { return }
        let head = String(decoding: buffer[buffer.startIndex..<headerEnd.lowerBound], as: UTF8.self)
        var lines = head.components(separatedBy: "\r\n")
        let requestLine = lines.removeFirst().split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        guard requestLine.count == 3, requestLine[2].hasPrefix("HTTP/1.") else {
            write(fd, .text("bad request line", status: 400))
            return
        }
        var headers: [(name: String, value: String)] = []
        for line in lines where !line.isEmpty {
            guard let colon = line.firstIndex(of: ":") else {
                write(fd, .text("bad header line", status: 400))
                return
            }
            headers.append((String(line[..<colon]).trimmingCharacters(in: .whitespaces),
                            String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces)))
        }
        func header(_ name: String) -> String? {
            headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
        }
        if header("Transfer-Encoding") != nil {
            write(fd, .text("chunked bodies are not supported", status: 501))
            return
        }
        var length = 0
        if let value = header("Content-Length") {
            guard let parsed = Int(value), parsed >= 0, parsed <= Self.maxBodyBytes else {
                write(fd, .text("bad or too large Content-Length", status: 413))
                return
            }
            length = parsed
        }
        if length > 0, header("Expect")?.lowercased() == "100-continue" {
            sendAll(fd, Data("HTTP/1.1 100 Continue\r\n\r\n".utf8))
        }

        // Body: what followed the headers, then the rest.
        var body = Data(buffer[headerEnd.upperBound...])
        while body.count < length {
            guard let chunk = receive(fd) else { return }
            body.append(chunk)
        }
        if body.count > length { body = body.prefix(length) }

        lock.lock()
        let request = Request(sequence: recorded.count, method: requestLine[0], path: requestLine[1], headers: headers, body: body)
        recorded.append(request)
        lock.unlock()

        let response = handler(request)
        guard pause(response.delay) else { return }
        write(fd, response)
    }

    /// Sleeps up to `seconds` (at most 60) in short slices; false when `stop()` was called
    /// meanwhile, so a scripted delay never holds up a test's `stop()`.
    private func pause(_ seconds: Double) -> Bool {
        let end = Date().addingTimeInterval(min(max(seconds, 0), 60))
        while true {
            if isStopping { return false }
            let left = end.timeIntervalSinceNow
            if left <= 0 { return true }
            Thread.sleep(forTimeInterval: min(left, 0.02))
        }
    }

    /// One read of up to 64 KiB; nil at end of stream, on error or on timeout.
    private func receive(_ fd: Int32) -> Data? {
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count > 0 { return Data(chunk[0..<count]) }
            if count < 0 && errno == EINTR { continue }
            return nil
        }
    }

    private func write(_ fd: Int32, _ response: Response) {
        var head = "HTTP/1.1 \(response.status) \(Self.reason(response.status))\r\n"
        for (name, value) in response.headers { head += "\(name): \(value)\r\n" }
        if response.declaresLength {
            head += "Content-Length: \(response.body.count + response.pieces.reduce(0) { $0 + $1.data.count })\r\n"
        }
        head += "Connection: close\r\n\r\n"
        guard sendAll(fd, Data(head.utf8) + response.body) else { return }
        for piece in response.pieces {
            guard pause(piece.delay), sendAll(fd, piece.data) else { return }
        }
        shutdown(fd, Int32(SHUT_WR))
    }

    /// Sends all of `data`; false when the client went away.
    @discardableResult
    private func sendAll(_ fd: Int32, _ data: Data) -> Bool {
        data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let sent = send(fd, raw.baseAddress! + offset, raw.count - offset, Self.sendFlags)
                if sent < 0 && errno == EINTR { continue }
                if sent <= 0 { return false }  // the client went away
                offset += sent
            }
            return true
        }
    }

    // MARK: - Platform details

    #if os(Linux)
    private static let streamType = Int32(SOCK_STREAM.rawValue)
    private static let sendFlags = Int32(MSG_NOSIGNAL)
    #else
    private static let streamType = SOCK_STREAM
    private static let sendFlags: Int32 = 0
    #endif

    private static func bindLoopback(_ fd: Int32, port: UInt16) throws -> UInt16 {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw ServerError(description: "bind(127.0.0.1) failed: errno \(errno)") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else { throw ServerError(description: "getsockname() failed: errno \(errno)") }
        return UInt16(bigEndian: address.sin_port)
    }

    private static func reason(_ status: Int) -> String {
        switch status {
        case 100: "Continue"
        case 200: "OK"
        case 301: "Moved Permanently"
        case 302: "Found"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 404: "Not Found"
        case 413: "Content Too Large"
        case 429: "Too Many Requests"
        case 431: "Request Header Fields Too Large"
        case 500: "Internal Server Error"
        case 501: "Not Implemented"
        case 502: "Bad Gateway"
        case 503: "Service Unavailable"
        default: "Status"
        }
    }
}
