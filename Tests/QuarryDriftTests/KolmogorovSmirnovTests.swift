import Foundation
import QuarryCore
@testable import QuarryDrift
import Testing

@Suite struct KolmogorovSmirnovTests {
    let fixture = DriftReference.shared

    @Test("D and the exact p-value equal scipy ks_2samp(method='exact')")
    func exactMatchesSciPy() throws {
        for c in fixture.ks {
            let result = try KolmogorovSmirnov.test(reference: c.reference, current: c.current, method: .exact)
            #expect(result.method == .exact, "\(c.name)")
            #expect(close(result.statistic, c.statistic, absolute: 1e-12), "\(c.name): D \(result.statistic) vs \(c.statistic)")
            #expect(close(result.pValue, c.p_exact, absolute: 1e-10, relative: 1e-9), "\(c.name): p \(result.pValue) vs \(c.p_exact)")
        }
    }

    @Test("the asymptotic p-value equals scipy ks_2samp(method='asymp')")
    func asymptoticMatchesSciPy() throws {
        for c in fixture.ks {
            guard let expected = c.p_asymp, let statistic = c.statistic_asymp else { continue }
            let result = try KolmogorovSmirnov.test(reference: c.reference, current: c.current, method: .asymptotic)
            #expect(result.method == .asymptotic)
            #expect(close(result.statistic, statistic, absolute: 1e-12), "\(c.name)")
            #expect(close(result.pValue, expected, absolute: 1e-10, relative: 1e-8), "\(c.name): p \(result.pValue) vs \(expected)")
        }
    }

    @Test("auto is exact up to 10,000 per sample, as in SciPy")
    func autoChoosesLikeSciPy() throws {
        for c in fixture.ks {
            let result = try KolmogorovSmirnov.test(reference: c.reference, current: c.current)
            #expect(result.method == .exact)
            #expect(close(result.pValue, c.p_auto, absolute: 1e-10, relative: 1e-9), "\(c.name)")
        }
        let small = (0..<10_000).map { Double($0) }
        let large = (0..<10_001).map { Double($0) + 0.5 }
        #expect(try KolmogorovSmirnov.test(reference: small, current: small).method == .exact)
        let switched = try KolmogorovSmirnov.test(reference: small, current: large)
        #expect(switched.method == .asymptotic)
        #expect(switched.pValue > 0.99)
    }

    @Test("KolmogorovDistribution.survival equals scipy kstwo.sf across every algorithm region")
    func kolmogorovDistributionMatchesSciPy() {
        for point in fixture.kstwo {
            let value = KolmogorovDistribution.survival(point.d, sampleSize: point.n)
            #expect(close(value, point.sf, absolute: 1e-12, relative: 1e-8),
                    "n=\(point.n) d=\(point.d): \(value) vs \(point.sf)")
        }
    }

    @Test("exact p-values for samples of 10,000 finish and agree with the asymptotic ones")
    func largeExactSamples() throws {
        var rng = SplitMix64(seed: 7)
        let a = (0..<10_000).map { _ in Double(rng.next() >> 11) / 0x1p53 }
        let b = (0..<9_000).map { _ in Double(rng.next() >> 11) / 0x1p53 + 0.01 }
        let exact = try KolmogorovSmirnov.test(reference: a, current: b, method: .exact)
        let asymptotic = try KolmogorovSmirnov.test(reference: a, current: b, method: .asymptotic)
        #expect(exact.method == .exact)
        #expect(abs(exact.pValue - asymptotic.pValue) < 0.02, "\(exact.pValue) vs \(asymptotic.pValue)")
    }

    @Test("identical samples give D = 0 and p = 1; disjoint ones give D = 1")
    func extremes() throws {
        let same = try KolmogorovSmirnov.test(reference: [1, 2, 3], current: [3, 2, 1])
        #expect(same.statistic == 0)
        #expect(same.pValue == 1)
        #expect(!same.drifted)
        let constant = try KolmogorovSmirnov.test(reference: [5, 5, 5, 5], current: [5, 5])
        #expect(constant.statistic == 0 && constant.pValue == 1)
        let apart = try KolmogorovSmirnov.test(reference: Array(repeating: 0, count: 30), current: Array(repeating: 1, count: 30))
        #expect(apart.statistic == 1)
        #expect(apart.drifted)
    }

    @Test("empty samples, NaN and a bad alpha are rejected with clear errors")
    func invalidInput() {
        #expect(throws: DriftError.self) { try KolmogorovSmirnov.test(reference: [], current: [1]) }
        do {
            _ = try KolmogorovSmirnov.test(reference: [1, .nan], current: [1])
            Issue.record("NaN accepted")
        } catch let error as DriftError {
            #expect(error.code == .nonFiniteValue)
            #expect(error.description.contains("index 1"))
        } catch { Issue.record("unexpected \(error)") }
        #expect(throws: DriftError.self) { try KolmogorovSmirnov.test(reference: [1], current: [.infinity]) }
        #expect(throws: DriftError.self) { try KolmogorovSmirnov.test(reference: [1], current: [2], alpha: 1.5) }
    }
}
