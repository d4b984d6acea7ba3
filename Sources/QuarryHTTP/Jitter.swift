/// A source of uniform numbers in [0, 1] for retry jitter.
///
/// Injected rather than global so tests can make retry delays reproducible (`.seeded`) or
/// exact (`.fixed`), while production draws from the system generator.
public struct Jitter: Sendable {
    let next: @Sendable () -> Double

    /// Wraps `next`, which should return values in [0, 1]; others are clamped by `unit()`.
    public init(_ next: @escaping @Sendable () -> Double) { self.next = next }

    /// The system random generator.
    public static var system: Jitter { Jitter { Double.random(in: 0..<1) } }

    /// A deterministic SplitMix64 sequence (Steele, Lea & Flood 2014), shared by all copies.
    public static func seeded(_ seed: UInt64) -> Jitter {
        let state = SplitMix64(seed)
        return Jitter { state.nextUnit() }
    }

    /// Always `value` (clamped to [0, 1]): delays become exactly `value × cap`.
    public static func fixed(_ value: Double) -> Jitter {
        let clamped = value.isFinite ? min(max(value, 0), 1) : 0
        return Jitter { clamped }
    }

    /// The next number, clamped to [0, 1] (a non-finite one counts as 0).
    public func unit() -> Double {
        let value = next()
        return value.isFinite ? min(max(value, 0), 1) : 0
    }
}
