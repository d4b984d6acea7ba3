extension HNSWGraph {
    /// A copy of the graph without its tombstoned nodes, renumbered densely in the old
    /// order, with every list that pointed at a tombstone repaired, so search quality does
    /// not decay after many deletions. `mapping[old]` receives each old node's new id
    /// (`noNode` for removed ones). Reads `self` only: readers may keep searching it.
    ///
    /// Repair, per live node and layer whose list holds a tombstone: the candidates are its
    /// live neighbours plus the live neighbours of its tombstoned ones (the two-hop
    /// neighbourhood the deleted node used to bridge); when that yields fewer than
    /// `connectivity`, a beam search of width `expansionAdd` for the node's own vector
    /// supplies them instead. The list is then re-selected with the neighbour heuristic
    /// (Algorithm 4), like an overflowing list during construction, and refilled to its old
    /// length with the nearest candidates the heuristic pruned. This costs about as much as
    /// inserting the affected nodes' back links, far less than rebuilding.
    func compacted(scratch: SearchScratch, mapping: inout [NodeID]) -> HNSWGraph {
        mapping = [NodeID](repeating: Self.noNode, count: count)
        var result = HNSWGraph(kernel: kernel, connectivity: connectivity, expansionAdd: expansionAdd,
                               capacity: max(liveCount, 16))
        for old in 0 ..< count where tombstones[old] == 0 {
            mapping[old] = result.appendNode(vector: vector(NodeID(old)), level: level(NodeID(old)), tombstoned: false)
        }
        guard result.count > 0 else { return result }
        var entry = entryPoint
        if isTombstoned(entry) {
            var best = -1
            for old in 0 ..< count where tombstones[old] == 0 && Int(levels[old]) > best {
                best = Int(levels[old])
                entry = NodeID(old)
            }
        }
        result.entryPoint = mapping[Int(entry)]
        result.maxLevel = level(entry)

        var candidates: [NodeDistance] = []
        candidates.reserveCapacity(connectivity0 * (connectivity0 + 1))
        let kept = UnsafeMutablePointer<NodeDistance>.allocate(capacity: stride0)
        defer { kept.deallocate() }
        for old in 0 ..< count where tombstones[old] == 0 {
            let node = NodeID(old)
            for layer in 0 ... level(node) {
                let list = links(node, layer: layer)
                let n = Int(list[0])
                let target = result.links(mapping[old], layer: layer)
                var touchesTombstone = false
                for j in stride(from: 1, through: n, by: 1) where isTombstoned(list[j]) {
                    touchesTombstone = true
                    break
                }
                if !touchesTombstone {
                    target[0] = UInt32(n)
                    for j in stride(from: 1, through: n, by: 1) { target[j] = mapping[Int(list[j])] }
                    continue
                }
                gatherRepairCandidates(of: node, layer: layer, scratch: scratch, into: &candidates)
                if candidates.count < connectivity {
                    searchRepairCandidates(of: node, layer: layer, scratch: scratch, into: &candidates)
                }
                candidates.sort { $0.distance < $1.distance || ($0.distance == $1.distance && $0.node < $1.node) }
                let limit = maxLinks(layer: layer)
                var selected = candidates.withUnsafeBufferPointer {
                    selectNeighbours($0.baseAddress!, count: $0.count, maxCount: limit, into: kept)
                }
                // Refill to the list's old length with the nearest pruned candidates
                // (keepPrunedConnections): the heuristic alone would leave repaired lists
                // much sparser than the back-link-filled lists around them.
                let goal = min(limit, max(n, selected))
                if selected < goal {
                    var next = 0
                    let chosen = selected
                    for candidate in candidates where selected < goal {
                        if next < chosen, kept[next].node == candidate.node {
                            next += 1
                        } else {
                            kept[selected] = candidate
                            selected += 1
                        }
                    }
                }
                target[0] = UInt32(selected)
                for i in 0 ..< selected { target[1 + i] = mapping[Int(kept[i].node)] }
            }
        }
        return result
    }

    /// The live neighbours of `node` at `layer` and those of its tombstoned neighbours,
    /// each once, with their distances to `node`.
    private func gatherRepairCandidates(of node: NodeID, layer: Int, scratch: SearchScratch,
                                        into candidates: inout [NodeDistance]) {
        candidates.removeAll(keepingCapacity: true)
        let base = UnsafePointer(vector(node))
        let stamp = scratch.beginTraversal(nodeCount: count)
        let visited = scratch.visited
        visited[Int(node)] = stamp
        let list = links(node, layer: layer)
        for j in stride(from: 1, through: Int(list[0]), by: 1) {
            let neighbour = list[j]
            guard visited[Int(neighbour)] != stamp else { continue }
            visited[Int(neighbour)] = stamp
            if !isTombstoned(neighbour) {
                candidates.append(NodeDistance(distance: kernel.distance(base, vector(neighbour)), node: neighbour))
                continue
            }
            let bridged = links(neighbour, layer: layer)
            for i in stride(from: 1, through: Int(bridged[0]), by: 1) {
                let other = bridged[i]
                guard visited[Int(other)] != stamp else { continue }
                visited[Int(other)] = stamp
                if !isTombstoned(other) {
                    candidates.append(NodeDistance(distance: kernel.distance(base, vector(other)), node: other))
                }
            }
        }
    }

    /// The `expansionAdd` live nodes nearest to `node` at `layer`, found by searching this
    /// (uncompacted) graph.
    private func searchRepairCandidates(of node: NodeID, layer: Int, scratch: SearchScratch,
                                        into candidates: inout [NodeDistance]) {
        let query = UnsafePointer(vector(node))
        var entry = NodeDistance(distance: kernel.distance(query, vector(entryPoint)), node: entryPoint)
        entry = greedyDescent(VectorScorer(query, self), from: entry.node, distance: entry.distance, fromLayer: maxLevel, downToExcluding: layer,
                              scratch: scratch)
        searchLayer(VectorScorer(query, self), entry: entry, ef: expansionAdd, layer: layer, scratch: scratch, accept: AcceptLive(self))
        candidates.removeAll(keepingCapacity: true)
        while !scratch.results.isEmpty {
            let found = scratch.results.pop()
            if found.node != node { candidates.append(found) }
        }
    }
}
