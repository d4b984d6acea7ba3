import Foundation

/// An order-keeping map over `0 ..< count` on all cores.
///
/// Why this exists: the hand-rolled version of it (a manually allocated buffer of results,
/// filled by `DispatchQueue.concurrentPerform`, copied into an array, then deallocated)
/// is easy to get subtly wrong. `deallocate()` does not release the elements, so every
/// result stayed retained: `quarry serve` leaked each query embedding (≈ 1.6 KiB a
/// request under load) and ingest leaked every chunk's vector. Here the results are
/// written straight into the returned array's storage, which owns them.
public enum ParallelMap {
    /// `(0 ..< count).map(transform)`, with the calls spread over the cores in runs of
    /// `chunk` consecutive indices (a larger chunk amortises the dispatch for cheap work).
    /// `transform` may run on any thread, several at once.
    public static func map<T: Sendable>(_ count: Int, chunk: Int = 1, _ transform: @Sendable (Int) -> T) -> [T] {
        precondition(count >= 0 && chunk >= 1)
        guard count > 1 else { return (0 ..< count).map(transform) }
        let parts = (count - 1) / chunk + 1
        return [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            nonisolated(unsafe) let base = buffer.baseAddress!
            DispatchQueue.concurrentPerform(iterations: parts) { part in
                let start = part * chunk
                for i in start ..< start + min(chunk, count - start) {
                    (base + i).initialize(to: transform(i))
                }
            }
            // concurrentPerform returns once every iteration has run, so all `count` slots
            // are initialised.
            initialized = count
        }
    }
}
