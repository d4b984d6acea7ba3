import Foundation
import QuarryCore
import QuarryEmbed
import QuarryRetrieve
import QuarryText

/// Runs drift checks: loads both sides, measures their features with one yardstick, judges
/// every feature and returns a `DriftReport`.
///
/// - Query drift: two query sides (a queries file, a query-log window) measured against one
///   collection (`QueryFeatureExtractor`).
/// - Corpus drift: two collection generations (`collection:` or `version:` sides), chunk
///   features (`CorpusFeatureExtractor`).
///
/// ```swift
/// let monitor = DriftMonitor(home: home, embedder: try EmbedderFactory.make(configuration))
/// let report = try await monitor.check(reference: .queryFile("suite/queries.jsonl"),
///                                      current: .queryLog(collection: "docs", window: .last(86400)))
/// ```
///
/// Sides with more than `maxRows` rows are sampled (seeded) so a check over a busy log stays
/// within seconds: the features that cost most (an embedding and two index lookups per query)
/// scale with the rows, and the policy switches to distances above 1,000 rows anyway.
public struct DriftMonitor: Sendable {
    /// Knobs of a check.
    public struct Configuration: Sendable, Equatable {
        /// Rows per side at most; larger sides are sampled (default 1,000).
        public var maxRows: Int = 1000
        /// Seed for sampling (default 42).
        public var seed: UInt64 = 42
        /// See `QueryFeatureExtractor.goodDenseScore` (default 0.5).
        public var goodDenseScore: Double = 0.5
        /// See `QueryFeatureExtractor.goodLexicalCoverage` (default 0.5).
        public var goodLexicalCoverage: Double = 0.5
        /// See `FeatureComparison.vocabularySize` (default 100).
        public var vocabularySize: Int = 100
        /// Methods and thresholds.
        public var policy = DriftPolicy()

        public init() {}

        /// Throws `DriftError.Code.invalidParameter` for a setting out of range.
        public func validate() throws {
            try Validation.checkParameter(maxRows, in: 2...1_000_000, name: "maxRows")
            try Validation.checkParameter(goodDenseScore, in: -1...1, name: "goodDenseScore")
            try Validation.checkShare(goodLexicalCoverage, name: "goodLexicalCoverage")
            try Validation.checkParameter(vocabularySize, in: 1...1_000_000, name: "vocabularySize")
            try policy.validate()
        }

        /// The settings a report records.
        var recorded: [String: String] {
            ["max_rows": "\(maxRows)", "seed": "\(seed)", "good_dense_score": "\(goodDenseScore)",
             "good_lexical_coverage": "\(goodLexicalCoverage)", "vocabulary_size": "\(vocabularySize)",
             "small_sample_limit": "\(policy.smallSampleLimit)", "alpha": "\(policy.alpha)",
             "dataset_drift_share": "\(policy.datasetDriftShare)", "wasserstein_threshold": "\(policy.wassersteinThreshold)",
             "jensen_shannon_threshold": "\(policy.jensenShannonThreshold)", "domain_classifier_threshold": "\(policy.domainClassifier.threshold)",
             "mmd_permutations": "\(policy.maximumMeanDiscrepancy.permutations)"]
        }
    }

    public let home: QuarryHome
    /// The configured embedder, for query embeddings (and dense scores when it is the
    /// collection's own); nil for none.
    public let embedder: (any Embedder)?
    /// Finds a collection's own model when it is not the configured one (multilingual-e5).
    public let catalog: EmbedderCatalog?
    public var configuration: Configuration

    public init(home: QuarryHome, embedder: (any Embedder)?, catalog: EmbedderCatalog? = nil,
                configuration: Configuration = Configuration()) {
        self.home = home
        self.embedder = embedder
        self.catalog = catalog
        self.configuration = configuration
    }

    /// Compares `current` with `reference`.
    ///
    /// - Parameters:
    ///   - collection: For query sides, the collection whose lexicon and indexes measure them
    ///     (default: the collection of a query-log side, current first). Ignored for corpus sides.
    ///   - now: The moment relative windows are resolved against.
    /// - Throws: `DriftError` for a bad or missing side, sides of two kinds, an empty side or
    ///   when no feature can be judged; the indexes' and the embedder's errors unchanged.
    public func check(reference: DriftSource, current: DriftSource, collection: String? = nil, now: Date = Date()) async throws -> DriftReport {
        try configuration.validate()
        guard reference.kind == current.kind else {
            throw DriftError(.sourceUnavailable, "the reference (\(reference)) holds \(reference.kind.rawValue) and the current side (\(current)) "
                             + "\(current.kind.rawValue); compare queries with queries or a corpus with a corpus")
        }
        let checkedAt = Timestamp.format(now)
        switch reference.kind {
        case .queries:
            let collection = collection ?? current.queryLogCollection ?? reference.queryLogCollection
            let probe = try await QueryProbe.open(home: home, collection: collection, embedder: embedder, catalog: catalog)
            let r = try loadQueries(reference, now: now, seed: configuration.seed)
            let c = try loadQueries(current, now: now, seed: configuration.seed &+ 1)
            let extractor = QueryFeatureExtractor(probe: probe, goodDenseScore: configuration.goodDenseScore,
                                                  goodLexicalCoverage: configuration.goodLexicalCoverage)
            let outcome = try comparison.compare(reference: try await extractor.extract(r.queries), current: try await extractor.extract(c.queries))
            return DriftReport(kind: .queries, checkedAt: checkedAt, collection: collection, reference: r.summary, current: c.summary,
                               verdict: outcome.verdict, features: outcome.features, skipped: outcome.skipped,
                               notes: probe.notes + r.notes + c.notes, settings: configuration.recorded)
        case .corpus:
            let r = try CorpusSample.load(reference, home: home, limit: configuration.maxRows, seed: configuration.seed)
            let c = try CorpusSample.load(current, home: home, limit: configuration.maxRows, seed: configuration.seed &+ 1)
            var notes = r.notes + c.notes
            if r.collection == c.collection && r.generation == c.generation {
                notes.append("both sides are generation \(r.generation) of collection '\(r.collection)': only sampling differs")
            }
            if r.analyzer != c.analyzer {
                notes.append("the collections use different analyzers (\(r.analyzer), \(c.analyzer)); both are analysed with \(r.analyzer)")
            }
            let extractor = CorpusFeatureExtractor(analyzer: try Analyzers.named(r.analyzer))
            let sameEmbedder = r.embedder != nil && r.embedder == c.embedder
            let outcome = try comparison.compare(reference: try extractor.extract(r, includeEmbeddings: sameEmbedder),
                                                 current: try extractor.extract(c, includeEmbeddings: sameEmbedder))
            return DriftReport(kind: .corpus, checkedAt: checkedAt, collection: c.collection,
                               reference: DriftSideSummary(source: "\(reference)", rows: r.chunks.count, totalRows: r.totalCount),
                               current: DriftSideSummary(source: "\(current)", rows: c.chunks.count, totalRows: c.totalCount),
                               verdict: outcome.verdict, features: outcome.features, skipped: outcome.skipped, notes: notes,
                               settings: configuration.recorded)
        }
    }

    var comparison: FeatureComparison {
        FeatureComparison(policy: configuration.policy, vocabularySize: configuration.vocabularySize)
    }

    /// The queries of one side, sampled to the row cap.
    public struct QuerySample: Sendable {
        public var queries: [ObservedQuery]
        public var summary: DriftSideSummary
        public var notes: [String]
    }

    /// Loads a query side (a queries file or a query-log window).
    /// - Throws: `DriftError.Code.sourceNotFound` for a missing file or log,
    ///   `.sourceUnavailable` for an empty side, `.invalidSource` for a corpus side.
    public func loadQueries(_ source: DriftSource, now: Date, seed: UInt64) throws -> QuerySample {
        var all: [ObservedQuery]
        var window: Range<Date>?
        switch source {
        case .queryFile(let path):
            guard FileManager.default.fileExists(atPath: path) else {
                throw DriftError(.sourceNotFound, "no queries file \(path)")
            }
            do {
                all = try QueryFile.read(URL(fileURLWithPath: path)).map { ObservedQuery(text: $0.text) }
            } catch let error as RetrieveError {
                throw DriftError(.invalidSource, error.description)
            }
        case .queryLog(let collection, let span):
            let resolved = span.resolve(now: now)
            window = resolved
            all = try QueryLogReader.read(home: home, collection: collection, span: resolved)
        case .collection, .registryVersion:
            throw DriftError(.invalidSource, "\(source) is a corpus side; a query check needs a queries file or querylog:NAME@WINDOW")
        }
        guard all.count >= 2 else {
            let where_ = window.map { " between \(Timestamp.format($0.lowerBound)) and \(Timestamp.format($0.upperBound))" } ?? ""
            let hint = window == nil ? "" : " (until the log covers the window, compare with a queries file such as an eval suite's)"
            throw DriftError(.sourceUnavailable, "\(source) holds \(all.count) quer\(all.count == 1 ? "y" : "ies")\(where_); a side needs at least 2\(hint)")
        }
        var notes: [String] = []
        let total = all.count
        if total > configuration.maxRows {
            var random = SplitMix64(seed: seed)
            all = random.sample(configuration.maxRows, from: total).sorted().map { all[$0] }
            notes.append("\(source): \(all.count) of \(total) queries sampled (seed \(seed))")
        }
        let summary = DriftSideSummary(source: "\(source)", rows: all.count, totalRows: total,
                                       windowStart: window.map { Timestamp.format($0.lowerBound) },
                                       windowEnd: window.map { Timestamp.format($0.upperBound) })
        return QuerySample(queries: all, summary: summary, notes: notes)
    }
}
