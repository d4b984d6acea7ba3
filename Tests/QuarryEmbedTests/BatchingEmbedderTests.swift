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
    /// Waits until `count` callers are queued behind the busy slot.
    static func waitQueued(_ batching: BatchingEmbedder, _ count: Int) async throws {
        for _ in 0 ..< 3000 where batching.queued < count {
            try await Task.sleep(nanoseconds: 10_000_000)
        }
        #expect(batching.queued == count)
    }

    @Test("a lone call is sent at once; callers queued behind a busy slot share one batch and each gets its own vectors")
    func coalesces() async throws {
        let counting = CountingEmbedder()
        // Nothing else in flight: sent at once, alone (no window to wait out).
        #expect(try await BatchingEmbedder(counting).embed(["alone"]) == (try await counting.base.embed(["alone"])))
        #expect(counting.sizes == [1])

        let hanging = HangingEmbedder()
        let batching = BatchingEmbedder(hanging, maxBatch: 64, maxInFlight: 1)
        let first = Task { try await batching.embed(["first", "one"]) }
        for await _ in hanging.arrived { break }
        let others = (0 ..< 7).map { i in Task { (i, try await batching.embed(["text \(i)", "other \(i)"])) } }
        try await Self.waitQueued(batching, 7)
        hanging.release()
        #expect(try await first.value == (try await hanging.base.embed(["first", "one"])))
        for task in others {
            let (i, vectors) = try await task.value
            #expect(vectors == (try await hanging.base.embed(["text \(i)", "other \(i)"])))
        }
        #expect(hanging.sizes == [2, 14], "the seven queued callers went as one batch: \(hanging.sizes)")
        #expect(batching.identity == hanging.identity)
    }

    @Test("a batch holds at most maxBatch texts; errors reach every caller of the batch")
    func boundedAndFailing() async throws {
        let hanging = HangingEmbedder()
        let batching = BatchingEmbedder(hanging, maxBatch: 4, maxInFlight: 1)
        let first = Task { try await batching.embed(["a"]) }
        for await _ in hanging.arrived { break }
        let others = (0 ..< 3).map { i in Task { try await batching.embed(["b\(i)", "c\(i)"]) } }
        try await Self.waitQueued(batching, 3)
        hanging.release()
        _ = try await first.value
        for task in others { _ = try await task.value }
        #expect(hanging.sizes == [1, 4, 2], "whole callers, at most four texts a batch: \(hanging.sizes)")
        // A call of maxBatch texts or more is a batch by itself.
        _ = try await batching.embed(["1", "2", "3", "4", "5"])
        #expect(hanging.sizes.last == 5)

        let failing = BatchingEmbedder(FailingEmbedder())
        await #expect(throws: EmbedError.self) { _ = try await failing.embed(["x"]) }
        let failed = await withTaskGroup(of: Bool.self) { group in
            for text in ["y", "z", "w"] {
                group.addTask {
                    do { _ = try await failing.embed([text]) } catch is EmbedError { return true } catch { return false }
                    return false
                }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(failed == [true, true, true], "every concurrent caller gets the error")
    }

    // The limit only catches a hang: on a loaded 2-core machine this suite has taken over a minute.
    @Test("a cancelled caller stops waiting at once, whether it is queued or its batch is being embedded", .timeLimit(.minutes(3)))
    func cancellation() async throws {
        let hanging = HangingEmbedder()
        let batching = BatchingEmbedder(hanging, maxBatch: 64, maxInFlight: 1)
        // In a batch: the wrapped embedder has the text and does not answer until released.
        let inBatch = Task { try await batching.embed(["y"]) }
        for await _ in hanging.arrived { break }
        // Queued behind it: the only slot is busy.
        let queued = Task { try await batching.embed(["x"]) }
        try await Self.waitQueued(batching, 1)
        queued.cancel()
        await #expect(throws: CancellationError.self) { _ = try await queued.value }
        #expect(batching.queued == 0)
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
    private let lock = NSLock()
    /// The size of each batch received, in order.
    var sizes: [Int] { lock.withLock { received } }
    private var received: [Int] = []
    var identity: EmbedderIdentity { base.identity }
    func countTokens(_ text: String) -> Int? { nil }
    var maxInputTokens: Int? { nil }

    init() {
        (arrived, signal) = AsyncStream<Void>.makeStream()
        (gate, opener) = AsyncStream<Void>.makeStream()
    }

    func release() { opener.finish() }

    func embed(_ texts: [String]) async throws -> [[Float]] {
        lock.withLock { received.append(texts.count) }
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
