import AsyncHTTPClient
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import NIOCore
import NIOHTTP1

/// The process-wide HTTP client under every outbound call (embeddings, LLM, rerank): one
/// AsyncHTTPClient on SwiftNIO's event loops, behind a URLRequest-shaped API.
///
/// Why not URLSession: on Linux, swift-corelibs-foundation drives libcurl with a timer loop
/// that kept a whole core busy while a request waited (issue 24: 9.7 s of CPU for a 10-s wait
/// on a slow LLM; BENCHMARKS.md "Waiting for an LLM"). NIO waits in epoll and costs nothing.
///
/// What this class adds on top: the body limit is enforced while bytes arrive (a hostile or
/// broken server cannot make us buffer gigabytes, and an announced Content-Length above it is
/// refused before reading), each request has a hard deadline for the whole exchange and, when
/// streamed, an idle deadline before the head and between chunks; redirects are refused (one
/// could carry the `Authorization` header to another host) and the 3xx itself is the reply; a
/// streamed body is handed out chunk by chunk, and abandoning it cancels the transfer.
///
/// Concurrency: thread-safe; each request runs in its own task, its deadlines on dispatch
/// timers that cancel that task.
public final class HTTPTransport: @unchecked Sendable {
    /// The shared transport.
    public static let shared = HTTPTransport()

    /// Why a request produced no usable reply.
    public enum Failure: Error, Sendable, Equatable {
        /// The body passed `limit` bytes (or announced that it would).
        case tooLarge(Int)
        /// The whole-exchange deadline passed.
        case timedOut
        /// A streamed body sent nothing for this many seconds.
        case stalled(Double)
        /// The connection failed (refused, reset, DNS, TLS), as the URLError code it matches.
        case transport(URLError.Code, String)
        /// Anything else, described.
        case other(String)
    }

    private let client: AsyncHTTPClient.HTTPClient

    init() {
        var configuration = AsyncHTTPClient.HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: .seconds(10)),
            connectionPool: .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 16))
        configuration.httpVersion = .automatic
        // A refused or failed connection fails the request at once: retries are the callers'
        // (`HTTPClient` and its `RetryPolicy`), with their own budget and backoff.
        configuration.connectionPool.retryConnectionEstablishment = false
        // Process-lifetime: a static shared instance is never shut down.
        client = AsyncHTTPClient.HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// Sends `request` and returns the status, headers and whole body.
    /// - Parameters:
    ///   - limit: the largest body accepted, in bytes.
    ///   - timeout: seconds from sending to the last body byte.
    /// - Throws: `Failure`, or `CancellationError` when the calling task is cancelled.
    public func send(_ request: URLRequest, limit: Int, timeout: Double) async throws -> HTTPReply {
        let outgoing = try Self.convert(request)
        let receiver = Receiver(limit: limit, idleTimeout: nil, sink: .buffered)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<HTTPReply, Error>) in
                receiver.whole = continuation
                start(outgoing, receiver, timeout: timeout)
            }
        } onCancel: {
            receiver.cancel()
        }
    }

    /// Sends `request` and returns once the status and headers arrive; the body follows as a
    /// stream of chunks in arrival order.
    ///
    /// - Parameters:
    ///   - limit: the largest body accepted, in bytes, counted over all chunks.
    ///   - timeout: seconds from sending to the last body byte (the whole exchange).
    ///   - idleTimeout: seconds the server may stay silent, before the head and between chunks.
    /// - Throws: `Failure` or `CancellationError` before the head arrives; later failures end
    ///   the body stream instead.
    public func stream(_ request: URLRequest, limit: Int, timeout: Double, idleTimeout: Double) async throws
        -> HTTPStreamingReply {
        let outgoing = try Self.convert(request)
        let (body, bodyContinuation) = AsyncThrowingStream<Data, Error>.makeStream()
        let receiver = Receiver(limit: limit, idleTimeout: Self.seconds(idleTimeout), sink: .streamed(bodyContinuation))
        // The consumer left the loop or its task was cancelled: stop the transfer.
        bodyContinuation.onTermination = { termination in
            if case .cancelled = termination { receiver.cancel() }
        }
        let head = try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Head, Error>) in
                receiver.head = continuation
                start(outgoing, receiver, timeout: timeout)
            }
        } onCancel: {
            receiver.cancel()
        }
        return HTTPStreamingReply(status: head.status, headers: head.headers, body: body)
    }

    /// Starts the transfer with its deadlines (a cancellation that came first is applied as
    /// soon as the transfer exists). Runs inside the caller's continuation and never waits.
    private func start(_ request: AsyncHTTPClient.HTTPClient.Request, _ receiver: Receiver, timeout: Double) {
        let task = client.execute(request: request, delegate: receiver, deadline: Self.backstop(timeout))
        receiver.attach(task)
        task.futureResult.whenComplete { result in receiver.complete(result) }
        DispatchQueue.global().asyncAfter(deadline: .now() + Self.seconds(timeout)) { receiver.fail(.timedOut) }
        if let idle = receiver.idleTimeout { receiver.watchIdle(after: idle) }
    }

    /// One transfer: AsyncHTTPClient's delegate, called on the connection's event loop (not
    /// on Swift's cooperative pool, so a busy pool cannot make a live transfer look stalled),
    /// with the deadlines' state under one lock.
    final class Receiver: HTTPClientResponseDelegate, @unchecked Sendable {
        typealias Response = Void

        enum Sink {
            case buffered
            case streamed(AsyncThrowingStream<Data, Error>.Continuation)
        }

        let limit: Int
        let idleTimeout: Double?
        let sink: Sink
        private let lock = NSLock()
        private var task: AsyncHTTPClient.HTTPClient.Task<Void>?
        private var failure: Failure?
        private var finished = false
        private var cancelRequested = false
        private var lastActivity = DispatchTime.now()
        private var status = 0
        private var headers: [String: String] = [:]
        private var body = Data()
        private var received = 0
        var whole: CheckedContinuation<HTTPReply, Error>?
        var head: CheckedContinuation<Head, Error>?

        init(limit: Int, idleTimeout: Double?, sink: Sink) {
            self.limit = limit
            self.idleTimeout = idleTimeout
            self.sink = sink
        }

        func attach(_ task: AsyncHTTPClient.HTTPClient.Task<Void>) {
            let cancelNow = lock.withLock { () -> Bool in
                self.task = task
                return cancelRequested
            }
            if cancelNow { task.cancel() }
        }

        /// Stops the transfer (the caller went away).
        func cancel() {
            let task = lock.withLock { () -> AsyncHTTPClient.HTTPClient.Task<Void>? in
                cancelRequested = true
                return self.task
            }
            task?.cancel()
        }

        /// Records why the transfer must end (first reason wins) and cancels it.
        func fail(_ reason: Failure) {
            let task = lock.withLock { () -> AsyncHTTPClient.HTTPClient.Task<Void>? in
                guard !finished, failure == nil else { return nil }
                failure = reason
                return self.task
            }
            task?.cancel()
        }

        func watchIdle(after delay: Double) {
            guard let idleTimeout else { return }
            DispatchQueue.global().asyncAfter(deadline: .now() + max(delay, 0.001)) { [self] in
                let silent: Double? = lock.withLock {
                    guard !finished, failure == nil else { return nil }
                    return Double(DispatchTime.now().uptimeNanoseconds &- lastActivity.uptimeNanoseconds) / 1e9
                }
                guard let silent else { return }
                if silent >= idleTimeout { fail(.stalled(idleTimeout)) } else { watchIdle(after: idleTimeout - silent) }
            }
        }

        func didReceiveHead(task: AsyncHTTPClient.HTTPClient.Task<Void>, _ response: HTTPResponseHead) -> EventLoopFuture<Void> {
            let announced = response.headers.first(name: "content-length").flatMap { Int($0) }
            var fields: [String: String] = [:]
            for (name, value) in response.headers {
                let key = name.lowercased()
                fields[key] = fields[key].map { $0 + ", " + value } ?? value
            }
            // The caller waiting for the head, or nil; `refuse` when the transfer must stop.
            let (refuse, deliver) = lock.withLock { () -> (Bool, CheckedContinuation<Head, Error>?) in
                lastActivity = .now()
                status = Int(response.status.code)
                headers = fields
                if let announced, announced > limit, failure == nil { failure = .tooLarge(limit) }
                guard failure == nil else { return (true, nil) }
                defer { head = nil }
                return (false, head)
            }
            // The recorded failure is what the caller sees (`complete`); this only stops the transfer.
            if refuse { return task.eventLoop.makeFailedFuture(Failure.tooLarge(limit)) }
            deliver?.resume(returning: Head(status: Int(response.status.code), headers: fields))
            return task.eventLoop.makeSucceededVoidFuture()
        }

        func didReceiveBodyPart(task: AsyncHTTPClient.HTTPClient.Task<Void>, _ buffer: ByteBuffer) -> EventLoopFuture<Void> {
            let (refuse, forward) = lock.withLock { () -> (Bool, AsyncThrowingStream<Data, Error>.Continuation?) in
                lastActivity = .now()
                guard failure == nil else { return (true, nil) }
                guard received + buffer.readableBytes <= limit else {
                    failure = .tooLarge(limit)
                    body = Data()
                    return (true, nil)
                }
                received += buffer.readableBytes
                switch sink {
                case .buffered:
                    body.append(contentsOf: buffer.readableBytesView)
                    return (false, nil)
                case .streamed(let continuation):
                    return (false, continuation)
                }
            }
            if refuse { return task.eventLoop.makeFailedFuture(Failure.tooLarge(limit)) }
            // Calls for one transfer arrive one at a time, so chunks keep their order.
            forward?.yield(Data(buffer.readableBytesView))
            return task.eventLoop.makeSucceededVoidFuture()
        }

        func didReceiveError(task: AsyncHTTPClient.HTTPClient.Task<Void>, _ error: Error) {}

        func didFinishRequest(task: AsyncHTTPClient.HTTPClient.Task<Void>) throws {}

        /// Ends the call: the reply, or the reason (a deadline that fired, the caller's
        /// cancellation, or the transfer's own error in this class's terms).
        func complete(_ result: Result<Void, Error>) {
            let (failure, cancelled, whole, head, status, headers, body) = lock.withLock {
                finished = true
                let taken = (self.failure, cancelRequested, self.whole, self.head, self.status, self.headers, self.body)
                self.whole = nil
                self.head = nil
                self.body = Data()
                return taken
            }
            let outcome: Error?
            switch result {
            case .success: outcome = failure
            case .failure(let error): outcome = failure ?? (cancelled ? CancellationError() : HTTPTransport.classify(error))
            }
            if let outcome {
                whole?.resume(throwing: outcome)
                head?.resume(throwing: outcome)
                if case .streamed(let continuation) = sink { continuation.finish(throwing: outcome) }
                return
            }
            whole?.resume(returning: HTTPReply(status: status, headers: headers, body: body))
            // A head not delivered yet is delivered now, then the end.
            head?.resume(returning: Head(status: status, headers: headers))
            if case .streamed(let continuation) = sink { continuation.finish() }
        }
    }

    /// The request as AsyncHTTPClient takes it.
    static func convert(_ request: URLRequest) throws -> AsyncHTTPClient.HTTPClient.Request {
        guard let url = request.url, let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https" else {
            throw Failure.transport(.unsupportedURL, "only http and https URLs are supported (\(request.url?.scheme ?? "no scheme"))")
        }
        var headers = HTTPHeaders()
        for (name, value) in request.allHTTPHeaderFields ?? [:] { headers.add(name: name, value: value) }
        do {
            return try AsyncHTTPClient.HTTPClient.Request(url: url, method: HTTPMethod(rawValue: request.httpMethod ?? "GET"), headers: headers,
                                                          body: request.httpBody.map { .bytes($0) })
        } catch {
            throw Failure.transport(.badURL, "\(error)")
        }
    }

    /// AsyncHTTPClient's own deadline, a little beyond ours, as a backstop only: the deadlines
    /// that count are this class's timers, which say which limit ended the request.
    static func backstop(_ timeout: Double) -> NIODeadline {
        .now() + .nanoseconds(Int64((seconds(timeout) + 1) * 1e9))
    }

    /// `value` clamped to [0, 1 day]; not-a-number counts as a day, so no timer is ever unset.
    static func seconds(_ value: Double) -> Double {
        value.isNaN ? 86_400 : min(max(value, 0), 86_400)
    }

    /// A status line and headers.
    struct Head: Sendable {
        var status: Int
        var headers: [String: String]
    }

    /// AsyncHTTPClient's and NIO's errors as `Failure` (or `CancellationError`).
    static func classify(_ error: Error) -> Error {
        switch error {
        case let failure as Failure: return failure
        case is CancellationError: return error
        case let error as AsyncHTTPClient.HTTPClientError:
            switch error {
            case .cancelled: return CancellationError()
            case .deadlineExceeded, .readTimeout, .writeTimeout: return Failure.timedOut
            case .connectTimeout: return Failure.transport(.timedOut, "could not connect in time")
            case .remoteConnectionClosed: return Failure.transport(.networkConnectionLost, "the server closed the connection")
            case .tlsHandshakeTimeout: return Failure.transport(.secureConnectionFailed, "the TLS handshake timed out")
            case .invalidURL, .emptyHost, .emptyScheme: return Failure.transport(.badURL, "\(error)")
            default: return Failure.other("\(error)")
            }
        default:
            let text = String(describing: error)
            if text.contains("SSL") || text.contains("TLS") || text.contains("certificate") {
                return Failure.transport(.secureConnectionFailed, text)
            }
            if text.contains("refused") || text.contains("connect") || text.contains("ECONNREFUSED") {
                return Failure.transport(.cannotConnectToHost, "could not connect: \(text)")
            }
            if text.contains("resolve") || text.contains("DNS") || text.contains("getaddrinfo") {
                return Failure.transport(.cannotFindHost, "could not resolve the host: \(text)")
            }
            return Failure.transport(.networkConnectionLost, text)
        }
    }
}
