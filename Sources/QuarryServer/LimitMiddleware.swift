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
/// answered 504 once the work has stopped (every stage checks for cancellation: the HTTP
/// clients cancel their transfer, the encoder finishes its current batch).
///
/// Why a watchdog thread and not a `Task.sleep` raced in a task group: a cancelled sleep
/// keeps about 0.8 KiB until its deadline passes, which under load is megabytes held for
/// the whole timeout (measured: BENCHMARKS.md, "quarry serve under load"). The watchdog
/// holds one dictionary entry per request in flight and nothing after it ends.
enum Deadline {
    static let watchdog = Watchdog(interval: 0.05)

    static func run<T: Sendable>(seconds: Double, _ work: @escaping @Sendable () async throws -> T) async throws -> T {
        let task = Task { try await work() }
        let id = watchdog.add(after: seconds) { task.cancel() }
        do {
            let value = try await withTaskCancellationHandler { try await task.value } onCancel: { task.cancel() }
            watchdog.remove(id)
            return value
        } catch {
            // Gone from the watchdog means it fired: the deadline, not the work, ended this.
            if !watchdog.remove(id) {
                throw Problem(.gatewayTimeout, "the request took longer than \(seconds) s (server.request_timeout_seconds)")
            }
            throw error
        }
    }
}

/// One thread that fires registered callbacks once their deadline passes (checked every
/// `interval` seconds, so a timeout fires up to `interval` late).
final class Watchdog: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [UInt64: (deadline: UInt64, fire: @Sendable () -> Void)] = [:]
    private var next: UInt64 = 0

    init(interval: Double) {
        let thread = Thread { [weak self] in
            while let self {
                Thread.sleep(forTimeInterval: interval)
                for fire in self.due() { fire() }
            }
        }
        thread.name = "quarry-deadlines"
        thread.start()
    }

    private func due() -> [@Sendable () -> Void] {
        let now = DispatchTime.now().uptimeNanoseconds
        return lock.withLock {
            let expired = entries.filter { $0.value.deadline <= now }
            for key in expired.keys { entries.removeValue(forKey: key) }
            return expired.values.map(\.fire)
        }
    }

    func add(after seconds: Double, _ fire: @escaping @Sendable () -> Void) -> UInt64 {
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(max(0, seconds) * 1e9)
        return lock.withLock {
            next += 1
            entries[next] = (deadline, fire)
            return next
        }
    }

    /// Unregisters `id`; false when it was no longer registered, i.e. its callback has fired
    /// (or is firing: `due()` takes an entry out before calling it).
    @discardableResult
    func remove(_ id: UInt64) -> Bool {
        lock.withLock { entries.removeValue(forKey: id) != nil }
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
