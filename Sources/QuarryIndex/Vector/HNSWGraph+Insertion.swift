/// The writer's reusable working memory for one insertion at a time, and the plan it
/// produces: the new node's lists per layer and the replacement lists of the neighbours
/// that link back to it.
final class InsertionScratch {
    let search = SearchScratch()
    let stride0: Int
    let connectivity: Int
    /// The planned node's level.
    var level = 0
    /// `(levelCap + 1) × stride0` words: the new node's list per layer.
    let ownLinks: UnsafeMutablePointer<UInt32>
    /// Lists to overwrite at commit: `stride0` words each, for `updateTargets[i]`; room for
    /// `updateCapacity` (a node of level L updates at most (L + 1) · connectivity lists).
    private(set) var updateLinks: UnsafeMutablePointer<UInt32>
    private(set) var updateTargets: UnsafeMutablePointer<(node: HNSWGraph.NodeID, layer: Int)>
    private(set) var updateCapacity: Int
    var updateCount = 0
    /// Scratch lists of (distance, node): one layer's sorted beam and the new node's
    /// selected neighbours; a full neighbour list's candidates and what the heuristic keeps.
    private(set) var beam: UnsafeMutablePointer<NodeDistance>
    private(set) var beamCapacity: Int
    let selected: UnsafeMutablePointer<NodeDistance>
    let pruning: UnsafeMutablePointer<NodeDistance>
    let pruned: UnsafeMutablePointer<NodeDistance>

    init(stride0: Int, connectivity: Int) {
        self.stride0 = stride0
        self.connectivity = connectivity
        let layers = HNSWGraph.levelCap + 1
        ownLinks = .allocate(capacity: layers * stride0)
        updateCapacity = 4 * connectivity
        updateLinks = .allocate(capacity: updateCapacity * stride0)
        updateTargets = .allocate(capacity: updateCapacity)
        beamCapacity = 256
        beam = .allocate(capacity: beamCapacity)
        selected = .allocate(capacity: stride0)
        pruning = .allocate(capacity: stride0 + 1)
        pruned = .allocate(capacity: stride0)
    }

    deinit {
        ownLinks.deallocate()
        updateLinks.deallocate()
        updateTargets.deallocate()
        beam.deallocate()
        selected.deallocate()
        pruning.deallocate()
        pruned.deallocate()
    }

    func reset(level: Int) {
        self.level = level
        updateCount = 0
        if (level + 1) * connectivity > updateCapacity {
            updateLinks.deallocate()
            updateTargets.deallocate()
            updateCapacity = (level + 1) * connectivity
            updateLinks = .allocate(capacity: updateCapacity * stride0)
            updateTargets = .allocate(capacity: updateCapacity)
        }
        ownLinks.update(repeating: 0, count: (level + 1) * stride0)
    }

    /// Moves the search results into `beam`, nearest first; returns how many.
    func drainBeam() -> Int {
        if search.results.count > beamCapacity {
            beam.deallocate()
            beamCapacity = max(search.results.count, beamCapacity * 2)
            beam = .allocate(capacity: beamCapacity)
        }
        return search.results.drainAscending(into: beam)
    }
}

extension HNSWGraph {
    /// INSERT (Algorithm 1), first half: plans linking node `count` (whose vector the caller
    /// has already written to its slot) at `level`, reading shared state only, so readers
    /// may search concurrently. The plan lands in `scratch`; `commitInsertion` applies it.
    ///
    /// On each layer from `min(level, maxLevel)` down to 0 it runs SEARCH-LAYER with
    /// `expansionAdd`, keeps `connectivity` neighbours by the heuristic, and plans each
    /// neighbour's back link, re-running the heuristic on that neighbour's list when it is
    /// full (`connectivity0` at layer 0, `connectivity` above).
    func planInsertion(level: Int, scratch: InsertionScratch) {
        precondition(count < capacity, "reserve before planning an insertion")
        scratch.reset(level: level)
        guard entryPoint != Self.noNode else { return }
        let node = NodeID(count)
        let query = UnsafePointer(vector(node))
        var entry = NodeDistance(distance: kernel.distance(query, vector(entryPoint)), node: entryPoint)
        if level < maxLevel {
            entry = greedyDescent(VectorScorer(query, self), from: entry.node, distance: entry.distance, fromLayer: maxLevel, downToExcluding: level,
                                  scratch: scratch.search)
        }
        var layer = min(level, maxLevel)
        while layer >= 0 {
            searchLayer(VectorScorer(query, self), entry: entry, ef: expansionAdd, layer: layer, scratch: scratch.search, accept: AcceptAll())
            let found = scratch.drainBeam()
            entry = scratch.beam[0]
            let kept = selectNeighbours(scratch.beam, count: found, maxCount: connectivity, into: scratch.selected)
            let own = scratch.ownLinks + layer * stride0
            own[0] = UInt32(kept)
            for i in 0 ..< kept {
                own[1 + i] = scratch.selected[i].node
                planBackLink(from: scratch.selected[i].node, to: node, distance: scratch.selected[i].distance,
                             layer: layer, scratch: scratch)
            }
            layer -= 1
        }
    }

    /// Plans `neighbour`'s list at `layer` with `node` added: appended when there is room,
    /// else re-selected by the heuristic among the old list and `node`.
    private func planBackLink(from neighbour: NodeID, to node: NodeID, distance: Float, layer: Int,
                              scratch: InsertionScratch) {
        let list = links(neighbour, layer: layer)
        let n = Int(list[0])
        let limit = maxLinks(layer: layer)
        let slot = scratch.updateCount
        scratch.updateCount += 1
        scratch.updateTargets[slot] = (neighbour, layer)
        let output = scratch.updateLinks + slot * stride0
        if n < limit {
            output.update(from: list, count: n + 1)
            output[n + 1] = node
            output[0] = UInt32(n + 1)
            return
        }
        // Full: the heuristic over the new node and the old neighbours, sorted ascending by
        // distance to `neighbour` (insertion sort: at most connectivity0 + 1 items).
        let candidates = scratch.pruning
        let base = UnsafePointer(vector(neighbour))
        candidates[0] = NodeDistance(distance: distance, node: node)
        var total = 1
        for j in 1 ... n {
            let other = list[j]
            let item = NodeDistance(distance: kernel.distance(base, vector(other)), node: other)
            var position = total
            while position > 0, candidates[position - 1].distance > item.distance {
                candidates[position] = candidates[position - 1]
                position -= 1
            }
            candidates[position] = item
            total += 1
        }
        let kept = selectNeighbours(candidates, count: total, maxCount: limit, into: scratch.pruned)
        output[0] = UInt32(kept)
        for i in 0 ..< kept { output[1 + i] = scratch.pruned[i].node }
    }

    /// INSERT, second half: publishes node `count` as planned in `scratch`. Call under the
    /// index's write lock (it changes lists readers follow); it only copies words.
    mutating func commitInsertion(_ scratch: InsertionScratch) {
        let node = NodeID(count)
        let level = scratch.level
        levels[count] = UInt8(level)
        tombstones[count] = 0
        (links0 + count * stride0).update(from: scratch.ownLinks, count: stride0)
        if level > 0 {
            let block = UnsafeMutablePointer<UInt32>.allocate(capacity: level * strideUpper)
            for layer in 1 ... level {
                let own = scratch.ownLinks + layer * stride0
                (block + (layer - 1) * strideUpper).initialize(from: own, count: strideUpper)
            }
            upperLinks[count] = block
        } else {
            upperLinks[count] = nil
        }
        for i in 0 ..< scratch.updateCount {
            let target = scratch.updateTargets[i]
            let source = scratch.updateLinks + i * stride0
            links(target.node, layer: target.layer).update(from: source, count: Int(source[0]) + 1)
        }
        count += 1
        if level > maxLevel {
            maxLevel = level
            entryPoint = node
        }
    }
}
