/// The best `k` hits seen so far in result order (score descending, ties by id ascending):
/// a bounded heap whose root is the worst kept hit. Exact scans feed every candidate
/// through `offer`, which is a single comparison once the heap is full.
struct HitCollector {
    let k: Int
    private var heap: [ScoredChunk] = []

    init(k: Int) {
        self.k = k
        heap.reserveCapacity(k)
    }

    /// Keeps `hit` if it ranks among the best `k` so far.
    @inline(__always)
    mutating func offer(id: Int64, score: Float) {
        guard k > 0 else { return }
        if heap.count == k {
            let worst = heap[0]
            guard score > worst.score || (score == worst.score && id < worst.chunkID) else { return }
            heap[0] = ScoredChunk(chunkID: id, score: score)
            siftDown()
        } else {
            heap.append(ScoredChunk(chunkID: id, score: score))
            siftUp()
        }
    }

    /// The kept hits, best first.
    func sorted() -> [ScoredChunk] { heap.sorted(by: ScoredChunk.ranksBefore) }

    /// Whether `a` is a worse hit than `b` (so belongs nearer the root).
    @inline(__always)
    private static func worse(_ a: ScoredChunk, _ b: ScoredChunk) -> Bool { ScoredChunk.ranksBefore(b, a) }

    private mutating func siftUp() {
        var child = heap.count - 1
        let item = heap[child]
        while child > 0 {
            let parent = (child - 1) / 2
            guard Self.worse(item, heap[parent]) else { break }
            heap[child] = heap[parent]
            child = parent
        }
        heap[child] = item
    }

    private mutating func siftDown() {
        let item = heap[0]
        var hole = 0
        let n = heap.count
        while true {
            var child = 2 * hole + 1
            if child >= n { break }
            if child + 1 < n, Self.worse(heap[child + 1], heap[child]) { child += 1 }
            guard Self.worse(heap[child], item) else { break }
            heap[hole] = heap[child]
            hole = child
        }
        heap[hole] = item
    }
}
