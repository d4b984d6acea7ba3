/// An IR metric as trec_eval computes it, named the way Quarry writes it (`ndcg@10`).
public enum Metric: Sendable, Hashable, CustomStringConvertible {
    /// trec_eval `ndcg_cut.k`: gains are the qrels grades (linear), discount 1/log2(rank + 1),
    /// the ideal ranking built from all judgements of the query.
    case ndcg(Int)
    /// trec_eval `recall.k`: relevant (grade ≥ 1) retrieved in the top k / all relevant.
    case recall(Int)
    /// trec_eval `P.k`: relevant in the top k / k.
    case precision(Int)
    /// trec_eval `recip_rank` on the run cut to its first k documents (trec_eval has no cut
    /// of its own for it; `mrr@10` means the run truncated to 10).
    case mrr(Int)
    /// trec_eval `map` over the whole run.
    case map

    /// Parses `ndcg@10`, `recall@100`, `p@5`, `mrr@10`, `map`.
    public init(_ name: String) throws {
        let lower = name.lowercased()
        if lower == "map" { self = .map; return }
        let parts = lower.split(separator: "@")
        guard parts.count == 2, let k = Int(parts[1]), (1 ... 100_000).contains(k) else {
            throw EvalError(file: "metric", "unknown metric \"\(name)\" (use ndcg@K, recall@K, p@K, mrr@K or map)")
        }
        switch parts[0] {
        case "ndcg": self = .ndcg(k)
        case "recall": self = .recall(k)
        case "p", "precision": self = .precision(k)
        case "mrr": self = .mrr(k)
        default: throw EvalError(file: "metric", "unknown metric \"\(name)\" (use ndcg@K, recall@K, p@K, mrr@K or map)")
        }
    }

    public var description: String {
        switch self {
        case .ndcg(let k): "ndcg@\(k)"
        case .recall(let k): "recall@\(k)"
        case .precision(let k): "p@\(k)"
        case .mrr(let k): "mrr@\(k)"
        case .map: "map"
        }
    }
}

/// Scores runs against qrels exactly as trec_eval does: documents ordered by score
/// descending with ties broken by document id descending (strcmp), relevance level 1, and
/// only queries present in both the run and the qrels evaluated (trec_eval without `-c`)
/// unless `includeUnretrieved` counts judged queries missing from the run as zero.
public struct TrecEvaluator: Sendable {
    public var metrics: [Metric]
    public var includeUnretrieved: Bool

    public init(metrics: [Metric], includeUnretrieved: Bool = false) {
        self.metrics = metrics
        self.includeUnretrieved = includeUnretrieved
    }

    /// Per-query values and their means.
    public struct Result: Sendable, Equatable {
        public var perQuery: [String: [Metric: Double]]
        public var mean: [Metric: Double]
        public var queries: [String]
    }

    public func evaluate(run: Run, qrels: Qrels) -> Result {
        let queries = qrels.judgements.keys.filter { includeUnretrieved || run.results[$0] != nil }.sorted()
        var perQuery: [String: [Metric: Double]] = [:]
        for query in queries {
            let judged = qrels.judgements[query] ?? [:]
            let ranked = Self.order(run.results[query] ?? []).map(\.document)
            var values: [Metric: Double] = [:]
            for metric in metrics { values[metric] = Self.value(metric, ranked: ranked, judged: judged) }
            perQuery[query] = values
        }
        var mean: [Metric: Double] = [:]
        for metric in metrics {
            mean[metric] = queries.isEmpty ? 0 : queries.reduce(0) { $0 + perQuery[$1]![metric]! } / Double(queries.count)
        }
        return Result(perQuery: perQuery, mean: mean, queries: queries)
    }

    /// trec_eval's order: score descending, then document id descending (byte order).
    static func order(_ results: [(document: String, score: Double)]) -> [(document: String, score: Double)] {
        results.sorted { a, b in
            a.score != b.score ? a.score > b.score : Array(b.document.utf8).lexicographicallyPrecedes(Array(a.document.utf8))
        }
    }

    static func value(_ metric: Metric, ranked: [String], judged: [String: Int]) -> Double {
        let relevantCount = judged.values.filter { $0 >= 1 }.count
        switch metric {
        case .ndcg(let k):
            var dcg = 0.0
            for (i, doc) in ranked.prefix(k).enumerated() {
                let gain = Double(max(judged[doc] ?? 0, 0))
                if gain > 0 { dcg += gain / log2(Double(i) + 2) }
            }
            let ideal = judged.values.filter { $0 > 0 }.sorted(by: >).prefix(k)
            var idcg = 0.0
            for (i, gain) in ideal.enumerated() { idcg += Double(gain) / log2(Double(i) + 2) }
            return idcg > 0 ? dcg / idcg : 0
        case .recall(let k):
            guard relevantCount > 0 else { return 0 }
            return Double(ranked.prefix(k).filter { (judged[$0] ?? 0) >= 1 }.count) / Double(relevantCount)
        case .precision(let k):
            return Double(ranked.prefix(k).filter { (judged[$0] ?? 0) >= 1 }.count) / Double(k)
        case .mrr(let k):
            guard let rank = ranked.prefix(k).firstIndex(where: { (judged[$0] ?? 0) >= 1 }) else { return 0 }
            return 1 / Double(rank + 1)
        case .map:
            guard relevantCount > 0 else { return 0 }
            var found = 0
            var sum = 0.0
            for (i, doc) in ranked.enumerated() where (judged[doc] ?? 0) >= 1 {
                found += 1
                sum += Double(found) / Double(i + 1)
            }
            return sum / Double(relevantCount)
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif
