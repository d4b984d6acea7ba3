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
}

struct FailingEmbedder: Embedder {
    var identity: EmbedderIdentity { HashEmbedder().identity }
    func embed(_ texts: [String]) async throws -> [[Float]] { throw EmbedError(.connection, "down") }
    func countTokens(_ text: String) -> Int? { nil }
    var maxInputTokens: Int? { nil }
}
