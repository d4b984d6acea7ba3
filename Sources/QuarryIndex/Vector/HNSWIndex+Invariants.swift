extension HNSWIndex {
    /// Checks the graph's structure (`HNSWGraph.checkInvariants`) and the id mapping: one
    /// id per node, every live id mapped to its node, no tombstone mapped. Tests call it
    /// after mutations.
    /// - Throws: `IndexError.corrupt` naming the first violation.
    func checkInvariants() throws {
        writerLock.lock()
        defer { writerLock.unlock() }
        lock.lockShared()
        defer { lock.unlock() }
        try graph.checkInvariants()
        func fail(_ message: String) -> IndexError { IndexError(.corrupt, path: "", "HNSW index: \(message)") }
        guard nodeIDs.count == graph.count else { throw fail("\(nodeIDs.count) ids for \(graph.count) nodes") }
        guard nodesByID.count == graph.liveCount else { throw fail("\(nodesByID.count) live ids for \(graph.liveCount) live nodes") }
        for (id, node) in nodesByID {
            guard Int(node) < graph.count, nodeIDs[Int(node)] == id, !graph.isTombstoned(node) else {
                throw fail("id \(id) maps to node \(node), which does not hold it live")
            }
        }
    }
}
