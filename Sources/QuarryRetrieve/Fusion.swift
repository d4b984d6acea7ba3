import QuarryCore
import QuarryIndex

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

    /// How convex fusion scales each list (the `retrieval.normalization` setting's type).
    public typealias Normalization = ScoreNormalization

    /// Fuses `lists` (each best first) into one list, best first; ties by id ascending.
    /// For `.convex`, the lists are (lexical, dense). `trust` scales each list's contribution
    /// (1 each when nil): a list with trust 0 takes no part, so fusing it with a blind
    /// retriever returns the other list's order unchanged.
    public func fuse(_ lists: [[ScoredChunk]], trust: [Double]? = nil) -> [ScoredChunk] {
        var fused: [Int64: Double] = [:]
        let trust = trust ?? Array(repeating: 1, count: lists.count)
        precondition(trust.count == lists.count, "one trust value per list")
        // One trusted list is returned as it is, scores and tie order included: fusing it
        // with nothing must not change a ranking (RRF would re-break ties among equal scores).
        let trusted = lists.indices.filter { trust[$0] > 0 && !lists[$0].isEmpty }
        if trusted.count == 1 { return lists[trusted[0]] }
        if trusted.isEmpty { return [] }
        switch self {
        case .reciprocalRank(let k):
            for (list, weight) in zip(lists, trust) where weight > 0 {
                for (rank, hit) in list.enumerated() { fused[hit.chunkID, default: 0] += weight / (k + Double(rank + 1)) }
            }
        case .convex(let weight, let normalization):
            let base = lists.count == 2 ? [1 - weight, weight] : Array(repeating: 1 / Double(max(lists.count, 1)), count: lists.count)
            let weights = zip(base, trust).map { $0 * $1 }
            let normalized = lists.map { Self.normalize($0, normalization) }
            var all = Set<Int64>()
            for (list, weight) in zip(lists, weights) where weight > 0 { all.formUnion(list.map(\.chunkID)) }
            for id in all {
                var score = 0.0
                for (i, list) in normalized.enumerated() where weights[i] > 0 { score += weights[i] * (list.scores[id] ?? list.floor) }
                fused[id] = score
            }
        }
        return fused.map { ScoredChunk(chunkID: $0.key, score: Float($0.value)) }.sorted(by: ScoredChunk.ranksBefore)
    }

    /// How far to trust the dense list for a query of which the embedder reads `coverage`
    /// (the share of its letters in the embedder's scripts): 0 up to half, rising linearly to
    /// 1 for a fully readable query. A half-readable query gets no dense say at all because
    /// an RRF contribution of any size re-orders BM25's list (adjacent ranks differ by only
    /// about 1/k² ≈ 0.0003), and the model's vector for a mostly unreadable text is noise.
    public static func denseTrust(coverage: Double) -> Double {
        guard coverage.isFinite else { return 0 }
        return min(1, max(0, (coverage - 0.5) / 0.5))
    }

    static func normalize(_ list: [ScoredChunk], _ method: Normalization) -> (scores: [Int64: Double], floor: Double) {
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
