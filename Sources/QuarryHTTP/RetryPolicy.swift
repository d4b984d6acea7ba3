import Foundation

/// How often and how patiently a client retries: capped exponential backoff with full jitter
/// (Brooker, "Exponential Backoff And Jitter", AWS Architecture Blog, 2015).
///
/// Full jitter (a delay uniform in [0, cap]) spreads the retries of many clients that failed
/// together, which plain doubling would keep in lockstep. A server's `Retry-After` replaces
/// the computed delay, still capped by `maxBackoff` so a hostile or confused server cannot
/// park a client for hours.
///
/// `run(_:)` is the one retry loop every HTTP client in Quarry shares: an attempt that throws
/// a retryable `HTTPClientError` is repeated after a delay until `maxAttempts` requests were
/// made; anything else ends the loop at once.
public struct RetryPolicy: Sendable {
    /// Requests in all, first try included (≥ 1).
    public var maxAttempts: Int
    /// Upper bound of the first retry delay, in seconds; doubles per retry.
    public var initialBackoff: Double
    /// Cap on any retry delay, in seconds, `Retry-After` included.
    public var maxBackoff: Double
    /// The random source for the jitter.
    public var jitter: Jitter
    /// Waits between attempts, in seconds; tests pass a recorder that returns at once.
    public var sleep: @Sendable (Double) async throws -> Void

    /// The default sleep: `Task.sleep`, so a cancelled task stops waiting.
    public static let taskSleep: @Sendable (Double) async throws -> Void = { seconds in
        let clamped = seconds.isFinite ? min(max(seconds, 0), 3600) : 0
        try await Task.sleep(nanoseconds: UInt64(clamped * 1_000_000_000))
    }

    public init(maxAttempts: Int, initialBackoff: Double, maxBackoff: Double, jitter: Jitter = .system,
                sleep: @escaping @Sendable (Double) async throws -> Void = RetryPolicy.taskSleep) {
        self.maxAttempts = maxAttempts
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
        self.jitter = jitter
        self.sleep = sleep
    }

    /// The wait after failed attempt number `attempt` (1-based): uniform in
    /// [0, min(maxBackoff, initialBackoff × 2^(attempt−1))]; a `Retry-After` value replaces
    /// it, capped by `maxBackoff`.
    public func delay(afterAttempt attempt: Int, retryAfter: Double?) -> Double {
        if let retryAfter { return min(retryAfter, maxBackoff) }
        let exponent = Double(min(max(attempt - 1, 0), 60))
        let cap = min(maxBackoff, initialBackoff * pow(2, exponent))
        return cap * jitter.unit()
    }

    /// Runs `attempt` (given its 1-based number) until it returns.
    ///
    /// A thrown `HTTPClientError` with `retryable` set is retried after `delay(…)` while
    /// attempts remain; the last one is rethrown with `attempts` filled in. Any other error
    /// (a decoding failure, `CancellationError`) ends the loop at once, unchanged.
    /// - Throws: `HTTPClientError`, `CancellationError`, or what `attempt` throws.
    public func run<T>(_ attempt: (_ number: Int) async throws -> T) async throws -> T {
        var number = 1
        while true {
            try Task.checkCancellation()
            do {
                return try await attempt(number)
            } catch var failure as HTTPClientError {
                failure.attempts = number
                guard failure.retryable && number < maxAttempts else { throw failure }
                try await sleep(delay(afterAttempt: number, retryAfter: failure.retryAfter))
                number += 1
            }
        }
    }
}
