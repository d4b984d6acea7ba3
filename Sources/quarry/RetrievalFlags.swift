import ArgumentParser
import QuarryCore
import QuarryPipeline
import QuarryRetrieve
import QuarryStore

/// The retrieval flags `quarry query` and `quarry search` share. They become the same
/// `RetrievalOverrides` the server's JSON bodies decode into, checked in the same place,
/// so `--k 0` and `{"k": 0}` are refused by one rule.
struct RetrievalFlags: ParsableArguments {
    @Option(help: "Retrieval mode (default: retrieval.mode; quarry search: lexical).")
    var mode: SearchMode?

    @Option(help: "Hits returned (default: retrieval.k; quarry search: 10, and documents per query with --queries).")
    var k: Int?

    @Option(name: .long, help: "A metadata condition (repeatable, all must hold): field=value, field!=value, 'field in a|b', field>=n, field<n.")
    var filter: [String] = []

    @Option(help: "Hybrid: hits taken from each side before fusing, 1-10000 (default: retrieval.candidates).")
    var candidates: Int?

    @Option(help: "Hybrid fusion: auto (dense weight from its trust), rrf (reciprocal rank fusion) or convex (a fixed weight) (default: retrieval.fusion).")
    var fusion: FusionMethod?

    @Option(help: "RRF's k, the rank offset (default: retrieval.rrf_k).")
    var rrfK: Double?

    @Option(help: "Convex fusion: weight of the dense side, 0...1 (default: retrieval.dense_weight).")
    var denseWeight: Double?

    @Option(help: "Convex fusion: score normalisation, minmax or zscore (default: retrieval.normalization).")
    var normalization: ScoreNormalization?

    @Option(help: "BM25 k1, term-frequency saturation (default 0.9).")
    var k1: Float?

    @Option(help: "BM25 b, length normalisation (default 0.4).")
    var b: Float?

    @Option(help: "BM25: weight of title/heading matches relative to text matches (default 1).")
    var titleBoost: Float?

    var overrides: RetrievalOverrides {
        var overrides = RetrievalOverrides()
        overrides.mode = mode
        overrides.k = k
        overrides.filter = filter.isEmpty ? nil : filter
        overrides.candidates = candidates
        overrides.fusion = fusion
        overrides.rrfK = rrfK
        overrides.denseWeight = denseWeight
        overrides.normalization = normalization
        overrides.k1 = k1
        overrides.b = b
        overrides.titleBoost = titleBoost
        return overrides
    }
}

/// The stages after the first ranking, which `quarry query` runs and `quarry search` does not.
struct LaterStageFlags: ParsableArguments {
    @Flag(help: "Rerank the fused hits with the configured reranker (rerank.*).")
    var rerank = false

    @Option(help: "MMR diversity over the top hits: lambda 0...1 (1 = relevance only) (default: retrieval.mmr_lambda).")
    var mmr: Double?

    @Flag(help: "Do not merge adjacent chunks of one document.")
    var noMerge = false

    func apply(to overrides: inout RetrievalOverrides) {
        overrides.rerank = rerank
        overrides.mmr = mmr
        if noMerge { overrides.merge = false }
    }
}

extension RetrievalOverrides {
    /// Checks the flags as `validate()` does, before anything is opened: the error names
    /// the flag and its range.
    func check(maxK: Int) throws {
        do {
            _ = try applied(to: RetrievalOptions(), spelling: .flag, maxK: maxK).validate()
        } catch {
            throw ValidationError("\(error)")
        }
    }

    /// The configured defaults with these flags on top.
    func options(_ configuration: QuarryConfiguration, maxK: Int) throws -> RetrievalOptions {
        do {
            return try PipelineFactory.options(self, configuration: configuration, spelling: .flag, maxK: maxK)
        } catch let error as RetrieveError {
            throw ValidationError(error.description)
        }
    }
}

extension SearchMode: ExpressibleByArgument {}
extension EmbeddingProvider: ExpressibleByArgument {}
extension FusionMethod: ExpressibleByArgument {}
extension EmbeddingRole: ExpressibleByArgument {}
extension ScoreNormalization: ExpressibleByArgument {}

extension Pipeline {
    /// The pipeline of `collection` with only the models `options` need there: a lexical
    /// search, or a collection without embeddings, loads no embedder.
    static func open(_ collection: String, configuration: QuarryConfiguration, home: QuarryHome, options: RetrievalOptions,
                     answering: Bool) async throws -> Pipeline {
        let embedded = try CollectionReader(home: home, name: collection).manifest.settings.embedder != nil
        let parts = PipelineFactory.Parts.needed(for: options, answering: answering, embedded: embedded)
        return try await PipelineFactory(configuration: configuration, home: home, parts: parts).open(collection)
    }
}
