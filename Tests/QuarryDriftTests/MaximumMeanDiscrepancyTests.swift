import Foundation
@testable import QuarryDrift
import Testing

@Suite struct MaximumMeanDiscrepancyTests {
    let fixture = DriftReference.shared

    @Test("MMD² and the median bandwidth equal the NumPy reference to 1e-9")
    func matchesNumPy() throws {
        for c in fixture.mmd {
            let (mmd2, sigma) = try MaximumMeanDiscrepancy.statistic(reference: c.reference, current: c.current)
            #expect(close(sigma, c.bandwidth, absolute: 1e-12, relative: 1e-12), "\(c.name): σ \(sigma) vs \(c.bandwidth)")
            #expect(close(mmd2, c.mmd2, absolute: 1e-9), "\(c.name): \(mmd2) vs \(c.mmd2)")
            let test = try MaximumMeanDiscrepancy.test(reference: c.reference, current: c.current)
            #expect(close(test.statistic, c.mmd2, absolute: 1e-9), "\(c.name)")
            #expect(test.bandwidth == sigma)
        }
    }

    @Test("same distribution gives a large p; a shifted one the smallest p possible")
    func permutationBehaviour() throws {
        var data = TestData(seed: 11)
        let reference = data.vectors(80, dimension: 16)
        let same = data.vectors(80, dimension: 16)
        let shifted = data.vectors(80, dimension: 16, mean: 0.5)
        let null = try MaximumMeanDiscrepancy.test(reference: reference, current: same)
        #expect(null.pValue > 0.2, "\(null.pValue)")
        #expect(!null.drifted)
        let drift = try MaximumMeanDiscrepancy.test(reference: reference, current: shifted)
        #expect(drift.pValue == 1.0 / 201.0)
        #expect(drift.drifted)
        #expect(drift.statistic > 10 * abs(null.statistic))
    }

    @Test("the p-value is reproducible for a seed and respects the permutation count")
    func seededPermutations() throws {
        var data = TestData(seed: 12)
        let a = data.vectors(30, dimension: 4), b = data.vectors(25, dimension: 4, mean: 0.2)
        let configuration = MaximumMeanDiscrepancy.Configuration(permutations: 99, seed: 7)
        let first = try MaximumMeanDiscrepancy.test(reference: a, current: b, configuration: configuration)
        let second = try MaximumMeanDiscrepancy.test(reference: a, current: b, configuration: configuration)
        #expect(first == second)
        #expect(first.pValue >= 1.0 / 100.0 && first.pValue <= 1)
        #expect(abs(first.pValue * 100 - (first.pValue * 100).rounded()) < 1e-9)
    }

    @Test("the median heuristic subsamples above its limit, with a fixed seed")
    func bandwidthSubsample() throws {
        var data = TestData(seed: 13)
        let a = data.vectors(700, dimension: 8), b = data.vectors(600, dimension: 8)
        let full = try MaximumMeanDiscrepancy.medianBandwidth(reference: a, current: b, sampleLimit: 1300)
        let sampled = try MaximumMeanDiscrepancy.medianBandwidth(reference: a, current: b)
        let again = try MaximumMeanDiscrepancy.medianBandwidth(reference: a, current: b)
        #expect(sampled == again)
        #expect(abs(sampled - full) / full < 0.02, "\(sampled) vs \(full)")
        // For N(0, I₈) the pairwise distance is about √(2·8) = 4.
        #expect(abs(full - 4) < 0.3)
    }

    @Test("identical points, mixed dimensions, NaN and too few vectors")
    func edgeCases() throws {
        let constant = Array(repeating: [Float(1), 2, 3], count: 5)
        let result = try MaximumMeanDiscrepancy.test(reference: constant, current: constant)
        #expect(result.bandwidth == 1)
        #expect(abs(result.statistic) < 1e-12)
        #expect(!result.drifted)
        #expect(throws: DriftError.self) { try MaximumMeanDiscrepancy.test(reference: [[1, 2]], current: [[1, 2], [3, 4]]) }
        #expect(throws: DriftError.self) {
            try MaximumMeanDiscrepancy.test(reference: [[1, 2], [3, 4]], current: [[1, 2], [3, 4, 5]])
        }
        #expect(throws: DriftError.self) {
            try MaximumMeanDiscrepancy.test(reference: [[1, .nan], [3, 4]], current: [[1, 2], [3, 4]])
        }
        #expect(throws: DriftError.self) {
            try MaximumMeanDiscrepancy.test(reference: [[1], [2]], current: [[1], [2]], configuration: .init(permutations: 0))
        }
    }

    @Test("2,000 × 384-d embeddings: blocked kernel and 200 permutations", .tags(.slow), .enabled(if: slowTestsEnabled, "slow (seconds of CPU on 2 cores); set QUARRY_DRIFT_SLOW=1 to run it"))
    func largeEmbeddings() throws {
        var data = TestData(seed: 14)
        let a = data.vectors(1000, dimension: 384), b = data.vectors(1000, dimension: 384, mean: 0.05)
        let clock = ContinuousClock()
        var result: MaximumMeanDiscrepancyResult?
        let elapsed = try clock.measure { result = try MaximumMeanDiscrepancy.test(reference: a, current: b) }
        print("MMD 1000+1000 × 384, 200 permutations: \(elapsed)")
        #expect(result?.drifted == true)
    }
}
