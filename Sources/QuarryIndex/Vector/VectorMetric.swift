/// A similarity measure between dense vectors, fixed when an index is created.
///
/// Every index scores hits "higher is better":
/// - `cosine`: the cosine similarity in [-1, 1]. Vectors are normalised on the way in (a
///   zero or non-finite vector is refused) and compared by inner product.
/// - `innerProduct`: the raw inner product ⟨q, v⟩ (for models trained for it).
/// - `l2`: the negative squared Euclidean distance −‖q − v‖².
public enum VectorMetric: String, Codable, Sendable, CaseIterable {
    case cosine
    case innerProduct
    case l2

    /// Whether vectors are L2-normalised before they are stored or compared.
    public var normalizesVectors: Bool { self == .cosine }

    /// The code stored in index files (stable across renames of the cases).
    var fileCode: UInt32 {
        switch self {
        case .cosine: 0
        case .innerProduct: 1
        case .l2: 2
        }
    }

    init?(fileCode: UInt32) {
        switch fileCode {
        case 0: self = .cosine
        case 1: self = .innerProduct
        case 2: self = .l2
        default: return nil
        }
    }
}
