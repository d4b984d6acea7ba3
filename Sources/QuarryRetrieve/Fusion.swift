/// Ways to merge ranked lists from several retrievers into one.
///
/// - Reciprocal rank fusion (Cormack, Clarke & Büttcher 2009): score(d) = Σ 1 / (k + rank(d)),
///   rank from 1; k = 60 by default. Needs no score calibration, which is why it is the
///   default for lexical + dense.
/// - Convex combination of normalised scores: w·norm(dense) + (1 − w)·norm(lexical), with
///   min-max or z-score normalisation per list; a document missing from a list gets that
///   list's minimum (min-max: 0).
public enum Fusion: Sendable, Equatable {
    case reciprocalRank(k: Double = 60)
    case convex(denseWeight: Double, normalization: Normalization)

    public enum Normalization: String, Sendable, Equatable, CaseIterable {
        case minMax = "minmax"
        case zScore = "zscore"
    }

    /// Fuses `lists` (each best first) into one list, best first; ties by id ascending.
    /// For `.convex`, the lists are (lexical, dense).
    public func fuse(_ lists: [[(chunkID: Int64, score: Float)]]) -> [(chunkID: Int64, score: Float)] {
        var fused: [Int64: Double] = [:]
        switch self {
        case .reciprocalRank(let k):
            for list in lists {
                for (rank, hit) in list.enumerated() { fused[hit.chunkID, default: 0] += 1 / (k + Double(rank + 1)) }
            }
        case .convex(let weight, let normalization):
            let weights = lists.count == 2 ? [1 - weight, weight] : Array(repeating: 1 / Double(max(lists.count, 1)), count: lists.count)
            let normalized = lists.map { Self.normalize($0, normalization) }
            let all = Set(lists.flatMap { $0.map(\.chunkID) })
            for id in all {
                var score = 0.0
                for (i, list) in normalized.enumerated() { score += weights[i] * (list.scores[id] ?? list.floor) }
                fused[id] = score
            }
        }
        return fused.map { (chunkID: $0.key, score: Float($0.value)) }
            .sorted { $0.score > $1.score || ($0.score == $1.score && $0.chunkID < $1.chunkID) }
    }

    static func normalize(_ list: [(chunkID: Int64, score: Float)], _ method: Normalization) -> (scores: [Int64: Double], floor: Double) {
        guard !list.isEmpty else { return ([:], 0) }
        let values = list.map { Double($0.score) }
        switch method {
        case .minMax:
            let low = values.min()!, high = values.max()!
            let span = high - low
            var scores: [Int64: Double] = [:]
            for hit in list { scores[hit.chunkID] = span > 0 ? (Double(hit.score) - low) / span : 1 }
            return (scores, 0)
        case .zScore:
            let mean = values.reduce(0, +) / Double(values.count)
            let deviation = (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)).squareRoot()
            var scores: [Int64: Double] = [:]
            for hit in list { scores[hit.chunkID] = deviation > 0 ? (Double(hit.score) - mean) / deviation : 0 }
            return (scores, scores.values.min() ?? 0)
        }
    }
}
