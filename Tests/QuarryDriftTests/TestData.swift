import Foundation
import QuarryCore
@testable import QuarryDrift
import Testing

/// Seeded synthetic samples for the behavioural tests (SplitMix64 + Box–Muller), so every run
/// sees the same data.
struct TestData {
    var random: SplitMix64

    init(seed: UInt64) { random = SplitMix64(seed: seed) }

    /// A uniform double in (0, 1).
    mutating func uniform() -> Double { (Double(random.next() >> 11) + 0.5) / 0x1p53 }

    /// A standard normal deviate.
    mutating func normal() -> Double {
        (-2 * log(uniform())).squareRoot() * cos(2 * Double.pi * uniform())
    }

    mutating func normals(_ count: Int, mean: Double = 0, scale: Double = 1) -> [Double] {
        (0..<count).map { _ in mean + scale * normal() }
    }

    /// `count` vectors of `dimension` with independent N(mean, 1) coordinates.
    mutating func vectors(_ count: Int, dimension: Int, mean: Float = 0) -> [[Float]] {
        (0..<count).map { _ in (0..<dimension).map { _ in mean + Float(normal()) } }
    }
}

extension Tag {
    /// Large-sample timing checks; run with `QUARRY_DRIFT_SLOW=1` (a release build is advised).
    @Tag static var slow: Self
}

/// Whether the slow large-sample tests are switched on.
let slowTestsEnabled = ProcessInfo.processInfo.environment["QUARRY_DRIFT_SLOW"] != nil
