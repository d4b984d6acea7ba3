import Foundation
import QuarryCore
@testable import QuarryEval
import Testing

@Suite struct StatisticsTests {
    // Reference values from SciPy 1.17.1: `float(scipy.stats.t.cdf(t, df))`.
    static let tCDFReference: [(t: Double, df: Double, cdf: Double)] = [
        (0.0, 5, 0.5),
        (1.0, 1, 0.75),
        (-1.0, 1, 0.25000000000000006),
        (2.0, 3, 0.9303370157205785),
        (-2.5, 10, 0.01572342211830441),
        (1.96, 1000, 0.9748634075221256),
        (0.5, 2.5, 0.6711510400651426),
        (-3.7, 4, 0.010417714745224951),
        (8.0, 7, 0.9999544253941456),
        (-12.0, 30, 2.7900927075996303e-13),
        (0.3, 150.5, 0.6177044421137912),
        (-40.0, 3, 1.7190340394579253e-05),
        (2.2, 1e5, 0.9860954130304697),
    ]

    @Test("studentTCDF equals scipy.stats.t.cdf to 1e-9")
    func studentTCDFMatchesSciPy() {
        for (t, df, reference) in Self.tCDFReference {
            let value = Statistics.studentTCDF(t, degreesOfFreedom: df)
            #expect(abs(value - reference) < 1e-9, "t=\(t) df=\(df): \(value) vs \(reference)")
        }
        #expect(Statistics.studentTCDF(.infinity, degreesOfFreedom: 3) == 1)
        #expect(Statistics.studentTCDF(-.infinity, degreesOfFreedom: 3) == 0)
        #expect(Statistics.studentTCDF(1, degreesOfFreedom: 0).isNaN)
    }

    @Test("pairedTTest equals scipy.stats.ttest_rel to 1e-9")
    func pairedTTestMatchesSciPy() {
        // float(scipy.stats.ttest_rel(b, a).pvalue)
        let cases: [(a: [Double], b: [Double], p: Double)] = [
            ([0.5, 0.6, 0.3, 0.8, 0.45, 0.7, 0.2, 0.9],
             [0.55, 0.65, 0.35, 0.78, 0.5, 0.8, 0.25, 0.95],
             0.004315879556367083),
            ([0.31, 0.52, 0.0, 1.0, 0.44, 0.67, 0.12, 0.9, 0.25, 0.73, 0.5, 0.61, 0.08, 0.39, 0.84],
             [0.35, 0.50, 0.1, 1.0, 0.47, 0.70, 0.2, 0.85, 0.33, 0.79, 0.58, 0.60, 0.15, 0.41, 0.9],
             0.004429497480439416),
        ]
        for (a, b, reference) in cases {
            let p = Statistics.pairedTTest(zip(a, b).map { $1 - $0 })
            #expect(abs(p - reference) < 1e-9, "\(p) vs \(reference)")
        }
        // float(scipy.stats.ttest_1samp(deltas, 0).pvalue), the same test on the deltas.
        let deltaCases: [(deltas: [Double], p: Double)] = [
            ([0.1, -0.2, 0.3, 0.05, -0.1, 0.25], 0.43849747988442966),
            ([1.0, 2.0, 3.0], 0.07417990022744854),
            ([-0.01, 0.02, -0.03, 0.015, -0.005, 0.0, -0.02, 0.01, -0.012, 0.004], 0.587638510657953),
        ]
        for (deltas, reference) in deltaCases {
            let p = Statistics.pairedTTest(deltas)
            #expect(abs(p - reference) < 1e-9, "\(deltas): \(p) vs \(reference)")
        }
    }

    @Test("pairedTTest degenerate cases")
    func pairedTTestDegenerate() {
        #expect(Statistics.pairedTTest([0, 0, 0]) == 1)
        #expect(Statistics.pairedTTest([0.1, 0.1, 0.1]) == 0)
        #expect(Statistics.pairedTTest([]) == 1)
    }

    @Test("identical systems give p ≈ 1")
    func identicalSystems() throws {
        let scores = [0.5, 0.6, 0.3, 0.8, 0.45, 0.7, 0.2, 0.9]
        let result = try Statistics.compare(scores, scores)
        #expect(result.pValue == 1)
        #expect(result.tTestPValue == 1)
        #expect(result.meanDelta == 0)
        #expect(result.deltaCI == ConfidenceInterval(lower: 0, upper: 0))
    }

    @Test("a clearly better system gives p < 0.01 and a positive delta CI")
    func clearlyBetterSystem() throws {
        var random = SplitMix64(seed: 7)
        let a = (0..<50).map { _ in Double(random.next() % 1000) / 1000 }
        let b = a.map { min(1, $0 + 0.1 + Double(random.next() % 100) / 1000) }
        let result = try Statistics.compare(a, b)
        #expect(result.queries == 50)
        #expect(result.pValue < 0.01)
        #expect(result.tTestPValue < 0.01)
        #expect(result.meanDelta > 0)
        #expect(result.deltaCI.lower > 0)
        #expect(abs(result.meanDelta - (result.meanB - result.meanA)) < 1e-12)
        #expect(result.isSignificant())
    }

    @Test("randomization p-value approximates the exact sign-flip p-value and is reproducible")
    func randomizationAgreesWithEnumeration() throws {
        // Exact p over all 2^6 sign patterns (itertools.product in Python): 30/64 = 0.46875.
        let deltas = [0.1, -0.2, 0.3, 0.05, -0.1, 0.25]
        let p = Statistics.randomizationTest(deltas, permutations: 20_000, seed: 1)
        #expect(abs(p - 0.46875) < 0.02, "\(p)")
        #expect(p == Statistics.randomizationTest(deltas, permutations: 20_000, seed: 1))
        let a = [0.2, 0.4, 0.6, 0.8]
        let b = [0.3, 0.35, 0.7, 0.9]
        #expect(try Statistics.compare(a, b, seed: 9) == Statistics.compare(a, b, seed: 9))
    }

    @Test("bootstrap CI contains the mean and narrows with more data")
    func bootstrapCI() throws {
        var random = SplitMix64(seed: 3)
        let values = (0..<2000).map { _ in Double(random.next() % 1000) / 1000 }
        let small = Array(values.prefix(20))
        let smallCI = Statistics.bootstrapCI(small, samples: 5000, seed: 1)
        let largeCI = Statistics.bootstrapCI(values, samples: 5000, seed: 1)
        let smallMean = small.reduce(0, +) / Double(small.count)
        let largeMean = values.reduce(0, +) / Double(values.count)
        #expect(smallCI.lower <= smallMean && smallMean <= smallCI.upper)
        #expect(largeCI.lower <= largeMean && largeMean <= largeCI.upper)
        #expect(largeCI.upper - largeCI.lower < (smallCI.upper - smallCI.lower) / 3)

        let result = try Statistics.compare(small, Array(values.suffix(20)))
        #expect(result.meanACI.contains(result.meanA))
        #expect(result.meanBCI.contains(result.meanB))
        #expect(result.deltaCI.contains(result.meanDelta))
    }

    @Test("mismatched lengths and empty input throw EvalError")
    func errors() {
        #expect(throws: EvalError.self) { try Statistics.compare([1, 2], [1]) }
        #expect(throws: EvalError.self) { try Statistics.compare([], []) }
        do {
            _ = try Statistics.compare([0.1], [0.1, 0.2])
            Issue.record("expected an error")
        } catch let error as EvalError {
            #expect(error.file == "statistics")
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test("PairedComparison round-trips through JSON")
    func codable() throws {
        let result = try Statistics.compare([0.2, 0.4, 0.6], [0.3, 0.5, 0.4], permutations: 100, bootstrapSamples: 100)
        let decoded = try JSONDecoder().decode(PairedComparison.self, from: JSONEncoder().encode(result))
        #expect(decoded == result)
    }
}
