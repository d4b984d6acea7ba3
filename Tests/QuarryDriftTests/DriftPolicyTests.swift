import Foundation
@testable import QuarryDrift
import Testing

@Suite struct DriftPolicyTests {
    @Test("tests up to 1,000 rows per sample, distances above", arguments: [
        (FeatureKind.numeric, 1000, 1000, DriftMethod.kolmogorovSmirnov),
        (.numeric, 1001, 10, .wasserstein),
        (.numeric, 10, 1001, .wasserstein),
        (.categorical, 500, 800, .chiSquared),
        (.categorical, 5000, 800, .jensenShannon),
        (.embedding, 1000, 1, .maximumMeanDiscrepancy),
        (.embedding, 2000, 2000, .domainClassifier),
    ])
    func methodChoice(kind: FeatureKind, referenceCount: Int, currentCount: Int, expected: DriftMethod) {
        #expect(DriftPolicy().method(for: kind, referenceCount: referenceCount, currentCount: currentCount) == expected)
        #expect(expected.applies(to: kind))
    }

    @Test("per-feature verdicts and a dataset verdict at ≥ 50 % of features")
    func datasetVerdict() throws {
        var data = TestData(seed: 31)
        let stable = FeatureSample(name: "length", reference: .numeric(data.normals(300)), current: .numeric(data.normals(300)))
        let moved = FeatureSample(name: "score", reference: .numeric(data.normals(300)), current: .numeric(data.normals(300, mean: 1)))
        let languages = FeatureSample(name: "language",
                                      reference: .categorical(Array(repeating: "en", count: 60) + Array(repeating: "de", count: 40)),
                                      current: .categorical(Array(repeating: "en", count: 20) + Array(repeating: "de", count: 80)))
        let embeddings = FeatureSample(name: "query_embedding",
                                       reference: .embedding(data.vectors(60, dimension: 8)),
                                       current: .embedding(data.vectors(60, dimension: 8)))
        let policy = DriftPolicy()
        let verdict = try policy.evaluate([stable, moved, languages, embeddings])
        #expect(verdict.features.map(\.method) == [.kolmogorovSmirnov, .kolmogorovSmirnov, .chiSquared, .maximumMeanDiscrepancy])
        #expect(verdict.features.map(\.drifted) == [false, true, true, false])
        #expect(verdict.features.allSatisfy { $0.pValue != nil && $0.threshold == 0.05 })
        #expect(verdict.driftedCount == 2 && verdict.driftedShare == 0.5)
        #expect(verdict.drifted)
        let fewer = try policy.evaluate([stable, moved, embeddings])
        #expect(!fewer.drifted)
    }

    @Test("large samples use distances; overrides pick another applicable method")
    func largeSamplesAndOverrides() throws {
        var data = TestData(seed: 32)
        let reference = data.normals(3000), current = data.normals(3000, mean: 0.3)
        let policy = DriftPolicy()
        let wasserstein = try policy.evaluate(FeatureSample(name: "x", reference: .numeric(reference), current: .numeric(current)))
        #expect(wasserstein.method == .wasserstein)
        #expect(wasserstein.pValue == nil)
        #expect(wasserstein.drifted)
        let psi = try policy.evaluate(FeatureSample(name: "x", reference: .numeric(reference), current: .numeric(reference),
                                                    method: .populationStabilityIndex))
        #expect(psi.method == .populationStabilityIndex && psi.score == 0 && !psi.drifted)
        let labels = (0..<3000).map { ["a", "b", "c"][$0 % 3] }
        let js = try policy.evaluate(FeatureSample(name: "c", reference: .categorical(labels), current: .categorical(labels)))
        #expect(js.method == .jensenShannon && js.score == 0 && !js.drifted)
    }

    @Test("errors name the feature: kind mismatch, inapplicable method, empty sample, no features")
    func errors() throws {
        let policy = DriftPolicy()
        do {
            _ = try policy.evaluate(FeatureSample(name: "mixed", reference: .numeric([1]), current: .categorical(["a"])))
            Issue.record("kind mismatch accepted")
        } catch let error as DriftError {
            #expect(error.code == .kindMismatch)
            #expect(error.feature == "mixed")
            #expect(error.description.contains("'mixed'"))
        }
        #expect(throws: DriftError.self) {
            try policy.evaluate(FeatureSample(name: "x", reference: .numeric([1, 2]), current: .numeric([1, 2]), method: .chiSquared))
        }
        #expect(throws: DriftError.self) {
            try policy.evaluate(FeatureSample(name: "x", reference: .numeric([]), current: .numeric([1, 2])))
        }
        #expect(throws: DriftError.self) { try policy.evaluate([FeatureSample]()) }
        var invalid = DriftPolicy()
        invalid.datasetDriftShare = 0
        #expect(throws: DriftError.self) {
            try invalid.evaluate(FeatureSample(name: "x", reference: .numeric([1]), current: .numeric([1])))
        }
    }
}
