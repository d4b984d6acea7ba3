/// SplitMix64 (Steele, Lea & Flood 2014): a tiny seeded generator whose whole state is one
/// `UInt64`, so an index file can store it and a loaded index keeps drawing the same levels
/// a never-saved one would.
struct SplitMix64: RandomNumberGenerator, Sendable {
    var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform double in (0, 1].
    mutating func nextUnitInterval() -> Double {
        Double((next() >> 11) &+ 1) * 0x1p-53
    }
}
