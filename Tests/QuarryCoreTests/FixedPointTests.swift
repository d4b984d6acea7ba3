import Foundation
import QuarryCore
import Testing

@Suite struct FixedPointTests {
    @Test("FixedPoint writes what %.Nf writes: ties, negatives, large and non-finite values")
    func matchesPrintf() {
        let values: [Double] = [0, -0.0, 0.125, 0.135, 2.675, -1.005, 0.5, 1, 0.999, 123456.789, -98765.4321, 1e20, 1e80, 5e-324,
                                .nan, .infinity, -.infinity]
        for value in values {
            for digits in [0, 2, 4] {
                #expect(FixedPoint.format(value, digits: digits) == String(format: "%.\(digits)f", value), "\(value) with \(digits) digits")
            }
        }
    }
}
