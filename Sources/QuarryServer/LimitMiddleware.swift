import Foundation
import Hummingbird

/// Bounds the work in flight: at most `maxConcurrent` requests are handled at once — more
/// get 503 with `Retry-After: 1` at once instead of waiting in an unbounded queue. Health
/// and metrics routes are exempt, so a saturated server still reports its state. (The
/// per-request timeout wraps the handlers' work: `Deadline.run`.)
struct LimitMiddleware<Context: QuarryContextProtocol>: RouterMiddleware {
    let gate: ConcurrencyGate

    static func exempt(_ path: String) -> Bool {
        path == "/healthz" || path == "/readyz" || path == "/metrics"
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if Self.exempt(request.uri.path) { return try await next(request, context) }
        guard gate.enter() else {
            throw Problem(.serviceUnavailable, "the server is at its concurrency limit (server.max_concurrent_requests); retry shortly",
                          headers: [(.retryAfter, "1")])
        }
        defer { gate.leave() }
        return try await next(request, context)
    }
}

/// A time limit on a request's work: past `seconds` the work is cancelled and the request
/// answered 504.
enum Deadline {
    static func run<T: Sendable>(seconds: Double, _ work: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await work() }
            group.addTask {
                try await Task.sleep(nanoseconds: UInt64(seconds * 1e9))
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let value = first else {
                throw Problem(.gatewayTimeout, "the request took longer than \(seconds) s (server.request_timeout_seconds)")
            }
            return value
        }
    }
}

/// A counter of requests in flight with a hard ceiling.
final class ConcurrencyGate: @unchecked Sendable {
    let limit: Int
    private var inFlight = 0
    private let lock = NSLock()

    init(limit: Int) {
        self.limit = limit
    }

    func enter() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard inFlight < limit else { return false }
        inFlight += 1
        return true
    }

    func leave() {
        lock.lock()
        inFlight -= 1
        lock.unlock()
    }

    var current: Int {
        lock.lock()
        defer { lock.unlock() }
        return inFlight
    }
}
