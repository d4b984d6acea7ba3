import Foundation
@testable import QuarryDrift
import Testing

@Suite struct ROCAUCTests {
    let fixture = DriftReference.shared

    @Test("AUC equals sklearn roc_auc_score, ties included")
    func matchesScikitLearn() throws {
        for c in fixture.roc_auc {
            let auc = try ROCAUC.score(labels: c.labels.map { $0 == 1 }, scores: c.scores)
            #expect(close(auc, c.auc, absolute: 1e-12), "\(c.name): \(auc) vs \(c.auc)")
        }
    }

    @Test("one class only, mismatched lengths and NaN scores are rejected")
    func invalidInput() {
        #expect(throws: DriftError.self) { try ROCAUC.score(labels: [true, true], scores: [0.1, 0.2]) }
        #expect(throws: DriftError.self) { try ROCAUC.score(labels: [true, false], scores: [0.1]) }
        #expect(throws: DriftError.self) { try ROCAUC.score(labels: [true, false], scores: [0.1, .nan]) }
    }
}
