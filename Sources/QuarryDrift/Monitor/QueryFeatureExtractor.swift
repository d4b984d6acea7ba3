import Foundation
import QuarryIndex
import QuarryRetrieve
import QuarryText

/// Turns queries into the features query drift is judged on:
///
/// | feature              | kind        | what                                                                 |
/// |----------------------|-------------|----------------------------------------------------------------------|
/// | `query_length`       | numeric     | words (ICU word segments with letters, digits, kana or ideographs)   |
/// | `script`             | categorical | the script most of the query's letters are in (ICU; `none`: no letters) — the language mix |
/// | `oov_rate`           | numeric     | share of the query's analysed terms absent from the collection's lexicon |
/// | `best_lexical_score` | numeric     | BM25 score of the top chunk (0: no hit)                              |
/// | `best_dense_score`   | numeric     | cosine similarity of the top chunk                                   |
/// | `no_good_result`     | categorical | `yes` when no side found a good chunk (below)                        |
/// | `latency_ms`         | numeric     | server latency (query logs only)                                     |
/// | `query_embedding`    | embedding   | the query's vector                                                   |
///
/// A *good* chunk: lexically, the top chunk holds terms carrying at least
/// `goodLexicalCoverage` (½) of the query's idf weight (an out-of-vocabulary term weighs what
/// an unseen term would, so a query the lexicon cannot read has coverage 0); densely, its
/// cosine similarity is at least `goodDenseScore` (0.5). Why coverage rather than a BM25
/// threshold: BM25 scores have no fixed scale across collections and query lengths, while
/// "the best passage contains most of what the query asks for" means the same everywhere.
///
/// Logged scores are used where they are what the feature measures: the top score of a
/// `lexical`-mode query is its best lexical score, of a `dense`-mode query its best dense score.
/// `hybrid`-mode scores are fused, so those are recomputed against the current indexes, as are
/// all scores of a queries file.
public struct QueryFeatureExtractor: Sendable {
    public static let length = "query_length"
    public static let script = "script"
    public static let outOfVocabulary = "oov_rate"
    public static let bestLexical = "best_lexical_score"
    public static let bestDense = "best_dense_score"
    public static let noGoodResult = "no_good_result"
    public static let latency = "latency_ms"
    public static let embedding = "query_embedding"

    public let probe: QueryProbe
    /// Cosine similarity at or above which the top dense chunk counts as good (default 0.5).
    public var goodDenseScore: Double = 0.5
    /// Share of the query's idf weight the top lexical chunk must hold to count as good (default 0.5).
    public var goodLexicalCoverage: Double = 0.5
    /// BM25 parameters for the recomputed lexical scores (the server's defaults).
    public var parameters = BM25Parameters()

    public init(probe: QueryProbe, goodDenseScore: Double = 0.5, goodLexicalCoverage: Double = 0.5) {
        self.probe = probe
        self.goodDenseScore = goodDenseScore
        self.goodLexicalCoverage = goodLexicalCoverage
    }

    /// The features of `queries`, a row per query in order.
    /// - Throws: the analyzer's or the embedder's errors (a failed embedder is never skipped silently).
    public func extract(_ queries: [ObservedQuery]) async throws -> FeatureTable {
        var table = FeatureTable(rowCount: queries.count)
        let segmenter = Segmenter()
        table.add(Self.length, "words per query", .numeric(try queries.map { query in
            Double(try segmenter.words(UTF16Text(query.text)).filter(\.kind.isWordLike).count)
        }))
        table.add(Self.script, "dominant script of the query's letters (ICU)", .categorical(queries.map { ScriptProfile($0.text).dominant ?? "none" }))

        let vectors = try await embeddings(queries)
        var lexicalGood: [Bool?] = Array(repeating: nil, count: queries.count)
        var denseGood: [Bool?] = Array(repeating: nil, count: queries.count)

        if let lexical = probe.lexical {
            var oov: [Double?] = [], best: [Double?] = []
            for (row, query) in queries.enumerated() {
                let measured = try measureLexically(query, lexical)
                oov.append(measured.oovRate)
                best.append(measured.bestScore)
                lexicalGood[row] = measured.coverage >= goodLexicalCoverage
            }
            table.add(Self.outOfVocabulary, "share of analysed query terms not in the collection's lexicon", .numeric(oov))
            table.add(Self.bestLexical, "BM25 score of the best chunk (0 when none matches)", .numeric(best))
        } else {
            let reason = "needs a collection's lexicon (pass --collection)"
            table.markUnavailable(Self.outOfVocabulary, reason)
            table.markUnavailable(Self.bestLexical, reason)
        }

        if let dense = probe.dense {
            var best: [Double?] = []
            for (row, query) in queries.enumerated() {
                var score: Double?
                if query.mode == "dense", let hits = query.hitCount {
                    score = hits == 0 ? nil : query.topScore
                } else if let vector = vectors?[row] {
                    score = (try? dense.index.search(vector, k: 1, filter: nil))?.first.map { Double($0.score) }
                }
                best.append(score)
                denseGood[row] = score.map { $0 >= goodDenseScore } ?? false
            }
            table.add(Self.bestDense, "cosine similarity of the best chunk", .numeric(best))
        } else {
            table.markUnavailable(Self.bestDense, probe.collection == nil ? "needs a collection (pass --collection)"
                                  : "the collection has no embeddings, or they come from another embedder than the configured one")
        }

        if probe.lexical != nil || probe.dense != nil {
            table.add(Self.noGoodResult, "no chunk with ≥ \(Self.percent(goodLexicalCoverage)) of the query's idf weight"
                      + (probe.dense != nil ? " or cosine ≥ \(goodDenseScore)" : ""),
                      .categorical((0 ..< queries.count).map { row in
                          (lexicalGood[row] ?? false) || (denseGood[row] ?? false) ? "no" : "yes"
                      }))
        } else {
            table.markUnavailable(Self.noGoodResult, "needs a collection (pass --collection)")
        }

        if queries.allSatisfy({ $0.latencyMilliseconds != nil }) {
            table.add(Self.latency, "server latency in milliseconds", .numeric(queries.map(\.latencyMilliseconds)))
        } else {
            table.markUnavailable(Self.latency, "only query logs record latency")
        }

        if let vectors {
            table.add(Self.embedding, "query embedding (\(probe.embedder.map { $0.identity.description } ?? ""))", .embedding(vectors))
        } else {
            table.markUnavailable(Self.embedding, "no embedder is configured (embedding.provider none)")
        }
        return table
    }

    /// Every query's vector, or nil without an embedder.
    func embeddings(_ queries: [ObservedQuery]) async throws -> [[Float]?]? {
        guard let embedder = probe.embedder else { return nil }
        let vectors = try await embedder.embed(queries.map(\.text), as: .query)
        return vectors.map { vector in vector.allSatisfy(\.isFinite) ? vector : nil }
    }

    struct LexicalMeasure {
        var oovRate: Double?
        var bestScore: Double?
        var coverage: Double
    }

    /// OOV rate, best BM25 score (logged when the query ran lexically) and the idf coverage of
    /// the top chunk.
    func measureLexically(_ query: ObservedQuery, _ lexical: LexicalSearcher) throws -> LexicalMeasure {
        let terms = try lexical.analyzer.terms(query.text)
        let index = lexical.index
        let oov = terms.isEmpty ? nil : Double(terms.filter { !index.contains(term: $0) }.count) / Double(terms.count)
        let top = terms.isEmpty ? nil : lexical.index.search(terms: terms, k: 1, parameters: parameters).first
        var best = top.map { Double($0.score) } ?? 0
        if query.mode == "lexical", let hits = query.hitCount { best = hits == 0 ? 0 : query.topScore ?? best }
        guard let top, let hit = try lexical.collection.chunkDetails([top.chunkID])[top.chunkID] else {
            return LexicalMeasure(oovRate: oov, bestScore: best, coverage: 0)
        }
        let unseen = BM25Parameters.idf(documentCount: lexical.index.documentCount, documentFrequency: 0)
        let weight: (String) -> Double = { term in Double(index.contains(term: term) ? index.idf(term) : unseen) }
        let present = Set(try lexical.analyzer.terms(hit.context + "\n" + hit.text))
        let total = terms.reduce(0) { $0 + weight($1) }
        let matched = terms.filter(present.contains).reduce(0) { $0 + weight($1) }
        return LexicalMeasure(oovRate: oov, bestScore: best, coverage: total > 0 ? matched / total : 0)
    }

    static func percent(_ share: Double) -> String {
        "\(Int((share * 100).rounded())) %"
    }
}
