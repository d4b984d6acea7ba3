import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The process-wide HTTP client under every outbound call: one `URLSession` driven through
/// its delegate.
///
/// Why a delegate rather than `session.data(for:)`: the body limit is enforced while bytes
/// arrive (a hostile or broken server cannot make us buffer gigabytes), each request has a
/// hard deadline for the whole exchange (URLSession's `timeoutInterval` only bounds idle
/// time), redirects are refused (a redirect could carry the `Authorization` header to
/// another host), and a streamed body can be handed out chunk by chunk.
///
/// Why one instance: swift-corelibs-foundation keeps a couple of descriptors per session
/// even after invalidation, so a session per client would leak. Replies are matched to
/// callers by task identifier and each request carries its own limit and deadlines.
///
/// Concurrency: thread-safe; delegate callbacks arrive on the session's serial queue, timers
/// on a global queue, and both meet under one lock.
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
        /// URLSession reported an error (refused, reset, DNS, TLS).
        case transport(URLError.Code, String)
        /// Anything else, described.
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

    /// Sends `request` and returns the status, headers and whole body.
    /// - Parameters:
    ///   - limit: the largest body accepted, in bytes.
    ///   - timeout: seconds from sending to the last body byte.
    /// - Throws: `Failure`, or `CancellationError` when the calling task is cancelled.
    public func send(_ request: URLRequest, limit: Int, timeout: Double) async throws -> HTTPReply {
        let task = session.dataTask(with: Self.backstopped(request, timeout: timeout))
        let box = TaskBox(task)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<HTTPReply, Error>) in
                start(task, box, Pending(limit: limit, sink: .buffered(continuation)), timeout: timeout, idleTimeout: nil)
            }
        } onCancel: {
            box.cancel()
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
        let task = session.dataTask(with: Self.backstopped(request, timeout: timeout))
        let box = TaskBox(task)
        let (body, bodyContinuation) = AsyncThrowingStream<Data, Error>.makeStream()
        // The consumer left the loop or its task was cancelled: stop the transfer.
        bodyContinuation.onTermination = { termination in
            if case .cancelled = termination { box.cancel() }
        }
        let head = try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Head, Error>) in
                start(task, box, Pending(limit: limit, sink: .streamed(head: continuation, body: bodyContinuation)),
                      timeout: timeout, idleTimeout: idleTimeout)
            }
        } onCancel: {
            box.cancel()
        }
        return HTTPStreamingReply(status: head.status, headers: head.headers, body: body)
    }

    /// `request` with URLSession's own timeout a little beyond `timeout`, as a backstop only.
    ///
    /// The deadlines that count are this class's timers. swift-corelibs-foundation truncates
    /// `timeoutInterval` to whole seconds (0.3 s becomes an immediate `.timedOut`), and on
    /// Darwin it is an idle timeout, so the caller's value can't be passed through as it is.
    static func backstopped(_ request: URLRequest, timeout: Double) -> URLRequest {
        var request = request
        request.timeoutInterval = seconds(timeout).rounded(.up) + 1
        return request
    }

    /// `value` clamped to [0, 1 day]; not-a-number counts as a day, so no timer is ever unset.
    static func seconds(_ value: Double) -> Double {
        value.isNaN ? 86_400 : min(max(value, 0), 86_400)
    }

    private func start(_ task: URLSessionDataTask, _ box: TaskBox, _ entry: Pending, timeout: Double, idleTimeout: Double?) {
        let id = task.taskIdentifier
        delegate.register(id, entry)
        if Task.isCancelled {
            delegate.abandon(id, CancellationError())
            task.cancel()
            return
        }
        let delegate = delegate
        DispatchQueue.global().asyncAfter(deadline: .now() + Self.seconds(timeout)) {
            if delegate.markFailure(id, .timedOut) { box.cancel() }
        }
        if let idleTimeout {
            let idle = Self.seconds(idleTimeout)
            delegate.watchIdle(id, box, idleTimeout: idle, after: idle)
        }
        task.resume()
    }

    /// A status line and headers.
    struct Head: Sendable {
        var status: Int
        var headers: [String: String]

        init(_ response: HTTPURLResponse) {
            status = response.statusCode
            var headers: [String: String] = [:]
            for (name, value) in response.allHeaderFields {
                if let name = name as? String, let value = value as? String { headers[name.lowercased()] = value }
            }
            self.headers = headers
        }
    }

    final class TaskBox: @unchecked Sendable {
        let task: URLSessionDataTask
        init(_ task: URLSessionDataTask) { self.task = task }
        func cancel() { task.cancel() }
    }

    /// One request in flight; guarded by the delegate's lock.
    private final class Pending {
        enum Sink {
            /// The caller waits for the whole reply.
            case buffered(CheckedContinuation<HTTPReply, Error>)
            /// The caller waits for the head (nil once delivered), then reads `body`.
            case streamed(head: CheckedContinuation<Head, Error>?, body: AsyncThrowingStream<Data, Error>.Continuation)
        }

        var sink: Sink
        let limit: Int
        var received = 0
        var body = Data()
        var response: HTTPURLResponse?
        var failure: Failure?
        var lastActivity = DispatchTime.now()

        init(limit: Int, sink: Sink) {
            self.limit = limit
            self.sink = sink
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

        /// Removes a request that never started and fails its caller with `error`.
        func abandon(_ id: Int, _ error: Error) {
            lock.lock()
            let entry = pending.removeValue(forKey: id)
            lock.unlock()
            if let entry { Self.fail(entry, error) }
        }

        /// Records the first failure of a live task; true when it was recorded (the caller then cancels).
        func markFailure(_ id: Int, _ failure: Failure) -> Bool {
            lock.lock()
            defer { lock.unlock() }
            guard let entry = pending[id], entry.failure == nil else { return false }
            entry.failure = failure
            return true
        }

        /// Checks after `delay` seconds whether the request has been silent for `idleTimeout`;
        /// if not, checks again when it would be.
        func watchIdle(_ id: Int, _ box: TaskBox, idleTimeout: Double, after delay: Double) {
            DispatchQueue.global().asyncAfter(deadline: .now() + max(delay, 0.001)) { [weak self] in
                guard let self else { return }
                self.lock.lock()
                guard let entry = self.pending[id], entry.failure == nil else {
                    self.lock.unlock()
                    return
                }
                let silent = Double(DispatchTime.now().uptimeNanoseconds &- entry.lastActivity.uptimeNanoseconds) / 1e9
                if silent >= idleTimeout {
                    entry.failure = .stalled(idleTimeout)
                    self.lock.unlock()
                    box.cancel()
                } else {
                    self.lock.unlock()
                    self.watchIdle(id, box, idleTimeout: idleTimeout, after: idleTimeout - silent)
                }
            }
        }

        private static func fail(_ entry: Pending, _ error: Error) {
            switch entry.sink {
            case .buffered(let continuation):
                continuation.resume(throwing: error)
            case .streamed(let head, let body):
                head?.resume(throwing: error)
                body.finish(throwing: error)
            }
        }

        func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                        completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
            let id = dataTask.taskIdentifier
            lock.lock()
            var refuse = false
            var deliver: (CheckedContinuation<Head, Error>, Head)?
            if let entry = pending[id] {
                entry.response = response as? HTTPURLResponse
                entry.lastActivity = .now()
                if response.expectedContentLength > Int64(entry.limit), entry.failure == nil {
                    entry.failure = .tooLarge(entry.limit)
                    refuse = true
                }
                if !refuse, entry.failure == nil, case .streamed(let head?, let body) = entry.sink,
                   let http = entry.response {
                    entry.sink = .streamed(head: nil, body: body)
                    deliver = (head, Head(http))
                }
            }
            lock.unlock()
            if let (continuation, head) = deliver { continuation.resume(returning: head) }
            completionHandler(refuse ? .cancel : .allow)
        }

        func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
            let id = dataTask.taskIdentifier
            lock.lock()
            var refuse = false
            var forward: AsyncThrowingStream<Data, Error>.Continuation?
            if let entry = pending[id], entry.failure == nil {
                entry.lastActivity = .now()
                if entry.received + data.count > entry.limit {
                    entry.failure = .tooLarge(entry.limit)
                    entry.body = Data()
                    refuse = true
                } else {
                    entry.received += data.count
                    switch entry.sink {
                    case .buffered: entry.body.append(data)
                    case .streamed(_, let body): forward = body
                    }
                }
            }
            lock.unlock()
            // Callbacks for one task arrive one at a time, so chunks keep their order.
            forward?.yield(data)
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
            let outcome: Error?
            if let failure = entry.failure {
                outcome = failure
            } else if let error {
                if let urlError = error as? URLError {
                    outcome = urlError.code == .cancelled
                        ? CancellationError() : Failure.transport(urlError.code, urlError.localizedDescription)
                } else {
                    outcome = Failure.other(String(describing: error))
                }
            } else if entry.response == nil {
                outcome = Failure.other("the server sent no HTTP response")
            } else {
                outcome = nil
            }
            if let outcome { return Self.fail(entry, outcome) }
            switch entry.sink {
            case .buffered(let continuation):
                continuation.resume(returning: HTTPReply(status: entry.response!.statusCode,
                                                         headers: Head(entry.response!).headers, body: entry.body))
            case .streamed(let head, let body):
                // A head not delivered yet (no callback for it) is delivered now, then the end.
                head?.resume(returning: Head(entry.response!))
                body.finish()
            }
        }
    }
}
