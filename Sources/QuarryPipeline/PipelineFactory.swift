import QuarryCore
import QuarryEmbed
import QuarryGenerate
import QuarryRetrieve
import QuarryStore

/// The one place configuration + home + collection become a pipeline. `quarry query`,
/// `quarry search`, `quarry serve` and `quarry eval` all build retrieval and answering
/// here, so a setting (fusion, the prompt template, the context budget, the rerank depth)
/// means the same thing in every front end, and eval scores what the server serves.
///
/// The models are made once per factory (a process makes one); `open(_:)` is cheap to
/// call again when a collection's generation changes.
public struct PipelineFactory: Sendable {
    /// Which models a front end needs: loading the native embedder or reranker takes
    /// seconds, so a lexical search makes neither.
    public struct Parts: OptionSet, Sendable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }
        public static let embedder = Parts(rawValue: 1)
        public static let reranker = Parts(rawValue: 2)
        public static let languageModel = Parts(rawValue: 4)
        public static let all: Parts = [.embedder, .reranker, .languageModel]

        /// What retrieving with `options` needs (plus the LLM when answering); `embedded`
        /// says whether the collection holds embeddings (without them no embedder is used).
        public static func needed(for options: RetrievalOptions, answering: Bool, embedded: Bool = true) -> Parts {
            var parts: Parts = []
            if embedded, options.mode != .lexical || options.mmrLambda != nil { parts.insert(.embedder) }
            if options.rerank { parts.insert(.reranker) }
            if answering { parts.insert(.languageModel) }
            return parts
        }
    }

    public let configuration: QuarryConfiguration
    public let home: QuarryHome
    public let embedder: (any Embedder)?
    /// The configured embedder and the native models beside it: each collection is searched
    /// with the model that embedded it.
    public let embedders: EmbedderCatalog
    public let reranker: (any Reranker)?
    public let model: (any LanguageModel)?
    public let template: PromptTemplate

    /// Makes the configured models named in `parts`.
    /// - Parameters:
    ///   - batchingEmbedder: embed concurrent requests' texts together (the server).
    ///   - queryCache: keep recent query vectors in memory (`server.query_cache_entries` of
    ///     them per embedder; none when that is 0), counting hits and misses here (the server).
    /// - Throws: configuration errors (a missing model folder, a bad prompt template).
    public init(configuration: QuarryConfiguration, home: QuarryHome, parts: Parts = .all, batchingEmbedder: Bool = false,
                queryCache: EmbeddingCacheStats? = nil) throws {
        let entries = configuration.server.queryCacheEntries
        let wrap: @Sendable (any Embedder) -> any Embedder = { base in
            var wrapped: any Embedder = base
            if batchingEmbedder { wrapped = BatchingEmbedder(wrapped) }
            if let queryCache, entries > 0 { wrapped = CachingEmbedder(wrapped, capacity: entries, stats: queryCache) }
            return wrapped
        }
        let embedder = parts.contains(.embedder) ? try EmbedderFactory.make(configuration).map(wrap) : nil
        let catalog = EmbedderCatalog(configuration: configuration, configured: embedder, wrap: wrap)
        self.init(configuration: configuration, home: home, embedders: catalog,
                  reranker: parts.contains(.reranker) ? try RerankerFactory.make(configuration) : nil,
                  model: parts.contains(.languageModel) ? try LanguageModelFactory.make(configuration.llm) { configuration.resolvePath($0) } : nil,
                  template: try PromptTemplate.configured(configuration))
    }

    /// A factory over models made elsewhere (tests, a program embedding Quarry).
    public init(configuration: QuarryConfiguration, home: QuarryHome, embedder: (any Embedder)?, reranker: (any Reranker)?,
                model: (any LanguageModel)?, template: PromptTemplate) {
        self.init(configuration: configuration, home: home, embedders: EmbedderCatalog(embedder), reranker: reranker,
                  model: model, template: template)
    }

    /// A factory over a catalog of embedders and models made elsewhere.
    public init(configuration: QuarryConfiguration, home: QuarryHome, embedders: EmbedderCatalog, reranker: (any Reranker)?,
                model: (any LanguageModel)?, template: PromptTemplate) {
        self.configuration = configuration
        self.home = home
        self.embedders = embedders
        self.embedder = embedders.configured
        self.reranker = reranker
        self.model = model
        self.template = template
    }

    /// The configured retrieval defaults (`retrieval.*`, `rerank.depth`), before any
    /// request's overrides.
    public var defaults: RetrievalOptions { Self.defaults(configuration) }

    /// `configuration`'s retrieval defaults, for choosing `Parts` before a factory exists.
    public static func defaults(_ configuration: QuarryConfiguration) -> RetrievalOptions {
        RetrievalOptions(configuration.retrieval, rerankDepth: configuration.rerank.depth)
    }

    /// The defaults with a request's `overrides` on top, checked (the same for every
    /// collection, so a front end can check a request before it opens one).
    /// - Throws: `RetrieveError` naming the option as `spelling` writes it.
    public func options(_ overrides: RetrievalOverrides, spelling: RetrievalOverrides.Spelling = .json,
                        maxK: Int = RetrievalOptions.maxK) throws -> RetrievalOptions {
        try Self.options(overrides, configuration: configuration, spelling: spelling, maxK: maxK)
    }

    /// `configuration`'s defaults with `overrides` on top, checked.
    public static func options(_ overrides: RetrievalOverrides, configuration: QuarryConfiguration,
                               spelling: RetrievalOverrides.Spelling = .json, maxK: Int = RetrievalOptions.maxK) throws -> RetrievalOptions {
        let options = try overrides.applied(to: defaults(configuration), spelling: spelling, maxK: maxK)
        try options.validate()
        return options
    }

    /// Opens `collection`'s committed generation: its indexes (repaired if needed), the
    /// dense side with the model that embedded the collection (the configured one, or one
    /// `embedders` finds beside it), and the answerer.
    public func open(_ collection: String) async throws -> Pipeline {
        let retriever = try await Retriever.open(home: home, collection: collection, embedder: embedder, catalog: embedders,
                                                 reranker: reranker, quantization: configuration.retrieval.vectorQuantization)
        return try pipeline(over: retriever)
    }

    /// This factory's answering (prompt, context budget, model or extractive) over a
    /// retriever already open — eval variants that differ only in who answers share one.
    public func pipeline(over retriever: Retriever) throws -> Pipeline {
        let budget = configuration.generation.contextBudget(native: model?.runsInProcess ?? false)
        var answerer = try Answerer(retriever: retriever, template: template, model: model, assembler: ContextAssembler(budget: budget),
                                    extractiveSentences: configuration.generation.extractiveSentences)
        answerer.noModelReason = LanguageModelFactory.absence(configuration.llm) { configuration.resolvePath($0) }
        answerer.grounding = configuration.generation.grounding
        answerer.extractive.form = configuration.generation.answerForm
        answerer.decoding = configuration.generation.decoding
        answerer.minimumCoverage = configuration.generation.minQuestionCoverage
        return Pipeline(answerer: answerer, defaults: defaults)
    }
}
