/// The exact vector index: every search scores every live vector (or, with a small
/// allow-list, every allowed one). It is the twin `HNSWIndex` is measured against (the
/// recall oracle in tests and benchmarks) and is fast enough on its own for a few
/// thousand vectors.
///
/// Vectors sit contiguously in one buffer; removing one moves the last row into its place,
/// so storage stays dense. Results are exact up to float rounding, ordered by score
/// descending, ties by id ascending.
///
/// Concurrency: searches take a shared lock and may run on any number of threads at once;
/// `add` and `remove` take the exclusive lock (they are short: a row copy), so one writer
/// and many readers never race.
///
/// ```swift
/// let index = try FlatIndex(dimension: 384, metric: .cosine)
/// try index.add(id: 42, vector: embedding)
/// let hits = try index.search(query, k: 10)
/// ```
public final class FlatIndex: VectorIndex, @unchecked Sendable {
    public let dimension: Int
    public let metric: VectorMetric
    let kernel: DistanceKernel
    private let lock = ReadWriteLock()
    // Guarded by `lock`.
    private var vectors: UnsafeMutablePointer<Float>
    private var capacity: Int
    private var ids: [Int64] = []
    private var rows: [Int64: Int] = [:]

    /// An empty index.
    /// - Throws: `IndexError.invalidArgument` unless `dimension` is in 1...65536.
    public init(dimension: Int, metric: VectorMetric = .cosine) throws {
        guard (1 ... 65536).contains(dimension) else {
            throw IndexError(.invalidArgument, path: "", "vector dimension must be in 1...65536, got \(dimension)")
        }
        self.dimension = dimension
        self.metric = metric
        kernel = DistanceKernel(metric: metric, dimension: dimension)
        capacity = 64
        vectors = LargeBuffer.allocate(Float.self, capacity: capacity * dimension)
    }

    deinit { vectors.deallocate() }

    public var count: Int { lock.withReadLock { ids.count } }

    public func contains(id: Int64) -> Bool { lock.withReadLock { rows[id] != nil } }

    /// The stored vector for `id` (normalised under cosine), or nil.
    public func vector(for id: Int64) -> [Float]? {
        lock.withReadLock {
            guard let row = rows[id] else { return nil }
            return Array(UnsafeBufferPointer(start: vectors + row * dimension, count: dimension))
        }
    }

    /// Stores `vector` under `id`, replacing the vector already stored under it.
    /// - Throws: `IndexError.invalidArgument` for a wrong dimension, a non-finite
    ///   component, or a zero vector under cosine.
    public func add(id: Int64, vector: [Float]) throws {
        let prepared = try VectorInput.prepare(vector, dimension: dimension, metric: metric, role: "vector")
        lock.lockExclusive()
        defer { lock.unlock() }
        let row: Int
        if let existing = rows[id] {
            row = existing
        } else {
            if ids.count == capacity { grow() }
            row = ids.count
            ids.append(id)
            rows[id] = row
        }
        prepared.withUnsafeBufferPointer { (vectors + row * dimension).update(from: $0.baseAddress!, count: dimension) }
    }

    /// Removes `id`; returns whether it was stored.
    @discardableResult
    public func remove(id: Int64) -> Bool {
        lock.lockExclusive()
        defer { lock.unlock() }
        guard let row = rows.removeValue(forKey: id) else { return false }
        let last = ids.count - 1
        if row != last {
            (vectors + row * dimension).update(from: vectors + last * dimension, count: dimension)
            ids[row] = ids[last]
            rows[ids[row]] = row
        }
        ids.removeLast()
        return true
    }

    public func search(_ query: [Float], k: Int, filter: VectorFilter?) throws -> [ScoredChunk] {
        let prepared = try VectorInput.prepare(query, dimension: dimension, metric: metric, role: "query")
        lock.lockShared()
        defer { lock.unlock() }
        let limit = try VectorInput.limit(k, live: ids.count)
        guard limit > 0 else { return [] }
        var collector = HitCollector(k: limit)
        prepared.withUnsafeBufferPointer { q in
            let query = q.baseAddress!
            if let allowed = filter?.allowList, allowed.count < ids.count {
                for id in allowed {
                    guard let row = rows[id] else { continue }
                    collector.offer(id: id, score: -kernel.distance(query, vectors + row * dimension))
                }
                return
            }
            ids.withUnsafeBufferPointer { ids in
                for row in 0 ..< ids.count {
                    let id = ids[row]
                    if let filter, !filter.allows(id) { continue }
                    collector.offer(id: id, score: -kernel.distance(query, vectors + row * dimension))
                }
            }
        }
        return collector.sorted()
    }

    private func grow() {
        let bigger = LargeBuffer.allocate(Float.self, capacity: capacity * 2 * dimension)
        bigger.moveInitialize(from: vectors, count: ids.count * dimension)
        vectors.deallocate()
        vectors = bigger
        capacity *= 2
    }
}
