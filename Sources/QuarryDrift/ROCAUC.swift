/// The area under the ROC curve, equal to `sklearn.metrics.roc_auc_score` for binary labels.
///
/// Computed as the Mann–Whitney U statistic over midranks,
/// AUC = (Σ ranks of positives − P(P + 1)/2) / (P·N): the probability that a random positive
/// scores above a random negative, ties counting one half — the same number as the
/// trapezoidal area under the ROC curve with tied scores forming one diagonal step
/// (Hanley & McNeil, Radiology 143, 1982). O(n log n).
public enum ROCAUC {
    /// The AUC of `scores` for `labels` (true = positive).
    ///
    /// - Throws: `DriftError` when the arrays differ in length, a score is NaN/±∞, or only one
    ///   class is present (the AUC is undefined, as scikit-learn also reports).
    public static func score(labels: [Bool], scores: [Double]) throws -> Double {
        guard labels.count == scores.count else {
            throw DriftError(.dimensionMismatch, "\(labels.count) labels but \(scores.count) scores")
        }
        try Validation.checkSample(scores, name: "scores")
        let positives = labels.reduce(0) { $0 + ($1 ? 1 : 0) }
        let negatives = labels.count - positives
        guard positives > 0, negatives > 0 else {
            throw DriftError(.invalidParameter, "ROC AUC needs both classes; got \(positives) positive and \(negatives) negative labels")
        }
        let order = scores.indices.sorted { scores[$0] < scores[$1] }
        var positiveRankSum = 0.0
        var start = 0
        while start < order.count {
            var end = start + 1
            while end < order.count && scores[order[end]] == scores[order[start]] { end += 1 }
            // Ranks start+1 … end share their mean.
            let midrank = Double(start + 1 + end) / 2
            for k in start..<end where labels[order[k]] { positiveRankSum += midrank }
            start = end
        }
        let p = Double(positives), n = Double(negatives)
        return (positiveRankSum - p * (p + 1) / 2) / (p * n)
    }
}
