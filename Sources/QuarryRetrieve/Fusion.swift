import QuarryCore
import QuarryIndex

/// Ways to merge ranked lists from several retrievers into one.
///
/// - `auto` (the default for lexical + dense): convex fusion of min-max scaled scores with
///   the dense weight `autoDenseWeight × trust`, the lexical weight `1 − that`, where trust
///   says how well the embedder reads this query and collection (`DenseTrust`).
///   ARCHITECTURE.md, "Fusion that never loses to its better input", has the rule and the
///   measurements behind it; it uses no relevance label.
/// - Reciprocal rank fusion (Cormack, Clarke & Büttcher 2009): score(d) = Σ 1 / (k + rank(d)),
///   rank from 1; k = 60 by default. Needs no score calibration, but throws away the score
///   gaps, so a weaker side costs the fused list (it was the default before `auto`).
/// - Convex combination of normalised scores: w·norm(dense) + (1 − w)·norm(lexical), with
///   min-max or z-score normalisation per list; a document missing from a list gets that
///   list's minimum (min-max: 0).
public enum Fusion: Sendable, Equatable {
    case auto
    case reciprocalRank(k: Double = 60)
    case convex(denseWeight: Double, normalization: Normalization)

    /// How convex fusion scales each list (the `retrieval.normalization` setting's type).
    public typealias Normalization = ScoreNormalization

    /// The dense side's weight in `auto` fusion when the embedder reads the query and the
    /// collection fully. Above one half because a sentence embedder that reads the text was
    /// the better side, or the better partner, on the shared English corpora: weights from
    /// 0.65 to 0.75 kept the fused list within 0.005 nDCG@10 of both inputs or above them
    /// there, while RRF or a weight of 0.5 lost up to 0.017 to dense alone (med). 0.7 sits
    /// inside that plateau, on the dense side of its middle, because a collection where dense
    /// wins by far (entity search) is the case a lower weight cannot rescue (BENCHMARKS.md,
    /// "Adaptive fusion").
    public static let autoDenseWeight = 0.7

    /// `method` with its configured parts (`retrieval.rrf_k`, `dense_weight`, `normalization`).
    public init(_ method: FusionMethod, configured settings: RetrievalSettings) {
        switch method {
        case .auto: self = .auto
        case .rrf: self = .reciprocalRank(k: settings.rrfK)
        case .convex: self = .convex(denseWeight: settings.denseWeight, normalization: settings.normalization)
        }
    }

    /// The dense list's weight in `auto` fusion for a dense trust (0 to 1).
    public static func autoWeight(trust: Double) -> Double {
        autoDenseWeight * min(1, max(0, trust.isFinite ? trust : 0))
    }

    /// Fuses `lists` (each best first) into one list, best first; ties by id ascending.
    /// For `.auto` and `.convex`, the lists are (lexical, dense). `trust` scales each list's
    /// contribution (1 each when nil): a list with trust 0 takes no part, so fusing it with a
    /// blind retriever returns the other list's order unchanged. For `.auto` the dense trust
    /// sets the dense weight (`autoWeight`) and the lexical list takes the rest.
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
        case .auto:
            guard lists.count == 2 else { return Self.combine(lists, weights: trust, normalization: .minMax) }
            let dense = Self.autoWeight(trust: trust[1])
            return Self.combine(lists, weights: [(1 - dense) * trust[0], dense], normalization: .minMax)
        case .reciprocalRank(let k):
            for (list, weight) in zip(lists, trust) where weight > 0 {
                for (rank, hit) in list.enumerated() { fused[hit.chunkID, default: 0] += weight / (k + Double(rank + 1)) }
            }
        case .convex(let weight, let normalization):
            let base = lists.count == 2 ? [1 - weight, weight] : Array(repeating: 1 / Double(max(lists.count, 1)), count: lists.count)
            return Self.combine(lists, weights: zip(base, trust).map { $0 * $1 }, normalization: normalization)
        }
        return fused.map { ScoredChunk(chunkID: $0.key, score: Float($0.value)) }.sorted(by: ScoredChunk.ranksBefore)
    }

    /// Σ weight × normalised score over the lists; a chunk missing from a list gets that
    /// list's floor (min-max: 0).
    static func combine(_ lists: [[ScoredChunk]], weights: [Double], normalization: Normalization) -> [ScoredChunk] {
        // Each chunk gets a slot; its normalised score from list i sits at slot × lists + i
        // (NaN: not in that list). One dictionary for the whole fusion instead of a set and
        // one dictionary per list: this runs on every hybrid request.
        let width = lists.count
        var slots: [Int64: Int] = [:]
        slots.reserveCapacity(lists.reduce(0) { $0 + $1.count })
        var ids: [Int64] = []
        var values: [Double] = []
        var floors = [Double](repeating: 0, count: width)
        for (i, list) in lists.enumerated() where weights[i] > 0 {
            let (normalized, floor) = Self.normalize(list, normalization)
            floors[i] = floor
            for (hit, value) in zip(list, normalized) {
                let slot: Int
                if let existing = slots[hit.chunkID] {
                    slot = existing
                } else {
                    slot = ids.count
                    slots[hit.chunkID] = slot
                    ids.append(hit.chunkID)
                    values.append(contentsOf: repeatElement(.nan, count: width))
                }
                values[slot * width + i] = value
            }
        }
        var fused: [ScoredChunk] = []
        fused.reserveCapacity(ids.count)
        for (slot, id) in ids.enumerated() {
            var score = 0.0
            for i in 0 ..< width where weights[i] > 0 {
                let value = values[slot * width + i]
                score += weights[i] * (value.isNaN ? floors[i] : value)
            }
            fused.append(ScoredChunk(chunkID: id, score: Float(score)))
        }
        return fused.sorted(by: ScoredChunk.ranksBefore)
    }

    /// How far to trust the dense list for a vocabulary fit (the share of words the
    /// embedder's vocabulary holds whole): 0 up to 0.2, rising linearly to 1 at 0.8. English
    /// text through all-MiniLM-L6-v2's vocabulary fits 0.83–0.96 on the shared corpora,
    /// German, Spanish, Romanian and Vietnamese 0.41–0.53, Turkish 0.19; the ramp's ends sit
    /// outside both groups so that a corpus a little unlike them lands in the same place.
    public static func vocabularyTrust(fit: Double) -> Double {
        guard fit.isFinite else { return 1 }
        return min(1, max(0, (fit - 0.2) / 0.6))
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

    /// One line for `--explain` and the API's `fusion` field: the method, the weight the
    /// dense list got and the trust behind it.
    public func describe(trust: DenseTrust) -> String {
        switch self {
        case .auto:
            "auto: dense weight \(FixedPoint.format(Self.autoWeight(trust: trust.value), digits: 2)) "
                + "(\(FixedPoint.format(Self.autoDenseWeight, digits: 2)) × trust), " + trust.summary
        case .reciprocalRank(let k):
            "rrf (k \(String(format: "%g", k))): dense list × trust, " + trust.summary
        case .convex(let weight, let normalization):
            "convex (\(normalization.rawValue), dense weight \(String(format: "%g", weight)) × trust): " + trust.summary
        }
    }

    /// `list`'s scores normalised, in the list's order, and the floor a chunk missing from
    /// the list gets (min-max: 0; z-score: the lowest normalised score).
    static func normalize(_ list: [ScoredChunk], _ method: Normalization) -> (scores: [Double], floor: Double) {
        guard !list.isEmpty else { return ([], 0) }
        let values = list.map { Double($0.score) }
        switch method {
        case .minMax:
            let low = values.min()!, high = values.max()!
            let span = high - low
            return (values.map { span > 0 ? ($0 - low) / span : 1 }, 0)
        case .zScore:
            let mean = values.reduce(0, +) / Double(values.count)
            let deviation = (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)).squareRoot()
            let scores = values.map { deviation > 0 ? ($0 - mean) / deviation : 0 }
            return (scores, scores.min() ?? 0)
        }
    }
}
