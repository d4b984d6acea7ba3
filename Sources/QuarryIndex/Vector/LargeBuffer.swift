#if canImport(Glibc)
import Glibc
#endif

/// Allocation of the big arrays that a vector search reads at random (an index's vectors
/// and its layer-0 links), on 2 MiB boundaries with the kernel asked for transparent huge
/// pages (`madvise(MADV_HUGEPAGE)`).
///
/// Why: a search reads a few hundred vectors scattered over the whole array. With 4 KiB
/// pages nearly every one of them also misses the TLB once the array is larger than the
/// TLB's reach (a few MiB), and the page walk adds to the cache miss; with 2 MiB pages
/// the whole of a 100k × 384 set (150 MiB) needs 75 entries. Debian's default THP mode is
/// `madvise`, so without the call the pages stay small. Measured in BENCHMARKS.md ("HNSW
/// speed"). Small arrays are allocated normally.
///
/// The memory is released with the pointer's ordinary `deallocate()` (Swift frees aligned
/// and plain allocations alike with `free`).
enum LargeBuffer {
    static let hugePage = 2 << 20

    static func allocate<T>(_ type: T.Type, capacity: Int) -> UnsafeMutablePointer<T> {
        let bytes = capacity * MemoryLayout<T>.stride
        guard bytes >= hugePage else { return .allocate(capacity: capacity) }
        let raw = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: hugePage)
        #if canImport(Glibc)
        // Advice only: where THP is off the call fails and the pages stay small. Only this
        // allocation's own bytes (the kernel rounds to whole pages; the 2 MiB pages used are
        // those wholly inside it).
        _ = madvise(raw, bytes, MADV_HUGEPAGE)
        #endif
        return raw.bindMemory(to: T.self, capacity: capacity)
    }
}
