import Foundation
import QuarryCore
import QuarryEmbed

/// How far hybrid search trusts the dense list for one query, and why: the product of what
/// the embedder can read of the query's letters (its scripts) and of the words of the query
/// and the collection (its vocabulary). Both come from the model's own vocabulary and the
/// text; no relevance label goes in, so the rule is the same on a corpus nobody has judged.
public struct DenseTrust: Sendable, Equatable {
    /// `Fusion.denseTrust(coverage:)` of the query's script coverage.
    public var script: Double
    /// `Fusion.vocabularyTrust(fit:)` of `fit`; 1 when the embedder's vocabulary is unknown.
    public var vocabulary: Double
    /// The vocabulary fit the trust was read from: the mean of the query's and the
    /// collection's shares, or whichever of them exists; nil when neither does.
    public var fit: Double?
    public var queryFit: Double?
    public var collectionFit: Double?

    public var value: Double { script * vocabulary }

    /// Reads the trust for `query`: `collectionFit` is the embedder's fit over the
    /// collection (`DenseSearcher.vocabularyFit`). A query without words (digits, symbols)
    /// takes the collection's fit; a collection fit is what keeps one- and two-word queries,
    /// whose own share is 0 or 1 by chance, from swinging the weight alone.
    public init(query: String, embedder: any Embedder, collectionFit: VocabularyFit?) {
        script = Fusion.denseTrust(coverage: embedder.coverage(of: query))
        queryFit = embedder.vocabularyFit(query)?.share
        self.collectionFit = collectionFit?.share
        switch (queryFit, self.collectionFit) {
        case (let q?, let c?): fit = (q + c) / 2
        case (let q?, nil): fit = q
        case (nil, let c?): fit = c
        case (nil, nil): fit = nil
        }
        vocabulary = fit.map(Fusion.vocabularyTrust(fit:)) ?? 1
    }

    /// "trust 0.62 = script 1.00 × vocabulary 0.62 (fit 0.57: query 0.50, collection 0.64)".
    public var summary: String {
        func f(_ x: Double) -> String { FixedPoint.format(x, digits: 2) }
        var text = "trust \(f(value)) = script \(f(script)) × vocabulary \(f(vocabulary))"
        if let fit {
            let parts = [queryFit.map { "query \(f($0))" }, collectionFit.map { "collection \(f($0))" }]
            text += " (fit \(f(fit)): " + parts.compactMap { $0 }.joined(separator: ", ") + ")"
        }
        return text
    }
}
