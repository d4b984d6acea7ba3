/// SplitMix64 (Steele, Lea & Flood, "Fast splittable pseudorandom number generators",
/// OOPSLA 2014): a tiny seeded generator whose whole state is one `UInt64`.
///
/// Why Quarry has its own: the system generator cannot be seeded, and everything that draws
/// must be reproducible from a seed on every platform — HNSW levels (the state is stored in
/// the index file, so a loaded index keeps drawing what a never-saved one would), eval's
/// bootstrap and sign flips, drift's permutations, subsamples and folds. The integer and
/// shuffle helpers are written out rather than taken from the standard library so a
/// sequence cannot change with a Swift release. (QuarryHTTP keeps a locked copy for retry
/// jitter: it depends on no other Quarry module.)
public struct SplitMix64: RandomNumberGenerator, Sendable {
    /// The whole state; a generator made with `init(seed: state)` continues the sequence.
    public private(set) var state: UInt64

    public init(seed: UInt64) {
        state = seed
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform double in (0, 1] (never 0, so its logarithm is finite).
    public mutating func nextUnitInterval() -> Double {
        Double((next() >> 11) &+ 1) * 0x1p-53
    }

    /// A uniform integer in `0 ..< bound`, by Lemire's nearly-divisionless method ("Fast
    /// random integer generation in an interval", 2019).
    public mutating func below(_ bound: Int) -> Int {
        precondition(bound > 0)
        let range = UInt64(bound)
        var product = next().multipliedFullWidth(by: range)
        if product.low < range {
            let threshold = (0 &- range) % range
            while product.low < threshold { product = next().multipliedFullWidth(by: range) }
        }
        return Int(product.high)
    }

    /// Shuffles `values` in place (Fisher–Yates), deterministic for the generator's state.
    public mutating func shuffle<T>(_ values: inout [T]) {
        guard values.count > 1 else { return }
        for i in stride(from: values.count - 1, to: 0, by: -1) {
            let j = below(i + 1)
            if i != j { values.swapAt(i, j) }
        }
    }

    /// `count` distinct indices from `0 ..< population`, in random order (a partial
    /// Fisher–Yates).
    public mutating func sample(_ count: Int, from population: Int) -> [Int] {
        var pool = Array(0 ..< population)
        let take = min(count, population)
        for i in 0 ..< take {
            let j = i + below(population - i)
            pool.swapAt(i, j)
        }
        return Array(pool[0 ..< take])
    }
}
