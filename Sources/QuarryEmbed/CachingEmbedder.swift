import Foundation
import QuarryCore

/// A bounded LRU cache of query vectors in front of an embedder: the server's. A repeated
/// query (a dashboard's, a retried request, the same question from many users) is answered
/// from memory instead of a forward pass.
///
/// - Only `embedQuery` is cached — retrieval's one query per request. `embed` (ingest,
///   document writes, drift, eval batches) passes straight through, so passages neither
///   push the queries out nor count as lookups.
/// - The key is the query's exact text, compared by its UTF-8 bytes: two queries share a
///   vector only when the model would read the same input (Swift's `==` would also join
///   canonically equivalent spellings, which a tokenizer need not treat alike). One cache
///   serves one embedder, so its identity is implied; the catalog wraps each embedder in its
///   own.
/// - Two concurrent misses on one text both embed it (the second insert wins); the vectors
///   are the same.
public final class CachingEmbedder: WrappingEmbedder, @unchecked Sendable {
    public let base: any Embedder
    /// Entries kept at most; the least recently used goes first.
    public let capacity: Int
    private let stats: EmbeddingCacheStats?
    private let lock = NSLock()
    /// Guarded by `lock`.
    private var lru = LRUMap<[UInt8], [Float]>()

    /// - Parameter stats: counts hits and misses across every cache that shares it (the
    ///   server's /metrics).
    public init(_ base: any Embedder, capacity: Int, stats: EmbeddingCacheStats? = nil) {
        self.base = base
        self.capacity = max(1, capacity)
        self.stats = stats
    }

    /// Entries held now.
    public var count: Int { lock.withLock { lru.count } }

    public func embed(_ texts: [String]) async throws -> [[Float]] {
        try await base.embed(texts)
    }

    public func embedQuery(_ text: String) async throws -> [Float] {
        let key = Array(text.utf8)
        if let hit = lock.withLock({ lru.get(key) }) {
            stats?.record(hit: true)
            return hit
        }
        stats?.record(hit: false)
        let vector = try await base.embedQuery(text)
        lock.withLock { lru.put(key, vector, capacity: capacity) }
        return vector
    }
}

/// Hit and miss counts of query-embedding caches, read by the server's /metrics.
public final class EmbeddingCacheStats: @unchecked Sendable {
    private let lock = NSLock()
    private var hitCount = 0
    private var missCount = 0

    public init() {}

    func record(hit: Bool) {
        lock.withLock {
            if hit { hitCount += 1 } else { missCount += 1 }
        }
    }

    /// Lookups answered from the cache, and lookups that embedded, since start.
    public var counts: (hits: Int, misses: Int) { lock.withLock { (hitCount, missCount) } }
}

/// A least-recently-used map: a dictionary from key to slot, and the slots in a doubly linked
/// list threaded through arrays (most recent at the head), so `get` and `put` are O(1) and a
/// full map reuses the evicted slot instead of allocating.
struct LRUMap<Key: Hashable, Value> {
    private struct Slot {
        var key: Key
        var value: Value
        var previous: Int
        var next: Int
    }

    private var slots: [Slot] = []
    private var index: [Key: Int] = [:]
    private var head = -1
    private var tail = -1

    var count: Int { index.count }

    /// The value of `key`, which becomes the most recently used.
    mutating func get(_ key: Key) -> Value? {
        guard let slot = index[key] else { return nil }
        moveToFront(slot)
        return slots[slot].value
    }

    /// Sets `key` to `value` as the most recently used, evicting the least recently used
    /// entry when `capacity` are held.
    mutating func put(_ key: Key, _ value: Value, capacity: Int) {
        if let slot = index[key] {
            slots[slot].value = value
            moveToFront(slot)
            return
        }
        let slot: Int
        if slots.count < capacity {
            slot = slots.count
            slots.append(Slot(key: key, value: value, previous: -1, next: -1))
        } else {
            slot = tail
            unlink(slot)
            index[slots[slot].key] = nil
            slots[slot].key = key
            slots[slot].value = value
        }
        index[key] = slot
        pushFront(slot)
    }

    private mutating func unlink(_ slot: Int) {
        let previous = slots[slot].previous, next = slots[slot].next
        if previous >= 0 { slots[previous].next = next } else { head = next }
        if next >= 0 { slots[next].previous = previous } else { tail = previous }
        slots[slot].previous = -1
        slots[slot].next = -1
    }

    private mutating func pushFront(_ slot: Int) {
        slots[slot].previous = -1
        slots[slot].next = head
        if head >= 0 { slots[head].previous = slot }
        head = slot
        if tail < 0 { tail = slot }
    }

    private mutating func moveToFront(_ slot: Int) {
        guard slot != head else { return }
        unlink(slot)
        pushFront(slot)
    }
}
