import Foundation
import CKernels
import QuarryCore

/// The HNSW engine: a multi-layer proximity graph over vectors addressed by dense
/// `NodeID`s, with greedy descent and beam search (Malkov & Yashunin 2018, "Efficient and
/// robust approximate nearest neighbor search using Hierarchical Navigable Small World
/// graphs", Algorithms 1, 2, 4 and 5). It knows nothing of caller ids, locks or files:
/// `HNSWIndex` is the façade and `HNSWFile` the format.
///
/// Layout (all manually managed buffers, so the search loop touches no ARC):
/// - `vectors`: `capacity × dimension` floats, node `n` at `n × dimension`;
/// - `links0`: the layer-0 lists, `1 + connectivity0` words per node (count, then ids);
/// - `upperLinks[n]`: for a node of level `L > 0`, one block of `L × (1 + connectivity)`
///   words (layer `l` at `(l − 1) × (1 + connectivity)`), nil at level 0;
/// - `levels`, `tombstones`: one byte per node;
/// - `codes` (int8 serving only): `capacity × dimension` SQ8 codes, node `n` at
///   `n × dimension`, from `quantizer`.
///
/// `vectors` may instead point into a mapped index file (`vectorsMapping`, read-only; an
/// int8 index serving searches reads them only to rescore). They are then exactly `count`
/// rows, so the first insertion's `reserve` copies them out before anything writes.
///
/// Invariants (`checkInvariants()`): a list at layer `l` holds distinct nodes other than its
/// owner, each `< count` and of level `≥ l`, at most `connectivity0` of them at layer 0 and
/// `connectivity` above; the entry point has the highest level. Tombstoned nodes keep
/// their links and route searches, but searches through `AcceptLive` never return them.
///
/// Mutation is split so readers can keep searching while the single writer works: the
/// writer plans an insertion with only reads of shared state (`planInsertion`) and then
/// applies it in a short exclusive section (`commitInsertion`). The type is noncopyable
/// because it owns its buffers.
struct HNSWGraph: ~Copyable {
    typealias NodeID = UInt32
    /// "No node" (an empty graph's entry point).
    static let noNode: NodeID = .max
    /// The highest level a node may draw; levels are stored in a byte.
    static let levelCap = 64

    let kernel: DistanceKernel
    let dimension: Int
    /// M in the paper: the links a new node gets, and the bound on upper-layer lists.
    let connectivity: Int
    /// M_max0: the bound on layer-0 lists (2M, as the paper recommends).
    let connectivity0: Int
    /// efConstruction: the beam width while inserting.
    let expansionAdd: Int
    /// m_L = 1 / ln M: the level distribution's scale.
    let levelMultiplier: Double
    /// Words per layer-0 list (count + connectivity0).
    let stride0: Int
    /// Words per upper-layer list (count + connectivity).
    let strideUpper: Int

    /// Nodes, tombstoned ones included; ids `0 ..< count` are in use.
    var count = 0
    var capacity: Int
    var vectors: UnsafeMutablePointer<Float>
    var links0: UnsafeMutablePointer<UInt32>
    var upperLinks: UnsafeMutablePointer<UnsafeMutablePointer<UInt32>?>
    var levels: UnsafeMutablePointer<UInt8>
    var tombstones: UnsafeMutablePointer<UInt8>
    /// The SQ8 codes of every node, when the index serves int8 searches (`quantize()`).
    var codes: UnsafeMutablePointer<UInt8>?
    var quantizer: ScalarQuantizer?
    /// Nodes when the quantizer was trained (the index retrains once the graph doubles).
    var quantizedCount = 0
    /// The file `vectors` points into, when they were not copied (nil: `vectors` is ours).
    var vectorsMapping: MappedFile?
    var tombstoneCount = 0
    var entryPoint: NodeID = noNode
    /// The entry point's level; −1 when empty.
    var maxLevel = -1

    /// - Parameter mappedVectors: vectors to read in place from a mapped file (`capacity`
    ///   of them) instead of a buffer of our own.
    init(kernel: DistanceKernel, connectivity: Int, expansionAdd: Int, capacity: Int = 64,
         mappedVectors: (file: MappedFile, vectors: UnsafePointer<Float>)? = nil) {
        precondition(connectivity >= 2, "connectivity must be at least 2")
        self.kernel = kernel
        dimension = kernel.dimension
        self.connectivity = connectivity
        connectivity0 = 2 * connectivity
        self.expansionAdd = expansionAdd
        levelMultiplier = 1 / log(Double(connectivity))
        stride0 = 1 + 2 * connectivity
        strideUpper = 1 + connectivity
        self.capacity = max(capacity, 16)
        if let mappedVectors {
            precondition(capacity >= 1, "mapped vectors need the node count as capacity")
            self.capacity = capacity
            vectors = UnsafeMutablePointer(mutating: mappedVectors.vectors)
            vectorsMapping = mappedVectors.file
        } else {
            vectors = LargeBuffer.allocate(Float.self, capacity: self.capacity * dimension)
        }
        links0 = LargeBuffer.allocate(UInt32.self, capacity: self.capacity * stride0)
        upperLinks = .allocate(capacity: self.capacity)
        levels = .allocate(capacity: self.capacity)
        tombstones = .allocate(capacity: self.capacity)
    }

    deinit {
        for node in 0 ..< count { upperLinks[node]?.deallocate() }
        if vectorsMapping == nil { vectors.deallocate() }
        codes?.deallocate()
        links0.deallocate()
        upperLinks.deallocate()
        levels.deallocate()
        tombstones.deallocate()
    }

    // MARK: Access

    var liveCount: Int { count - tombstoneCount }

    @inline(__always)
    func vector(_ node: NodeID) -> UnsafeMutablePointer<Float> {
        vectors + Int(node) &* dimension
    }

    /// The list of `node` at `layer` (count first); `layer` must be ≤ the node's level.
    @inline(__always)
    func links(_ node: NodeID, layer: Int) -> UnsafeMutablePointer<UInt32> {
        if layer == 0 { return links0 + Int(node) &* stride0 }
        return upperLinks[Int(node)].unsafelyUnwrapped + (layer &- 1) &* strideUpper
    }

    @inline(__always)
    func level(_ node: NodeID) -> Int { Int(levels[Int(node)]) }

    @inline(__always)
    func isTombstoned(_ node: NodeID) -> Bool { tombstones[Int(node)] != 0 }

    /// The bound on a list at `layer`.
    @inline(__always)
    func maxLinks(layer: Int) -> Int { layer == 0 ? connectivity0 : connectivity }

    /// A level drawn from the paper's distribution ⌊−ln(U) · m_L⌋, capped at `levelCap`.
    static func randomLevel(using rng: inout SplitMix64, levelMultiplier: Double) -> Int {
        let level = -log(rng.nextUnitInterval()) * levelMultiplier
        return level.isFinite ? min(Int(level), levelCap) : 0
    }

    // MARK: Storage

    /// Grows the buffers to hold at least `minimumCapacity` nodes. Call only while no
    /// reader can see the graph (under the index's write lock).
    mutating func reserve(_ minimumCapacity: Int) {
        guard minimumCapacity > capacity else { return }
        let newCapacity = max(minimumCapacity, capacity + capacity / 2)
        /// `old`'s first `used` elements in a new buffer of `total`; `old` is freed unless it
        /// is not ours (mapped vectors).
        func moved<T>(_ old: UnsafeMutablePointer<T>, _ used: Int, _ total: Int, large: Bool = false, owned: Bool = true) -> UnsafeMutablePointer<T> {
            let new = large ? LargeBuffer.allocate(T.self, capacity: total) : .allocate(capacity: total)
            if owned {
                new.moveInitialize(from: old, count: used)
                old.deallocate()
            } else {
                new.initialize(from: old, count: used)
            }
            return new
        }
        vectors = moved(vectors, count * dimension, newCapacity * dimension, large: true, owned: vectorsMapping == nil)
        vectorsMapping = nil
        if let old = codes { codes = moved(old, count * dimension, newCapacity * dimension, large: true) }
        links0 = moved(links0, count * stride0, newCapacity * stride0, large: true)
        upperLinks = moved(upperLinks, count, newCapacity)
        levels = moved(levels, count, newCapacity)
        tombstones = moved(tombstones, count, newCapacity)
        capacity = newCapacity
    }

    /// Trains an SQ8 quantizer on the live vectors and encodes every node, so searches can
    /// run on the codes (`CodeScorer`). Call only while no reader can see the graph.
    mutating func quantize() {
        install(trainedCodes())
    }

    /// A quantizer trained on the live vectors and every node's codes in a new buffer of
    /// `capacity` rows. Only reads: the writer may run it while readers search, then swap the
    /// result in with `install` under the exclusive lock.
    func trainedCodes() -> (quantizer: ScalarQuantizer, codes: UnsafeMutablePointer<UInt8>) {
        let tombstones = tombstones
        let trained = ScalarQuantizer(dimension: dimension, vectors: vectors, count: count) { tombstones[$0] == 0 }
        let buffer = LargeBuffer.allocate(UInt8.self, capacity: capacity * dimension)
        for node in 0 ..< count { trained.encode(vectors + node * dimension, into: buffer + node * dimension) }
        return (trained, buffer)
    }

    /// Makes `trained` (from `trainedCodes`, with no node added since) the graph's codes.
    mutating func install(_ trained: (quantizer: ScalarQuantizer, codes: UnsafeMutablePointer<UInt8>)) {
        codes?.deallocate()
        codes = trained.codes
        quantizer = trained.quantizer
        quantizedCount = count
    }

    /// Encodes `node`'s vector into its codes (a node being inserted, before it is
    /// published); nothing when the graph is not quantised.
    func encodeCodes(_ node: NodeID) {
        guard let codes, let quantizer else { return }
        quantizer.encode(vector(node), into: codes + Int(node) * dimension)
    }

    /// Marks `node` deleted: it keeps routing searches but is never returned. Returns
    /// false when it already was.
    @discardableResult
    mutating func markTombstoned(_ node: NodeID) -> Bool {
        guard tombstones[Int(node)] == 0 else { return false }
        tombstones[Int(node)] = 1
        tombstoneCount += 1
        return true
    }

    /// Appends a node with its vector, level, tombstone flag and lists (used by loading
    /// and compaction, which write the links afterwards). The links start empty.
    mutating func appendNode(vector: UnsafePointer<Float>, level: Int, tombstoned: Bool) -> NodeID {
        if count == capacity { reserve(count + 1) }
        let node = NodeID(count)
        self.vector(node).update(from: vector, count: dimension)
        encodeCodes(node)
        levels[count] = UInt8(level)
        tombstones[count] = tombstoned ? 1 : 0
        if tombstoned { tombstoneCount += 1 }
        (links0 + count * stride0).initialize(repeating: 0, count: stride0)
        if level > 0 {
            let block = UnsafeMutablePointer<UInt32>.allocate(capacity: level * strideUpper)
            block.initialize(repeating: 0, count: level * strideUpper)
            upperLinks[count] = block
        } else {
            upperLinks[count] = nil
        }
        count += 1
        return node
    }

    // MARK: Search

    /// The greedy walk of the upper layers (ef = 1): from `start` at layer `top` down to
    /// `bottom + 1`, moving to the closest neighbour while it is closer than the current
    /// node. (Moving to the list's closest is what hnswlib's scan-and-move-on-improvement
    /// amounts to.) Each list is scored in one batched call that prefetches the next row
    /// while scoring one, into `scratch.freshDistances`.
    @inline(__always)
    func greedyDescent(_ scorer: some NodeScorer, from start: NodeID, distance: Float,
                       fromLayer top: Int, downToExcluding bottom: Int, scratch: SearchScratch) -> NodeDistance {
        var current = start
        var currentDistance = distance
        var layer = top
        let distances = scratch.freshDistances
        while layer > bottom {
            var changed = true
            while changed {
                changed = false
                let list = links(current, layer: layer)
                let n = Int(list[0])
                scorer.distances(list + 1, count: n, into: distances)
                var j = 0
                while j < n {
                    if distances[j] < currentDistance {
                        currentDistance = distances[j]
                        current = list[j &+ 1]
                        changed = true
                    }
                    j &+= 1
                }
            }
            layer &-= 1
        }
        return NodeDistance(distance: currentDistance, node: current)
    }

    /// SEARCH-LAYER (Algorithm 2): a beam search of width `ef` at `layer` from `entry`,
    /// leaving the `ef` nearest nodes that `accept` takes in `scratch.results`.
    ///
    /// Rejected nodes are still expanded (they route), and while the results hold fewer
    /// than `ef` nodes a restricting acceptor keeps the search going past the usual stop
    /// (nearest candidate farther than the worst result), as hnswlib does for deletions.
    func searchLayer<Scorer: NodeScorer, Acceptor: NodeAcceptor>(_ scorer: Scorer, entry: NodeDistance, ef: Int, layer: Int,
                                                                 scratch: SearchScratch, accept: Acceptor) {
        let stamp = scratch.beginTraversal(nodeCount: count)
        let visited = scratch.visited
        var candidates = scratch.candidates
        var results = scratch.results
        candidates.removeAll()
        results.removeAll()
        defer {
            scratch.candidates = candidates
            scratch.results = results
        }
        let restricts = accept.restricts
        visited[Int(entry.node)] = stamp
        var bound = Float.infinity
        if accept.accepts(entry.node) {
            results.push(entry.distance, entry.node)
            bound = entry.distance
        }
        candidates.push(-entry.distance, entry.node)
        let fresh = scratch.fresh
        let distances = scratch.freshDistances
        while !candidates.isEmpty {
            let current = candidates.pop()
            if -current.distance > bound, results.count == ef || !restricts { break }
            let list = links(current.node, layer: layer)
            let n = Int(list[0])
            // The next candidate's list on its way while this one is read.
            if !candidates.isEmpty { qd_prefetch(links(candidates.top.node, layer: layer)) }
            // First pass: collect the unvisited neighbours. Second: score them in one call,
            // which prefetches each vector while scoring the previous one.
            var pending = 0
            var j = 1
            while j <= n {
                let neighbour = list[j]
                j &+= 1
                if visited[Int(neighbour)] == stamp { continue }
                visited[Int(neighbour)] = stamp
                fresh[pending] = neighbour
                pending &+= 1
            }
            scorer.distances(fresh, count: pending, into: distances)
            var i = 0
            while i < pending {
                let neighbour = fresh[i]
                let d = distances[i]
                i &+= 1
                if results.count < ef || d < bound {
                    candidates.push(-d, neighbour)
                    if accept.accepts(neighbour) {
                        results.push(d, neighbour)
                        if results.count > ef { results.pop() }
                        bound = results.top.distance
                    }
                }
            }
        }
    }

    /// K-NN-SEARCH (Algorithm 5): the `k` nearest accepted nodes, nearest first, found with
    /// beam width `max(ef, k)` at layer 0.
    func search<Acceptor: NodeAcceptor>(_ query: UnsafePointer<Float>, k: Int, ef: Int, scratch: SearchScratch,
                                        accept: Acceptor) -> [NodeDistance] {
        search(VectorScorer(query, self), k: k, ef: ef, scratch: scratch, accept: accept)
    }

    /// The same, scoring nodes with `scorer` (the codes of an int8 index).
    func search<Scorer: NodeScorer, Acceptor: NodeAcceptor>(_ scorer: Scorer, k: Int, ef: Int, scratch: SearchScratch,
                                                            accept: Acceptor) -> [NodeDistance] {
        guard entryPoint != Self.noNode, k > 0 else { return [] }
        let start = NodeDistance(distance: scorer.distance(to: entryPoint), node: entryPoint)
        let entry = greedyDescent(scorer, from: start.node, distance: start.distance, fromLayer: maxLevel, downToExcluding: 0,
                                  scratch: scratch)
        searchLayer(scorer, entry: entry, ef: max(ef, k), layer: 0, scratch: scratch, accept: accept)
        while scratch.results.count > k { scratch.results.pop() }
        let n = scratch.drainResults()
        return Array(UnsafeBufferPointer(start: scratch.ordered, count: n))
    }

    /// SELECT-NEIGHBORS-HEURISTIC (Algorithm 4, without extending candidates and without
    /// keeping pruned connections): walks `candidates` (ascending distance to the base node)
    /// and keeps one unless it is closer to an already kept node than to the base, up to
    /// `maxCount`. Writes the kept ones to `output` and returns how many.
    func selectNeighbours(_ candidates: UnsafePointer<NodeDistance>, count: Int, maxCount: Int,
                          into output: UnsafeMutablePointer<NodeDistance>) -> Int {
        if count <= maxCount {
            output.update(from: candidates, count: count)
            return count
        }
        var selected = 0
        var i = 0
        while i < count, selected < maxCount {
            let candidate = candidates[i]
            let candidateVector = vector(candidate.node)
            var keep = true
            var j = 0
            while j < selected {
                if kernel.distance(candidateVector, vector(output[j].node)) < candidate.distance {
                    keep = false
                    break
                }
                j &+= 1
            }
            if keep {
                output[selected] = candidate
                selected &+= 1
            }
            i &+= 1
        }
        return selected
    }
}

/// Which nodes a search may return (all nodes are traversed either way).
protocol NodeAcceptor {
    /// Whether some nodes may be rejected: then the search keeps expanding until it holds
    /// `ef` accepted nodes.
    var restricts: Bool { get }
    func accepts(_ node: HNSWGraph.NodeID) -> Bool
}

/// Every node (construction and routing).
struct AcceptAll: NodeAcceptor {
    var restricts: Bool { false }
    @inline(__always) func accepts(_ node: HNSWGraph.NodeID) -> Bool { true }
}

/// Nodes that are not tombstoned.
struct AcceptLive: NodeAcceptor {
    let tombstones: UnsafePointer<UInt8>
    let restricts: Bool

    init(_ graph: borrowing HNSWGraph) {
        tombstones = UnsafePointer(graph.tombstones)
        restricts = graph.tombstoneCount > 0
    }

    @inline(__always) func accepts(_ node: HNSWGraph.NodeID) -> Bool { tombstones[Int(node)] == 0 }
}

/// Live nodes whose caller id a filter allows.
struct AcceptFiltered: NodeAcceptor {
    let tombstones: UnsafePointer<UInt8>
    let ids: UnsafePointer<Int64>
    let filter: VectorFilter
    var restricts: Bool { true }

    @inline(__always) func accepts(_ node: HNSWGraph.NodeID) -> Bool {
        tombstones[Int(node)] == 0 && filter.allows(ids[Int(node)])
    }
}
