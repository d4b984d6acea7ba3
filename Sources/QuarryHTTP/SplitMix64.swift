import Foundation

/// A locked SplitMix64 generator (Steele, Lea & Flood, "Fast splittable pseudorandom number
/// generators", OOPSLA 2014), shared by the copies of a seeded `Jitter`.
///
/// A class behind a lock because `Jitter` is a `Sendable` value copied into every client:
/// the copies must draw from one sequence, or two clients made from one seed would retry in
/// lockstep.
final class SplitMix64: @unchecked Sendable {
    private var state: UInt64
    private let lock = NSLock()

    init(_ seed: UInt64) { state = seed }

    /// A uniform Double in [0, 1) from the top 53 bits.
    func nextUnit() -> Double {
        lock.lock()
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        lock.unlock()
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return Double(z >> 11) / Double(1 << 53)
    }
}
