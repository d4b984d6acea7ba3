import Foundation
@testable import QuarryDrift
import Testing

@Suite struct ChiSquaredTests {
    let fixture = DriftReference.shared

    @Test("statistic, dof and p equal scipy chi2_contingency (Yates only at dof 1)")
    func matchesSciPy() throws {
        for c in fixture.chi2 {
            let result = try ChiSquared.test(reference: c.reference, current: c.current)
            #expect(result.degreesOfFreedom == c.dof, "\(c.name)")
            #expect(result.yatesCorrected == (c.dof == 1), "\(c.name)")
            #expect(close(result.statistic, c.statistic, absolute: 1e-10, relative: 1e-12), "\(c.name): \(result.statistic) vs \(c.statistic)")
            #expect(close(result.pValue, c.p_value, absolute: 1e-12, relative: 1e-9), "\(c.name): \(result.pValue) vs \(c.p_value)")
        }
    }

    // float(scipy.special.gammaincc(a, x)), SciPy 1.17.1.
    static let upperGamma: [(a: Double, x: Double, q: Double)] = [
        (0.5, 0.1, 0.6547208460185768),
        (0.5, 3.0, 0.014305878435429641),
        (1.0, 2.0, 0.1353352832366127),
        (2.5, 1.0, 0.8491450360846096),
        (2.5, 10.0, 0.0012497305630313773),
        (10, 3, 0.9988975118698845),
        (10, 25, 0.0002214766382487835),
        (150, 140, 0.790456376081393),
        (150, 200, 9.678621994933555e-05),
        (0.5, 60.0, 6.326068263677272e-28),
        (500, 520, 0.18469114909874365),
    ]

    @Test("the regularised upper incomplete gamma equals scipy gammaincc to 1e-12 relative")
    func incompleteGammaMatchesSciPy() {
        for (a, x, q) in Self.upperGamma {
            let value = IncompleteGamma.upperRegularized(a, x)
            #expect(close(value, q, absolute: 1e-300, relative: 1e-12), "a=\(a) x=\(x): \(value) vs \(q)")
        }
        #expect(IncompleteGamma.upperRegularized(3, 0) == 1)
        #expect(IncompleteGamma.upperRegularized(3, .infinity) == 0)
    }

    @Test("counts and labels give the same result; bad tables are rejected")
    func countsAndErrors() throws {
        let fromCounts = try ChiSquared.test(referenceCounts: [10, 20, 30], currentCounts: [30, 20, 10])
        let fromLabels = try ChiSquared.test(
            reference: Array(repeating: "a", count: 10) + Array(repeating: "b", count: 20) + Array(repeating: "c", count: 30),
            current: Array(repeating: "c", count: 10) + Array(repeating: "b", count: 20) + Array(repeating: "a", count: 30))
        #expect(close(fromCounts.statistic, fromLabels.statistic, absolute: 1e-12))
        #expect(fromCounts.drifted)
        #expect(throws: DriftError.self) { try ChiSquared.test(reference: [], current: ["a"]) }
        #expect(throws: DriftError.self) { try ChiSquared.test(referenceCounts: [1, 0], currentCounts: [2, 0]) }
        #expect(throws: DriftError.self) { try ChiSquared.test(referenceCounts: [1, 2], currentCounts: [2]) }
        #expect(throws: DriftError.self) { try ChiSquared.test(referenceCounts: [0, 0], currentCounts: [2, 1]) }
    }

    @Test("one shared category: statistic 0, p 1, no drift")
    func singleCategory() throws {
        let result = try ChiSquared.test(reference: ["x", "x"], current: ["x"])
        #expect(result.statistic == 0 && result.pValue == 1 && result.degreesOfFreedom == 0)
        #expect(!result.drifted)
    }
}
