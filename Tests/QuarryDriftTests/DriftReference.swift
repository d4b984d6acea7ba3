import Foundation

/// `Fixtures/drift_reference.json`: seeded samples with SciPy, NumPy and scikit-learn reference
/// values, written by `scripts/fixtures/drift_reference.py` (see that script for how).
struct DriftReference: Decodable, Sendable {
    struct Versions: Decodable, Sendable {
        var python: String
        var numpy: String
        var scipy: String
        var sklearn: String
    }

    struct KSCase: Decodable, Sendable {
        var name: String
        var reference: [Double]
        var current: [Double]
        var statistic: Double
        var p_exact: Double
        var p_auto: Double
        var statistic_asymp: Double?
        var p_asymp: Double?
    }

    struct KolmogorovPoint: Decodable, Sendable {
        var n: Int
        var d: Double
        var sf: Double
    }

    struct ChiSquaredCase: Decodable, Sendable {
        var name: String
        var reference: [String]
        var current: [String]
        var statistic: Double
        var dof: Int
        var p_value: Double
    }

    struct PSICase: Decodable, Sendable {
        var name: String
        var reference: [Double]
        var current: [Double]
        var bins: Int
        var epsilon: Double
        var effective_bins: Int
        var psi: Double
    }

    struct WassersteinCase: Decodable, Sendable {
        var name: String
        var reference: [Double]
        var current: [Double]
        var distance: Double
        var reference_std: Double
    }

    struct JensenShannonCase: Decodable, Sendable {
        var name: String
        var reference: [Double]
        var current: [Double]
        var bins: Int
        var distance: Double
    }

    struct JensenShannonCategoricalCase: Decodable, Sendable {
        var name: String
        var reference: [String]
        var current: [String]
        var distance: Double
    }

    struct MMDCase: Decodable, Sendable {
        var name: String
        var reference: [[Float]]
        var current: [[Float]]
        var bandwidth: Double
        var mmd2: Double
    }

    struct ROCCase: Decodable, Sendable {
        var name: String
        var labels: [Int]
        var scores: [Double]
        var auc: Double
    }

    struct LogisticCase: Decodable, Sendable {
        var name: String
        var features: [[Double]]
        var labels: [Int]
        var C: Double
        var coefficients: [Double]
        var intercept: Double
    }

    var versions: Versions
    var ks: [KSCase]
    var kstwo: [KolmogorovPoint]
    var chi2: [ChiSquaredCase]
    var psi: [PSICase]
    var wasserstein: [WassersteinCase]
    var jensen_shannon: [JensenShannonCase]
    var jensen_shannon_categorical: JensenShannonCategoricalCase
    var mmd: [MMDCase]
    var roc_auc: [ROCCase]
    var logistic: [LogisticCase]

    /// The fixture, decoded once per process.
    static let shared: DriftReference = {
        guard let url = Bundle.module.url(forResource: "drift_reference", withExtension: "json", subdirectory: "Fixtures") else {
            fatalError("Fixtures/drift_reference.json is missing; run scripts/fixtures/drift_reference.py")
        }
        do {
            return try JSONDecoder().decode(DriftReference.self, from: Data(contentsOf: url))
        } catch {
            fatalError("cannot decode drift_reference.json: \(error)")
        }
    }()
}

/// |actual − expected| ≤ absolute + relative · |expected|.
func close(_ actual: Double, _ expected: Double, absolute: Double, relative: Double = 0) -> Bool {
    abs(actual - expected) <= absolute + relative * abs(expected)
}
