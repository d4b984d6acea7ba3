import Foundation
@testable import QuarryDrift
import Testing

@Suite struct DomainClassifierTests {
    let fixture = DriftReference.shared

    @Test("L-BFGS reaches sklearn LogisticRegression(C=1)'s optimum on standardised features")
    func logisticMatchesScikitLearn() throws {
        for c in fixture.logistic {
            let x = PackedVectors(c.features, dimension: c.features[0].count)
            let standardised = Standardizer(fitting: x).transform(x)
            var options = LogisticRegression.Options(inverseRegularization: c.C)
            options.gradientTolerance = 1e-12
            let model = LogisticRegression.fit(standardised, labels: c.labels.map { $0 == 1 }, options: options)
            for (mine, theirs) in zip(model.weights, c.coefficients) {
                #expect(close(mine, theirs, absolute: 1e-6), "\(c.name): \(model.weights) vs \(c.coefficients)")
            }
            #expect(close(model.intercept, c.intercept, absolute: 1e-6), "\(c.name): \(model.intercept) vs \(c.intercept)")
        }
    }

    @Test("identical distributions give AUC ≈ 0.5 and no drift")
    func sameDistribution() throws {
        var data = TestData(seed: 21)
        let result = try DomainClassifier.test(reference: data.vectors(400, dimension: 8), current: data.vectors(400, dimension: 8))
        #expect(abs(result.auc - 0.5) < 0.05, "\(result.auc)")
        #expect(result.foldAUCs.count == 5)
        #expect(!result.drifted)
    }

    @Test("a clearly shifted sample gives AUC near 1 and drift")
    func shiftedDistribution() throws {
        var data = TestData(seed: 22)
        let reference = data.vectors(300, dimension: 8)
        let current = data.vectors(300, dimension: 8, mean: 1)
        let result = try DomainClassifier.test(reference: reference, current: current)
        #expect(result.auc > 0.95, "\(result.auc)")
        #expect(result.drifted)
    }

    @Test("numeric rows, row caps, determinism and invalid input")
    func rowsAndErrors() throws {
        var data = TestData(seed: 23)
        let reference = (0..<200).map { _ in [data.normal(), data.normal() * 10 + 50] }
        let current = (0..<150).map { _ in [data.normal() + 0.8, data.normal() * 10 + 50] }
        var configuration = DomainClassifier.Configuration()
        configuration.maxRowsPerSample = 120
        let result = try DomainClassifier.test(reference: reference, current: current, configuration: configuration)
        #expect(result.referenceRows == 120 && result.currentRows == 120)
        #expect(result.auc > 0.6)
        #expect(try DomainClassifier.test(reference: reference, current: current, configuration: configuration) == result)
        let constant = Array(repeating: [Float(3), 3], count: 20)
        let flat = try DomainClassifier.test(reference: constant, current: constant)
        #expect(flat.auc == 0.5 && !flat.drifted)
        #expect(throws: DriftError.self) { try DomainClassifier.test(reference: [[1.0], [2.0]], current: [[1.0], [2.0]]) }
        #expect(throws: DriftError.self) {
            try DomainClassifier.test(reference: Array(repeating: [1.0, .nan], count: 6), current: Array(repeating: [1.0, 2.0], count: 6))
        }
    }

    @Test("4,000 × 384-d embeddings in 5 folds", .tags(.slow), .enabled(if: slowTestsEnabled, "slow (seconds of CPU on 2 cores); set QUARRY_DRIFT_SLOW=1 to run it"))
    func largeEmbeddings() throws {
        var data = TestData(seed: 24)
        let a = data.vectors(2000, dimension: 384), b = data.vectors(2000, dimension: 384)
        let clock = ContinuousClock()
        var result: DomainClassifierResult?
        let elapsed = try clock.measure { result = try DomainClassifier.test(reference: a, current: b) }
        print("domain classifier 2000+2000 × 384: \(elapsed), AUC \(result?.auc ?? .nan)")
        #expect(result?.drifted == false)
    }
}
