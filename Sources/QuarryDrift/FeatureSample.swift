/// What a feature holds, which decides the family of drift methods that apply to it.
public enum FeatureKind: String, Sendable, Codable, CaseIterable {
    /// Real numbers (lengths, scores, latencies).
    case numeric
    /// Labels from a finite set (language, source, intent).
    case categorical
    /// Fixed-length vectors (query or chunk embeddings).
    case embedding
}

/// One sample of a feature's values.
public enum FeatureValues: Sendable, Equatable {
    case numeric([Double])
    case categorical([String])
    case embedding([[Float]])

    public var kind: FeatureKind {
        switch self {
        case .numeric: .numeric
        case .categorical: .categorical
        case .embedding: .embedding
        }
    }

    /// Rows in the sample.
    public var count: Int {
        switch self {
        case .numeric(let values): values.count
        case .categorical(let labels): labels.count
        case .embedding(let vectors): vectors.count
        }
    }
}

/// A named feature with its reference and current samples: the unit `DriftPolicy` judges.
public struct FeatureSample: Sendable, Equatable {
    public var name: String
    public var reference: FeatureValues
    public var current: FeatureValues
    /// A method to use instead of the policy's choice, or `nil` (default) to let it choose.
    public var method: DriftMethod?

    public init(name: String, reference: FeatureValues, current: FeatureValues, method: DriftMethod? = nil) {
        self.name = name
        self.reference = reference
        self.current = current
        self.method = method
    }
}
