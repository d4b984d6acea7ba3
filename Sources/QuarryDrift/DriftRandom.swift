/// SplitMix64 (Steele, Lea & Flood, "Fast splittable pseudorandom number generators",
/// OOPSLA 2014): a tiny seedable generator, so permutations, subsamples and fold splits are
/// reproducible from a seed on every platform (the system generator is not seedable).
struct DriftRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform integer in `0..<bound`, by Lemire's nearly-divisionless method ("Fast random
    /// integer generation in an interval", 2019). Written out rather than `Int.random(in:using:)`
    /// so the sequence cannot change with the standard library.
    mutating func below(_ bound: Int) -> Int {
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
    mutating func shuffle<T>(_ values: inout [T]) {
        guard values.count > 1 else { return }
        for i in stride(from: values.count - 1, to: 0, by: -1) {
            let j = below(i + 1)
            if i != j { values.swapAt(i, j) }
        }
    }

    /// `count` distinct indices from `0..<population`, in random order (a partial Fisher–Yates).
    mutating func sample(_ count: Int, from population: Int) -> [Int] {
        var pool = Array(0..<population)
        let take = min(count, population)
        for i in 0..<take {
            let j = i + below(population - i)
            pool.swapAt(i, j)
        }
        return Array(pool[0..<take])
    }
}
