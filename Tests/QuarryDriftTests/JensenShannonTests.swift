import Foundation
@testable import QuarryDrift
import Testing

@Suite struct JensenShannonTests {
    let fixture = DriftReference.shared

    @Test("histogram distance equals scipy jensenshannon(base=2) over np.histogram counts")
    func numericMatchesSciPy() throws {
        for c in fixture.jensen_shannon {
            let result = try JensenShannon.test(reference: c.reference, current: c.current)
            #expect(result.bins == c.bins, "\(c.name)")
            #expect(close(result.distance, c.distance, absolute: 1e-12, relative: 1e-10), "\(c.name): \(result.distance) vs \(c.distance)")
        }
    }

    @Test("category distance equals scipy jensenshannon(base=2)")
    func categoricalMatchesSciPy() throws {
        let c = fixture.jensen_shannon_categorical
        let result = try JensenShannon.test(reference: c.reference, current: c.current)
        #expect(close(result.distance, c.distance, absolute: 1e-12, relative: 1e-10))
        #expect(result.drifted)
    }

    @Test("bounds: 0 for equal, 1 for disjoint; constant samples; errors")
    func bounds() throws {
        #expect(try JensenShannon.distance([1, 2, 3], [2, 4, 6]) == 0)
        #expect(close(try JensenShannon.distance([1, 0], [0, 1]), 1, absolute: 1e-12))
        let constant = try JensenShannon.test(reference: [4, 4, 4], current: [4, 4])
        #expect(constant.distance == 0 && !constant.drifted)
        #expect(throws: DriftError.self) { try JensenShannon.distance([0, 0], [1, 1]) }
        #expect(throws: DriftError.self) { try JensenShannon.distance([1], [1, 2]) }
        #expect(throws: DriftError.self) { try JensenShannon.test(reference: [1, .infinity], current: [1.0]) }
        #expect(throws: DriftError.self) { try JensenShannon.test(reference: [String](), current: ["a"]) }
    }
}
