import Foundation

/// A node of a graph search and its distance to the query.
struct NodeDistance {
    var distance: Float
    var node: UInt32
}

/// A binary max-heap of `NodeDistance` keyed by distance, on a manually managed buffer so
/// pushes and pops in the search loop neither allocate nor retain.
///
/// A search keeps two: the results (the top is the worst result so far) and, with negated
/// distances, the candidate queue (the top is the nearest unexpanded node). The owner
/// calls `deallocate()`; a copy of the struct aliases the same buffer, so search code
/// copies it into a local, works on it and stores it back.
struct NodeHeap {
    private(set) var base: UnsafeMutablePointer<NodeDistance>
    private(set) var capacity: Int
    private(set) var count = 0

    init(capacity: Int) {
        self.capacity = max(capacity, 16)
        base = .allocate(capacity: self.capacity)
    }

    func deallocate() { base.deallocate() }

    var isEmpty: Bool { count == 0 }

    /// The largest key; the heap must not be empty.
    var top: NodeDistance {
        @inline(__always) get { base[0] }
    }

    mutating func removeAll() { count = 0 }

    @inline(__always)
    mutating func push(_ distance: Float, _ node: UInt32) {
        if count == capacity { grow() }
        var hole = count
        count &+= 1
        while hole > 0 {
            let parent = (hole &- 1) >> 1
            if base[parent].distance >= distance { break }
            base[hole] = base[parent]
            hole = parent
        }
        base[hole] = NodeDistance(distance: distance, node: node)
    }

    /// Removes and returns the largest key; the heap must not be empty.
    @inline(__always)
    @discardableResult
    mutating func pop() -> NodeDistance {
        let top = base[0]
        count &-= 1
        if count > 0 { siftDown(base[count]) }
        return top
    }

    /// Places `item` from the root down (the root slot is free).
    @inline(__always)
    private mutating func siftDown(_ item: NodeDistance) {
        var hole = 0
        while true {
            var child = 2 &* hole &+ 1
            if child >= count { break }
            if child &+ 1 < count, base[child &+ 1].distance > base[child].distance { child &+= 1 }
            if base[child].distance <= item.distance { break }
            base[hole] = base[child]
            hole = child
        }
        base[hole] = item
    }

    private mutating func grow() {
        let bigger = UnsafeMutablePointer<NodeDistance>.allocate(capacity: capacity * 2)
        bigger.moveInitialize(from: base, count: count)
        base.deallocate()
        base = bigger
        capacity *= 2
    }

    /// Empties the heap into `output` in ascending key order; returns how many it wrote.
    /// `output` must hold `count` items.
    mutating func drainAscending(into output: UnsafeMutablePointer<NodeDistance>) -> Int {
        let total = count
        var i = total
        while count > 0 {
            i &-= 1
            output[i] = pop()
        }
        return total
    }
}

/// The per-search working memory of a graph search: a generation-stamped visited set (one
/// `UInt32` per node: a node is visited when its slot equals the current stamp, so starting
/// a search costs one increment instead of clearing) and the two heaps.
///
/// A scratch belongs to one search at a time; `SearchScratchPool` hands them out.
final class SearchScratch {
    private(set) var visited: UnsafeMutablePointer<UInt32>
    private(set) var visitedCapacity: Int
    private(set) var stamp: UInt32 = 0
    var candidates = NodeHeap(capacity: 256)
    var results = NodeHeap(capacity: 256)
    /// The unvisited neighbours of the node being expanded (a list holds at most 512).
    let fresh = UnsafeMutablePointer<UInt32>.allocate(capacity: 513)
    /// The distances of `fresh`'s nodes to the query.
    let freshDistances = UnsafeMutablePointer<Float>.allocate(capacity: 513)
    /// Room for the drained results of one layer search.
    private(set) var ordered: UnsafeMutablePointer<NodeDistance>
    private(set) var orderedCapacity: Int

    init(nodeCapacity: Int = 1024) {
        visitedCapacity = max(nodeCapacity, 16)
        visited = .allocate(capacity: visitedCapacity)
        visited.initialize(repeating: 0, count: visitedCapacity)
        orderedCapacity = 256
        ordered = .allocate(capacity: orderedCapacity)
    }

    deinit {
        visited.deallocate()
        fresh.deallocate()
        freshDistances.deallocate()
        ordered.deallocate()
        candidates.deallocate()
        results.deallocate()
    }

    /// Starts a traversal of a graph of `nodeCount` nodes and returns the stamp that marks
    /// a node visited in it.
    @inline(__always)
    func beginTraversal(nodeCount: Int) -> UInt32 {
        if nodeCount > visitedCapacity {
            visited.deallocate()
            visitedCapacity = max(nodeCount, visitedCapacity * 2)
            visited = .allocate(capacity: visitedCapacity)
            visited.initialize(repeating: 0, count: visitedCapacity)
            stamp = 0
        }
        stamp &+= 1
        if stamp == 0 {
            visited.update(repeating: 0, count: visitedCapacity)
            stamp = 1
        }
        return stamp
    }

    /// Drains `results` into `ordered`, nearest first, and returns how many there are.
    func drainResults() -> Int {
        if results.count > orderedCapacity {
            ordered.deallocate()
            orderedCapacity = max(results.count, orderedCapacity * 2)
            ordered = .allocate(capacity: orderedCapacity)
        }
        return results.drainAscending(into: ordered)
    }
}

/// Hands each concurrent search its own `SearchScratch`, reusing them so a search does not
/// allocate a visited set of the graph's size.
final class SearchScratchPool: @unchecked Sendable {
    private let lock = NSLock()
    private var idle: [SearchScratch] = []
    /// Scratches kept for reuse at most (more concurrent searches allocate and drop theirs).
    private let limit = 64

    /// A scratch for this thread's exclusive use; return it with `recycle(_:)`.
    func take() -> SearchScratch {
        lock.lock()
        let scratch = idle.popLast()
        lock.unlock()
        return scratch ?? SearchScratch()
    }

    func recycle(_ scratch: SearchScratch) {
        lock.lock()
        if idle.count < limit { idle.append(scratch) }
        lock.unlock()
    }

    /// Drops the idle scratches (after the graph shrank, say).
    func removeAll() {
        lock.lock()
        idle.removeAll()
        lock.unlock()
    }
}
