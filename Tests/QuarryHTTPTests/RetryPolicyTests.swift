import Foundation
import QuarryHTTP
import QuarryTesting
import Testing

@Suite struct RetryPolicyTests {
    static func policy(maxAttempts: Int = 4, jitter: Jitter = .fixed(1), sleeper: LocalHTTPServer.SleepRecorder) -> RetryPolicy {
        RetryPolicy(maxAttempts: maxAttempts, initialBackoff: 0.5, maxBackoff: 8, jitter: jitter, sleep: sleeper.sleep)
    }

    @Test("full jitter stays under the doubling cap, which stops at maxBackoff; Retry-After replaces it, capped")
    func delays() {
        let policy = RetryPolicy(maxAttempts: 3, initialBackoff: 0.5, maxBackoff: 8, jitter: .seeded(42))
        for attempt in 1...12 {
            let cap = min(8, 0.5 * pow(2, Double(attempt - 1)))
            for _ in 0..<50 {
                let delay = policy.delay(afterAttempt: attempt, retryAfter: nil)
                #expect(delay >= 0 && delay <= cap)
            }
        }
        #expect(policy.delay(afterAttempt: 1, retryAfter: 3) == 3)
        #expect(policy.delay(afterAttempt: 1, retryAfter: 120) == 8)
        let fixed = RetryPolicy(maxAttempts: 3, initialBackoff: 0.5, maxBackoff: 8, jitter: .fixed(1))
        #expect((1...6).map { fixed.delay(afterAttempt: $0, retryAfter: nil) } == [0.5, 1, 2, 4, 8, 8])
        let a = RetryPolicy(maxAttempts: 3, initialBackoff: 1, maxBackoff: 8, jitter: .seeded(7))
        let b = RetryPolicy(maxAttempts: 3, initialBackoff: 1, maxBackoff: 8, jitter: .seeded(7))
        #expect((1...5).map { a.delay(afterAttempt: $0, retryAfter: nil) } == (1...5).map { b.delay(afterAttempt: $0, retryAfter: nil) })
        #expect(Jitter { .nan }.unit() == 0 && Jitter { 7 }.unit() == 1)
    }

    @Test("retryable failures are retried until maxAttempts; the last one carries the attempt count")
    func budget() async throws {
        let sleeper = LocalHTTPServer.SleepRecorder()
        var calls = 0
        let error = await #expect(throws: HTTPClientError.self) {
            try await Self.policy(sleeper: sleeper).run { _ -> Int in
                calls += 1
                throw HTTPClientError(.http, "HTTP 500", retryable: true)
            }
        }
        #expect(calls == 4)
        #expect(error?.attempts == 4)
        #expect(error?.attemptsDescription == "4 attempts")
        #expect(sleeper.delays == [0.5, 1, 2])
    }

    @Test("success after retries returns the value; Retry-After sets the delay")
    func recovers() async throws {
        let sleeper = LocalHTTPServer.SleepRecorder()
        let value = try await Self.policy(sleeper: sleeper).run { number -> String in
            if number < 3 { throw HTTPClientError(.http, "HTTP 429", retryable: true, retryAfter: 2) }
            return "ok after \(number)"
        }
        #expect(value == "ok after 3")
        #expect(sleeper.delays == [2, 2])
    }

    @Test("a final failure, or any other error, ends the loop at once")
    func finalFailures() async throws {
        let sleeper = LocalHTTPServer.SleepRecorder()
        var calls = 0
        let error = await #expect(throws: HTTPClientError.self) {
            try await Self.policy(sleeper: sleeper).run { _ -> Int in
                calls += 1
                throw HTTPClientError(.http, "HTTP 401")
            }
        }
        #expect(error?.attempts == 1 && calls == 1)
        struct Other: Error {}
        await #expect(throws: Other.self) { try await Self.policy(sleeper: sleeper).run { _ -> Int in throw Other() } }
        #expect(sleeper.delays.isEmpty)
    }
}
