import Foundation
@testable import QuarryDrift
import Testing

@Suite struct WassersteinTests {
    let fixture = DriftReference.shared

    @Test("distance equals scipy wasserstein_distance; scale is NumPy's std")
    func matchesSciPy() throws {
        for c in fixture.wasserstein {
            let d = try Wasserstein.distance(c.reference, c.current)
            #expect(close(d, c.distance, absolute: 1e-12, relative: 1e-12), "\(c.name): \(d) vs \(c.distance)")
            let result = try Wasserstein.test(reference: c.reference, current: c.current)
            #expect(close(result.scale, c.reference_std, absolute: 1e-12, relative: 1e-12), "\(c.name)")
            #expect(result.drifted == (c.distance >= 0.1 * c.reference_std), "\(c.name)")
        }
    }

    @Test("known values, symmetry, and a constant reference")
    func knownValues() throws {
        #expect(try Wasserstein.distance([0, 1, 3], [5, 6, 8]) == 5)
        #expect(try Wasserstein.distance([1, 2, 3], [1, 2, 3]) == 0)
        #expect(try Wasserstein.distance([0, 10], [3]) == Wasserstein.distance([3], [0, 10]))
        let constant = try Wasserstein.test(reference: [2, 2, 2], current: [2, 2, 2.01])
        #expect(constant.scale == Wasserstein.minimumScale)
        #expect(constant.drifted)
        #expect(!(try Wasserstein.test(reference: [2, 2, 2], current: [2, 2])).drifted)
        #expect(throws: DriftError.self) { try Wasserstein.distance([], [1]) }
        #expect(throws: DriftError.self) { try Wasserstein.distance([.nan], [1]) }
    }
}
