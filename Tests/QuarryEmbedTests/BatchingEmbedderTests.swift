import Foundation
import QuarryCore
import QuarryEmbed
import Testing

/// Counts the batches it receives.
final class CountingEmbedder: Embedder, @unchecked Sendable {
    let base = HashEmbedder(dimension: 16)
    private let lock = NSLock()
    private(set) var sizes: [Int] = []
    var identity: EmbedderIdentity { base.identity }
    func countTokens(_ text: String) -> Int? { nil }
    var maxInputTokens: Int? { nil }

    func embed(_ texts: [String]) async throws -> [[Float]] {
        lock.withLock { sizes.append(texts.count) }
        return try await base.embed(texts)
    }
}

@Suite struct BatchingEmbedderTests {
    @Test("concurrent calls share one batch and each caller gets its own vectors, in order")
    func coalesces() async throws {
        let counting = CountingEmbedder()
        let batching = BatchingEmbedder(counting, maxWait: 0.05, maxBatch: 64)
        let results = try await withThrowingTaskGroup(of: (Int, [[Float]]).self) { group in
            for i in 0 ..< 8 {
                group.addTask { (i, try await batching.embed(["text \(i)", "other \(i)"])) }
            }
            var results: [Int: [[Float]]] = [:]
            for try await (i, vectors) in group { results[i] = vectors }
            return results
        }
        for i in 0 ..< 8 {
            #expect(results[i] == (try await counting.base.embed(["text \(i)", "other \(i)"])))
        }
        #expect(counting.sizes.reduce(0, +) == 16)
        #expect(counting.sizes.count < 8, "calls were coalesced: \(counting.sizes)")
        #expect(batching.identity == counting.identity)
    }

    @Test("a full batch goes at once; errors reach every caller of the batch")
    func fullAndFailing() async throws {
        let counting = CountingEmbedder()
        // maxWait is far longer than the test: only a full batch can have been sent.
        let batching = BatchingEmbedder(counting, maxWait: 600, maxBatch: 4)
        async let a = batching.embed(["a", "b"])
        async let b = batching.embed(["c", "d"])
        _ = try await (a, b)
        #expect(counting.sizes == [4], "one full batch, sent without waiting: \(counting.sizes)")
        let failing = BatchingEmbedder(FailingEmbedder(), maxWait: 0.01)
        await #expect(throws: EmbedError.self) { _ = try await failing.embed(["x"]) }
    }

    // The limit only catches a hang: on a loaded 2-core machine this suite has taken over a minute.
    @Test("a cancelled caller stops waiting at once, whether its batch is pending or already being embedded", .timeLimit(.minutes(3)))
    func cancellation() async throws {
        // Pending: maxWait is far longer than the test, so the batch is never sent.
        let idle = BatchingEmbedder(CountingEmbedder(), maxWait: 600, maxBatch: 64)
        let waiting = Task { try await idle.embed(["x"]) }
        try await Task.sleep(nanoseconds: 50_000_000)
        waiting.cancel()
        await #expect(throws: CancellationError.self) { _ = try await waiting.value }

        // In a batch: the wrapped embedder has the text and does not answer until released.
        let hanging = HangingEmbedder()
        let batching = BatchingEmbedder(hanging, maxWait: 0.001, maxBatch: 64)
        let inBatch = Task { try await batching.embed(["y"]) }
        for await _ in hanging.arrived { break }
        inBatch.cancel()
        await #expect(throws: CancellationError.self) { _ = try await inBatch.value }
        hanging.release()

        // The embedder still serves the callers that come after.
        #expect(try await batching.embed(["z"]) == (try await hanging.base.embed(["z"])))
    }
}

/// Signals each batch it receives and answers only once `release()` is called.
final class HangingEmbedder: Embedder, @unchecked Sendable {
    let base = HashEmbedder(dimension: 16)
    let arrived: AsyncStream<Void>
    private let signal: AsyncStream<Void>.Continuation
    private let gate: AsyncStream<Void>
    private let opener: AsyncStream<Void>.Continuation
    var identity: EmbedderIdentity { base.identity }
    func countTokens(_ text: String) -> Int? { nil }
    var maxInputTokens: Int? { nil }

    init() {
        (arrived, signal) = AsyncStream<Void>.makeStream()
        (gate, opener) = AsyncStream<Void>.makeStream()
    }

    func release() { opener.finish() }

    func embed(_ texts: [String]) async throws -> [[Float]] {
        signal.yield()
        for await _ in gate {}
        return try await base.embed(texts)
    }
}

struct FailingEmbedder: Embedder {
    var identity: EmbedderIdentity { HashEmbedder().identity }
    func embed(_ texts: [String]) async throws -> [[Float]] { throw EmbedError(.connection, "down") }
    func countTokens(_ text: String) -> Int? { nil }
    var maxInputTokens: Int? { nil }
}
