import Foundation
import QuarryCore

/// An approximate nearest-neighbour index over caller ids: a hierarchical navigable
/// small-world graph (Malkov & Yashunin 2018) with tombstone deletion, compaction,
/// filtered search and a checksummed file format (`HNSWFile`).
///
/// This is the façade: it maps `Int64` ids to the engine's dense node ids (`HNSWGraph`),
/// checks inputs, chooses between graph and exact search for filters, and owns the locks.
///
/// - **Deletion**: `remove` tombstones the node; it keeps routing searches but never
///   appears in results. Past `compactionThreshold` tombstones (or on `compact()`) the
///   graph is rebuilt without them, repairing the lists that pointed at them. Adding an id
///   that is present replaces its vector (the old node becomes a tombstone).
/// - **Filters**: when the allowed ids are few enough that scoring each costs less than a
///   filtered beam search (see `Configuration.exactFilterFraction` and `exactFilterScale`),
///   they are scanned exactly (recall 1); otherwise the graph is searched with the beam
///   widened by `filteredExpansionFactor`, traversing disallowed nodes but never returning
///   them. Predicate filters are sampled to estimate their selectivity.
/// - **Concurrency**: any number of threads may search while one thread writes. Searches
///   hold a shared lock. A writer (serialised by `writerLock`) plans an insertion under no
///   lock at all: it only reads shared state, which nobody else mutates, and writes the
///   new vector into a slot no reader can reach yet. It then takes the exclusive lock just
///   to copy the planned lists in and publish the node, so readers wait microseconds, not
///   for a whole beam search. Growing the buffers and swapping in a compacted graph also
///   happen under the exclusive lock. Each search borrows its own visited set and heaps
///   from a pool.
///
/// ```swift
/// let index = try HNSWIndex(dimension: 384, metric: .cosine)
/// for (id, vector) in embeddings { try index.add(id: id, vector: vector) }
/// let hits = try index.search(query, k: 10)                              // ef = 64
/// let some = try index.search(query, k: 10, allowing: Set(chunkIDs))     // filtered
/// let bytes = try index.encoded(generation: 3, embedderID: "minilm-l6")  // HNSWFile v1
/// ```
public final class HNSWIndex: VectorIndex, @unchecked Sendable {
    public let dimension: Int
    public let metric: VectorMetric
    public let configuration: Configuration
    /// How searches read the vectors: `.int8` searches the graph on SQ8 codes and rescores
    /// the beam with the float vectors (see `VectorQuantization`).
    public let quantization: VectorQuantization

    /// Guards `graph`, `nodeIDs` and `nodesByID`: shared for searches, exclusive to mutate.
    let lock = ReadWriteLock()
    /// Serialises writers (add, remove, compact, encode) and guards `rng` and `insertion`.
    let writerLock = NSLock()
    let scratchPool = SearchScratchPool()
    var graph: HNSWGraph
    /// The caller id of each node, tombstones included.
    var nodeIDs: [Int64]
    /// The node of each live id.
    var nodesByID: [Int64: HNSWGraph.NodeID]
    var rng: SplitMix64
    private var insertion: InsertionScratch?

    /// An empty index.
    /// - Throws: `IndexError.invalidArgument` for a dimension outside 1...65536 or a knob
    ///   out of range (see `Configuration.validate()`).
    /// - Parameter quantization: `.int8` searches on SQ8 codes once the index holds
    ///   `quantizationMinimum` vectors (its ranges need data) and retrains them whenever it
    ///   has doubled since; until then it searches the floats.
    public init(dimension: Int, metric: VectorMetric = .cosine, configuration: Configuration = Configuration(),
                quantization: VectorQuantization = .none) throws {
        guard (1 ... 65536).contains(dimension) else {
            throw IndexError(.invalidArgument, path: "", "vector dimension must be in 1...65536, got \(dimension)")
        }
        try configuration.validate()
        self.dimension = dimension
        self.metric = metric
        self.configuration = configuration
        self.quantization = quantization
        graph = HNSWGraph(kernel: DistanceKernel(metric: metric, dimension: dimension),
                          connectivity: configuration.connectivity,
                          expansionAdd: max(configuration.expansionAdd, configuration.connectivity))
        nodeIDs = []
        nodesByID = [:]
        rng = SplitMix64(seed: configuration.seed)
    }

    /// An index around a decoded file (loading), optionally with other search knobs; int8
    /// quantisation encodes every vector now.
    init(decoded: consuming HNSWFile.Decoded, overriding tuning: Configuration?, quantization: VectorQuantization) throws {
        var configuration = decoded.header.configuration
        if let tuning {
            try tuning.validate()
            configuration.expansionSearch = tuning.expansionSearch
            configuration.exactFilterFraction = tuning.exactFilterFraction
            configuration.exactFilterScale = tuning.exactFilterScale
            configuration.filteredExpansionFactor = tuning.filteredExpansionFactor
            configuration.compactionThreshold = tuning.compactionThreshold
        }
        dimension = decoded.header.dimension
        metric = decoded.header.metric
        self.configuration = configuration
        rng = SplitMix64(seed: decoded.header.rngState)
        nodeIDs = decoded.nodeIDs
        nodesByID = decoded.nodesByID
        graph = decoded.graph
        self.quantization = quantization
        if quantization == .int8, graph.count >= Self.quantizationMinimum { graph.quantize() }
    }

    // MARK: State

    /// Live (searchable) vectors.
    public var count: Int { lock.withReadLock { nodesByID.count } }

    /// Nodes deleted but still in the graph (until the next compaction).
    public var tombstoneCount: Int { lock.withReadLock { graph.tombstoneCount } }

    public func contains(id: Int64) -> Bool { lock.withReadLock { nodesByID[id] != nil } }

    /// The stored vector for `id` (normalised under cosine), or nil.
    public func vector(for id: Int64) -> [Float]? {
        lock.withReadLock {
            guard let node = nodesByID[id] else { return nil }
            return Array(UnsafeBufferPointer(start: graph.vector(node), count: dimension))
        }
    }

    // MARK: Writing

    /// Inserts `vector` under `id` (replacing the vector stored under it, if any).
    /// - Throws: `IndexError.invalidArgument` for a wrong dimension, a non-finite
    ///   component, a zero vector under cosine, or a full index (2³² − 2 nodes).
    public func add(id: Int64, vector: [Float]) throws {
        let prepared = try VectorInput.prepare(vector, dimension: dimension, metric: metric, role: "vector")
        writerLock.lock()
        defer { writerLock.unlock() }
        try insert(id: id, prepared)
        compactIfNeeded()
    }

    /// Inserts each `(id, vector)` in order, holding the writer lock once.
    /// - Throws: as `add(id:vector:)`; the pairs before the failing one stay inserted.
    public func add(ids: [Int64], vectors: [[Float]]) throws {
        guard ids.count == vectors.count else {
            throw IndexError(.invalidArgument, path: "", "\(ids.count) ids but \(vectors.count) vectors")
        }
        writerLock.lock()
        defer { writerLock.unlock() }
        for (id, vector) in zip(ids, vectors) {
            try insert(id: id, VectorInput.prepare(vector, dimension: dimension, metric: metric, role: "vector"))
        }
        compactIfNeeded()
    }

    /// Tombstones `id`; returns whether it was live. May compact (see
    /// `Configuration.compactionThreshold`).
    @discardableResult
    public func remove(id: Int64) -> Bool {
        writerLock.lock()
        defer { writerLock.unlock() }
        guard let node = nodesByID[id] else { return false }
        lock.lockExclusive()
        graph.markTombstoned(node)
        nodesByID[id] = nil
        lock.unlock()
        compactIfNeeded()
        return true
    }

    /// Rebuilds the graph without its tombstones, repairing the links that pointed at them
    /// (see `HNSWGraph.compacted`). Searches continue on the old graph meanwhile.
    public func compact() {
        writerLock.lock()
        defer { writerLock.unlock() }
        compactLocked()
    }

    /// The writer's insertion; `writerLock` held, `vector` prepared.
    private func insert(id: Int64, _ vector: [Float]) throws {
        guard graph.count < Int(HNSWGraph.noNode) - 1 else {
            throw IndexError(.invalidArgument, path: "", "the HNSW index holds \(graph.count) nodes, its maximum; compact it or shard")
        }
        // Mapped vectors are exactly `count` rows, so this also copies them out, once.
        if graph.count == graph.capacity {
            lock.lockExclusive()
            graph.reserve(graph.count + 1)
            lock.unlock()
        }
        // The slot is beyond `count`: no reader can reach it until the commit publishes it.
        let node = HNSWGraph.NodeID(graph.count)
        vector.withUnsafeBufferPointer { graph.vector(node).update(from: $0.baseAddress!, count: dimension) }
        graph.encodeCodes(node)
        let level = HNSWGraph.randomLevel(using: &rng, levelMultiplier: graph.levelMultiplier)
        let scratch = insertionScratch()
        graph.planInsertion(level: level, scratch: scratch)
        lock.lockExclusive()
        if let replaced = nodesByID[id] { graph.markTombstoned(replaced) }
        graph.commitInsertion(scratch)
        nodeIDs.append(id)
        nodesByID[id] = node
        lock.unlock()
        // Codes clamp a new vector to the trained ranges; retraining at each doubling keeps
        // the ranges those of the data at an amortised O(dimension) per insertion. Trained
        // and encoded while searches go on (only the writer changes the graph), swapped in
        // under the lock.
        if quantization == .int8, graph.count >= max(2 * graph.quantizedCount, Self.quantizationMinimum) {
            let trained = graph.trainedCodes()
            lock.lockExclusive()
            graph.install(trained)
            lock.unlock()
        }
    }

    /// The vectors an int8 index needs before it trains its codes.
    static let quantizationMinimum = 64

    private func insertionScratch() -> InsertionScratch {
        if let insertion { return insertion }
        let scratch = InsertionScratch(stride0: graph.stride0, connectivity: graph.connectivity)
        insertion = scratch
        return scratch
    }

    private func compactIfNeeded() {
        guard let threshold = configuration.compactionThreshold, graph.tombstoneCount > 0,
              Double(graph.tombstoneCount) >= threshold * Double(graph.count) else { return }
        compactLocked()
    }

    /// `writerLock` held.
    private func compactLocked() {
        guard graph.tombstoneCount > 0 else { return }
        var mapping: [HNSWGraph.NodeID] = []
        let scratch = scratchPool.take()
        var compacted = graph.compacted(scratch: scratch, mapping: &mapping)
        scratchPool.recycle(scratch)
        if quantization == .int8, compacted.count >= Self.quantizationMinimum { compacted.quantize() }
        var ids: [Int64] = []
        ids.reserveCapacity(compacted.count)
        for (old, new) in mapping.enumerated() where new != HNSWGraph.noNode { ids.append(nodeIDs[old]) }
        var byID = [Int64: HNSWGraph.NodeID](minimumCapacity: ids.count)
        for (node, id) in ids.enumerated() { byID[id] = HNSWGraph.NodeID(node) }
        lock.lockExclusive()
        graph = compacted
        nodeIDs = ids
        nodesByID = byID
        lock.unlock()
    }

    // MARK: Searching

    public func search(_ query: [Float], k: Int, filter: VectorFilter?) throws -> [ScoredChunk] {
        try search(query, k: k, filter: filter, expansionSearch: configuration.expansionSearch)
    }

    /// The `k` nearest live vectors that `filter` allows, with beam width
    /// `max(expansionSearch, k)` (ef in the paper) instead of the configured one.
    /// - Throws: `IndexError.invalidArgument` for a bad query, `k < 0` or `expansionSearch < 1`.
    public func search(_ query: [Float], k: Int, filter: VectorFilter? = nil, expansionSearch: Int) throws -> [ScoredChunk] {
        guard expansionSearch >= 1 else {
            throw IndexError(.invalidArgument, path: "", "expansionSearch (ef) must be at least 1, got \(expansionSearch)")
        }
        let prepared = try VectorInput.prepare(query, dimension: dimension, metric: metric, role: "query")
        let scratch = scratchPool.take()
        defer { scratchPool.recycle(scratch) }
        lock.lockShared()
        defer { lock.unlock() }
        let limit = try VectorInput.limit(k, live: nodesByID.count)
        guard limit > 0 else { return [] }
        return prepared.withUnsafeBufferPointer { query in
            nodeIDs.withUnsafeBufferPointer { ids in
                searchLocked(query.baseAddress!, k: limit, ef: expansionSearch, filter: filter, ids: ids.baseAddress!,
                             scratch: scratch)
            }
        }
    }

    /// Shared lock held.
    private func searchLocked(_ query: UnsafePointer<Float>, k: Int, ef: Int, filter: VectorFilter?, ids: UnsafePointer<Int64>,
                              scratch: SearchScratch) -> [ScoredChunk] {
        guard let filter else {
            return hits(graphSearch(query, k: k, ef: ef, scratch: scratch, accept: AcceptLive(graph)), ids)
        }
        let live = nodesByID.count
        let widened = Int(min(Double(max(ef, k)) * configuration.filteredExpansionFactor, Double(max(live, k))).rounded(.up))
        switch filter.rule {
        case .allowList(let allowed):
            if scansExactly(allowed: allowed.count, live: live, ef: widened) {
                let nodesByID = nodesByID
                return exactSearch(query, k: k, ids: ids, scratch: scratch, nodes: allowed.lazy.compactMap { nodesByID[$0] })
            }
        case .predicate(let predicate):
            if scansExactly(allowed: estimateAllowed(predicate, ids: ids), live: live, ef: widened) {
                let tombstones = graph.tombstones
                let nodes = (0 ..< graph.count).lazy.filter { tombstones[$0] == 0 && predicate(ids[$0]) }.map { HNSWGraph.NodeID($0) }
                return exactSearch(query, k: k, ids: ids, scratch: scratch, nodes: nodes)
            }
        }
        let accept = AcceptFiltered(tombstones: graph.tombstones, ids: ids, filter: filter)
        return hits(graphSearch(query, k: k, ef: max(widened, k), scratch: scratch, accept: accept), ids)
    }

    /// The graph search: on the float vectors, or for an int8 index on the codes, keeping
    /// the whole beam of `max(ef, k)` and reordering it by the float vectors before the
    /// `k` best are taken (the codes only steer the walk). Shared lock held.
    private func graphSearch<Acceptor: NodeAcceptor>(_ query: UnsafePointer<Float>, k: Int, ef: Int, scratch: SearchScratch,
                                                     accept: Acceptor) -> [NodeDistance] {
        guard let codes = graph.codes, let quantizer = graph.quantizer else {
            return graph.search(query, k: k, ef: ef, scratch: scratch, accept: accept)
        }
        let beam = max(ef, k)
        let form = graph.kernel.form
        let (values, offset) = quantizer.prepare(query, form: form)
        let found = values.withUnsafeBufferPointer { values in
            quantizer.step.withUnsafeBufferPointer { step in
                graph.search(CodeScorer(prepared: values.baseAddress!, offset: offset, step: step.baseAddress!, codes: codes,
                                        dimension: Int32(dimension), form: form),
                             k: beam, ef: beam, scratch: scratch, accept: accept)
            }
        }
        let exact = VectorScorer(query, graph)
        var rescored: [NodeDistance] = []
        rescored.reserveCapacity(found.count)
        for candidate in found { rescored.append(NodeDistance(distance: exact.distance(to: candidate.node), node: candidate.node)) }
        rescored.sort { (a: NodeDistance, b: NodeDistance) -> Bool in a.distance < b.distance || (a.distance == b.distance && a.node < b.node) }
        return Array(rescored.prefix(k))
    }

    /// The `k` best of `nodes` by exact distance. Nodes are scored in batches of 64 by one
    /// prefetching kernel call, so their cache misses overlap. Shared lock held.
    private func exactSearch(_ query: UnsafePointer<Float>, k: Int, ids: UnsafePointer<Int64>, scratch: SearchScratch,
                             nodes: some Sequence<HNSWGraph.NodeID>) -> [ScoredChunk] {
        var collector = HitCollector(k: k)
        let batch = scratch.fresh
        let distances = scratch.freshDistances
        var pending = 0
        func flush() {
            graph.kernel.distances(query, rows: batch, count: pending, of: graph.vectors, into: distances)
            for i in 0 ..< pending { collector.offer(id: ids[Int(batch[i])], score: -distances[i]) }
            pending = 0
        }
        for node in nodes {
            batch[pending] = node
            pending += 1
            if pending == 64 { flush() }
        }
        flush()
        return collector.sorted()
    }

    /// Whether scoring `allowed` vectors one by one is expected to beat a filtered beam
    /// search of width `ef` (see `Configuration.exactFilterScale`).
    private func scansExactly(allowed: Int, live: Int, ef: Int) -> Bool {
        let beamCost = (Double(ef) * Double(graph.connectivity0) * Double(live)).squareRoot()
        return Double(allowed) <= max(configuration.exactFilterFraction * Double(live), configuration.exactFilterScale * beamCost)
    }

    /// The predicate's allowed share of up to 512 evenly spaced live nodes, scaled to the
    /// live count. Shared lock held.
    private func estimateAllowed(_ predicate: (Int64) -> Bool, ids: UnsafePointer<Int64>) -> Int {
        let step = max(1, graph.count / 512)
        var sampled = 0, allowed = 0
        for node in stride(from: 0, to: graph.count, by: step) where graph.tombstones[node] == 0 {
            sampled += 1
            if predicate(ids[node]) { allowed += 1 }
        }
        guard sampled > 0 else { return 0 }
        return Int((Double(allowed) / Double(sampled) * Double(nodesByID.count)).rounded(.up))
    }

    private func hits(_ found: [NodeDistance], _ ids: UnsafePointer<Int64>) -> [ScoredChunk] {
        found.map { ScoredChunk(chunkID: ids[Int($0.node)], score: -$0.distance) }.sorted(by: ScoredChunk.ranksBefore)
    }
}
