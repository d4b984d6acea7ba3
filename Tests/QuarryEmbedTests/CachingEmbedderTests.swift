import Foundation
import QuarryCore
@testable import QuarryEmbed
import Testing

@Suite struct CachingEmbedderTests {
    @Test("a repeated query is answered from the cache; other calls pass through; hits and misses are counted")
    func caches() async throws {
        let counting = CountingEmbedder()
        let stats = EmbeddingCacheStats()
        let cache = CachingEmbedder(counting, capacity: 2, stats: stats)
        let first = try await cache.embedQuery("what causes tides")
        let again = try await cache.embedQuery("what causes tides")
        #expect(first == again)
        #expect(first == (try await counting.base.embed("what causes tides", as: .query)))
        #expect(counting.sizes == [1], "the second call made no forward pass")
        // Passages (ingest, a document write), alone or batched, are neither looked up nor stored.
        _ = try await cache.embed(["a", "b"])
        _ = try await cache.embed(["what causes tides"])
        _ = try await cache.embed(["what causes tides"])
        #expect(counting.sizes == [1, 2, 1, 1])
        #expect(cache.count == 1)
        #expect(stats.counts.hits == 1)
        #expect(stats.counts.misses == 1)
        // Bounded: the least recently used text goes first.
        _ = try await cache.embedQuery("second")
        _ = try await cache.embedQuery("what causes tides")  // now the most recent
        _ = try await cache.embedQuery("third")              // evicts "second"
        #expect(cache.count == 2)
        let before = counting.sizes.count
        _ = try await cache.embedQuery("what causes tides")
        #expect(counting.sizes.count == before, "kept")
        _ = try await cache.embedQuery("second")
        #expect(counting.sizes.count == before + 1, "evicted, embedded again")
        #expect(cache.identity == counting.identity)
    }

    @Test("texts are keyed by their bytes: canonically equivalent spellings are embedded separately")
    func exactKeys() async throws {
        let counting = CountingEmbedder()
        let cache = CachingEmbedder(counting, capacity: 8)
        let composed = "caf\u{E9}", decomposed = "cafe\u{301}"
        #expect(composed == decomposed, "Swift's == joins them")
        _ = try await cache.embedQuery(composed)
        _ = try await cache.embedQuery(decomposed)
        #expect(counting.sizes == [1, 1], "the model may not read them alike, so neither answers for the other")
    }

    @Test("wrappers describe the model they wrap")
    func wrappersForward() {
        let base = HashEmbedder(dimension: 16, scripts: ["Latn"])
        for wrapper: any Embedder in [CachingEmbedder(base, capacity: 4), BatchingEmbedder(base),
                                      CachingEmbedder(BatchingEmbedder(base), capacity: 4)] {
            #expect(wrapper.identity == base.identity)
            #expect(wrapper.scripts == ["Latn"])
            #expect(wrapper.maxInputTokens == nil && wrapper.countTokens("a b") == nil)
        }
    }

    @Test("errors are not cached")
    func errors() async throws {
        let cache = CachingEmbedder(FailingEmbedder(), capacity: 8)
        await #expect(throws: EmbedError.self) { _ = try await cache.embedQuery("x") }
        await #expect(throws: EmbedError.self) { _ = try await cache.embedQuery("x") }
        #expect(cache.count == 0)
    }

    @Test("LRUMap behaves as a list-ordered reference over 20,000 random operations")
    func lruAgainstReference() {
        var generator = SystemRandomNumberGenerator()
        for capacity in [1, 2, 7, 64] {
            var map = LRUMap<Int, Int>()
            var reference: [(key: Int, value: Int)] = []  // most recent first
            for step in 0 ..< 5000 {
                let key = Int.random(in: 0 ..< capacity * 3, using: &generator)
                if Bool.random(using: &generator) {
                    let got = map.get(key)
                    let index = reference.firstIndex { $0.key == key }
                    #expect(got == index.map { reference[$0].value })
                    if let index { reference.insert(reference.remove(at: index), at: 0) }
                } else {
                    map.put(key, step, capacity: capacity)
                    if let index = reference.firstIndex(where: { $0.key == key }) { reference.remove(at: index) }
                    reference.insert((key, step), at: 0)
                    if reference.count > capacity { reference.removeLast() }
                }
                #expect(map.count == reference.count)
            }
        }
    }
}
