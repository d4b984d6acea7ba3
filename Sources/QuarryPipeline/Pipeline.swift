import QuarryGenerate
import QuarryRetrieve
import QuarryStore
import QuarryWire

/// One collection's retrieval and answering as every front end runs it, with the
/// configured defaults a request's overrides apply to.
///
/// Concurrency: a `Sendable` value over immutable indexes; any number of requests may use
/// one pipeline at once, and a request keeps the generation it started on.
public struct Pipeline: Sendable {
    public let answerer: Answerer
    /// The configured retrieval options (`PipelineFactory.options` applies overrides).
    public let defaults: RetrievalOptions

    public init(answerer: Answerer, defaults: RetrievalOptions) {
        self.answerer = answerer
        self.defaults = defaults
    }

    public var retriever: Retriever { answerer.retriever }
    public var collection: CollectionReader { retriever.collection }
    /// What opening had to repair.
    public var notes: [String] { retriever.notes }

    /// Ranked chunks (`options.firstStagesOnly` for a search).
    public func retrieve(_ query: String, options: RetrievalOptions) async throws -> Retrieval {
        try await retriever.retrieve(query, options: options)
    }

    /// A batch of queries into document rankings (TREC runs, eval).
    public func rank(_ queries: [Query], k: Int, options: RetrievalOptions,
                     progress: ((Int, Int) -> Void)? = nil) async throws -> (rankings: [BatchSearch.Ranking], searchSeconds: Double) {
        try await BatchSearch.run(retriever, queries, k: k, options: options, progress: progress)
    }

    /// An answer, its events as they happen (the last is `.done`).
    public func run(_ question: String, options: RetrievalOptions, stream: Bool) -> AsyncThrowingStream<AnswerEvent, Error> {
        answerer.run(question, options: options, stream: stream)
    }

    /// An answer, whole.
    public func answer(_ question: String, options: RetrievalOptions) async throws -> Answer {
        try await answerer.answer(question, options: options)
    }
}
