extension HNSWGraph {
    /// Checks the structural invariants a search relies on: list lengths, neighbour ids
    /// and levels, the entry point, tombstone counts. Loading runs it on every file, so a
    /// crafted file cannot make a search read out of bounds.
    /// - Throws: `IndexError.corrupt` naming the first violation.
    func checkInvariants(path: String = "") throws {
        func fail(_ message: String) -> IndexError { IndexError(.corrupt, path: path, "HNSW graph: \(message)") }
        guard count <= capacity else { throw fail("count \(count) exceeds capacity \(capacity)") }
        if count == 0 {
            guard entryPoint == Self.noNode, maxLevel == -1, tombstoneCount == 0 else { throw fail("empty graph with an entry point") }
            return
        }
        guard entryPoint < NodeID(count), maxLevel >= 0, maxLevel <= Self.levelCap, level(entryPoint) == maxLevel else {
            throw fail("entry point \(entryPoint) / max level \(maxLevel) inconsistent")
        }
        var tombstoned = 0
        for index in 0 ..< count {
            let node = NodeID(index)
            let nodeLevel = level(node)
            guard nodeLevel <= maxLevel else { throw fail("node \(node) has level \(nodeLevel) above the maximum \(maxLevel)") }
            guard tombstones[index] <= 1 else { throw fail("node \(node) has tombstone flag \(tombstones[index])") }
            tombstoned += Int(tombstones[index])
            guard (nodeLevel > 0) == (upperLinks[index] != nil) else { throw fail("node \(node) upper lists do not match its level") }
            for layer in 0 ... nodeLevel {
                let list = links(node, layer: layer)
                let n = Int(list[0])
                guard n <= maxLinks(layer: layer) else { throw fail("node \(node) has \(n) links at layer \(layer)") }
                for j in stride(from: 1, through: n, by: 1) {
                    let neighbour = list[j]
                    guard neighbour < NodeID(count), neighbour != node else {
                        throw fail("node \(node) links to \(neighbour) at layer \(layer)")
                    }
                    guard level(neighbour) >= layer else {
                        throw fail("node \(node) links to \(neighbour), which has no layer \(layer)")
                    }
                    for i in stride(from: 1, to: j, by: 1) where list[i] == neighbour {
                        throw fail("node \(node) lists \(neighbour) twice at layer \(layer)")
                    }
                }
            }
        }
        guard tombstoned == tombstoneCount else { throw fail("\(tombstoned) tombstones flagged, \(tombstoneCount) counted") }
    }
}
