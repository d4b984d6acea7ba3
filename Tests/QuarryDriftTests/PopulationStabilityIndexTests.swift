import Foundation
@testable import QuarryDrift
import Testing

@Suite struct PopulationStabilityIndexTests {
    let fixture = DriftReference.shared

    @Test("PSI equals the NumPy reference of the same definition")
    func matchesNumPy() throws {
        for c in fixture.psi {
            let configuration = PopulationStabilityIndex.Configuration(bins: c.bins, epsilon: c.epsilon)
            let result = try PopulationStabilityIndex.compute(reference: c.reference, current: c.current, configuration: configuration)
            #expect(result.effectiveBins == c.effective_bins, "\(c.name)")
            #expect(close(result.distance, c.psi, absolute: 1e-10, relative: 1e-12), "\(c.name): \(result.distance) vs \(c.psi)")
        }
    }

    @Test("severity bands: < 0.1 stable, 0.1–0.2 moderate, ≥ 0.2 significant")
    func severity() throws {
        let reference = (0..<1000).map { Double($0) / 1000 }
        let same = try PopulationStabilityIndex.compute(reference: reference, current: reference)
        #expect(same.distance == 0 && same.severity == .stable && !same.drifted)
        let shifted = try PopulationStabilityIndex.compute(reference: reference, current: reference.map { $0 + 0.5 })
        #expect(shifted.severity == .significant && shifted.drifted)
        let mild = try PopulationStabilityIndex.compute(reference: reference, current: reference.map { $0 + 0.065 })
        #expect(mild.severity == .moderate, "\(mild.distance)")
    }

    @Test("categorical PSI, a constant reference, and invalid input")
    func categoricalAndEdges() throws {
        let categorical = try PopulationStabilityIndex.compute(reference: ["a", "a", "b"], current: ["a", "b", "b"])
        // (2/3 − 1/3)·ln(2) twice.
        #expect(close(categorical.distance, 2 * (1.0 / 3.0) * log(2.0), absolute: 1e-12))
        let constant = try PopulationStabilityIndex.compute(reference: [3, 3, 3, 3], current: [3, 3, 4])
        #expect(constant.effectiveBins == 2)
        #expect(constant.distance == 0)
        #expect(throws: DriftError.self) { try PopulationStabilityIndex.compute(reference: [], current: [1.0]) }
        #expect(throws: DriftError.self) { try PopulationStabilityIndex.compute(reference: [1, .nan], current: [1.0]) }
        #expect(throws: DriftError.self) {
            try PopulationStabilityIndex.compute(reference: [1.0], current: [1.0], configuration: .init(bins: 1))
        }
    }
}
