import Foundation
import QuarryCore
import QuarryRetrieve
import QuarryWire

/// Retrieval → context assembly → LLM (or extractive fallback) → citations.
///
/// No silent failures: when the LLM is missing, fails or times out, the answer is
/// extractive and `fallbackReason` says why; an empty retrieval gives `.noContext` rather
/// than an ungrounded LLM answer; retrieval errors (a broken index, a failing embedder or
/// reranker) are thrown, never papered over.
public struct Answerer: Sendable {
    public let retriever: Retriever
    public let template: PromptTemplate
    public let model: (any LanguageModel)?
    public var assembler: ContextAssembler
    public var extractive: ExtractiveAnswerer
    /// The extractive answer's label when there is no model.
    public var noModelReason = "no LLM is configured (llm.provider is none)"
    /// What happens to model sentences no passage backs (`generation.grounding`).
    public var grounding: GroundingMode = .strict

    public init(retriever: Retriever, template: PromptTemplate, model: (any LanguageModel)?,
                assembler: ContextAssembler = ContextAssembler(), extractiveSentences: Int = 3) throws {
        self.retriever = retriever
        self.template = template
        self.model = model
        self.assembler = assembler
        let lexical = retriever.lexical
        extractive = ExtractiveAnswerer(sentences: extractiveSentences, analyzer: lexical.analyzer) { lexical.index.idf($0) }
    }

    /// Answers `question`, reporting progress as events; the last event is `.done`.
    /// `stream` asks the LLM for server-sent events (tokens arrive as `.token`).
    public func run(_ question: String, options: RetrievalOptions, stream: Bool) -> AsyncThrowingStream<AnswerEvent, Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    let answer = try await produce(question, options: options, stream: stream) { continuation.yield($0) }
                    continuation.yield(.done(answer))
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// Answers `question` without streaming.
    public func answer(_ question: String, options: RetrievalOptions) async throws -> Answer {
        try await produce(question, options: options, stream: false) { _ in }
    }

    func produce(_ question: String, options: RetrievalOptions, stream: Bool,
                 emit: @Sendable (AnswerEvent) -> Void) async throws -> Answer {
        let retrieval = try await retriever.retrieve(question, options: options)
        var timings = Dictionary(uniqueKeysWithValues: retrieval.timings.map { ($0.key.rawValue, $0.value * 1000) })
        let assemblyStart = DispatchTime.now().uptimeNanoseconds
        let context = assembler.assemble(retrieval.hits)
        timings["assembly"] = Self.milliseconds(since: assemblyStart)
        emit(.context(retrieval, context.passages))

        var answer = Answer(question: question, text: "", kind: .extractive, fallbackReason: nil, citations: [], unknownCitations: [],
                            sources: context.passages, hits: retrieval.hits, prompt: template.id, model: nil, mode: retrieval.mode,
                            denseTrust: retrieval.denseTrust, reranker: retrieval.reranker, timings: timings,
                            notes: retriever.notes + retrieval.notes)
        answer.queryAnalysis = retrieval.queryAnalysis
        answer.fusion = retrieval.fusion
        guard !context.passages.isEmpty else {
            answer.kind = .noContext
            answer.text = retrieval.allowedChunks == 0
                ? "No document matches the filter, so there is nothing to answer from."
                : "No passage in collection '\(retriever.collection.name)' matches the question, so there is nothing to answer from."
            return answer
        }

        let generationStart = DispatchTime.now().uptimeNanoseconds
        var reason = noModelReason
        if let model {
            answer.model = model.identity
            let messages = template.render(question: question, context: context)
            do {
                let check = try GroundingCheck(test: SupportTest(analyzer: retriever.lexical.analyzer), passages: context.passages)
                var text = ""
                var grounded = stream && grounding == .strict ? GroundedStream(check: check) : nil
                if stream {
                    // Under strict, tokens go through the check and only verified sentences are
                    // emitted; otherwise they are emitted as the model writes them.
                    var echo = FenceEcho(marker: context.fence.marker)
                    func pass(_ piece: String) throws {
                        guard !piece.isEmpty else { return }
                        text += piece
                        let out = try grounded?.feed(piece) ?? piece
                        if !out.isEmpty { emit(.token(out)) }
                    }
                    for try await token in model.stream(messages) { try pass(echo.feed(token)) }
                    try pass(echo.finish())
                } else {
                    let completion = try await model.complete(messages)
                    text = FenceEcho.removed(context.fence.marker, from: completion.text)
                    answer.promptTokens = completion.promptTokens
                    answer.completionTokens = completion.completionTokens
                    answer.finishReason = completion.finishReason
                }
                if text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                    throw GenerateError(.emptyAnswer, "the model returned an empty answer")
                }
                answer.timings["generation"] = Self.milliseconds(since: generationStart)
                let shown: String?
                if var streamed = grounded {
                    let rest = try streamed.finish()
                    if !rest.isEmpty { emit(.token(rest)) }
                    shown = streamed.shown.isEmpty ? nil : streamed.shown
                    answer.grounding = GroundingReport(mode: GroundingMode.strict.rawValue, sentences: streamed.verdicts,
                                                       draft: shown == text ? nil : text, milliseconds: streamed.milliseconds)
                } else {
                    (shown, answer.grounding) = try check.apply(grounding, to: text)
                }
                if let ms = answer.grounding?.milliseconds { answer.timings["grounding"] = ms }
                if let shown {
                    answer.text = shown
                    answer.kind = .generated
                    (answer.citations, answer.unknownCitations) = CitationParser.resolve(shown, in: context)
                    if answer.citations.isEmpty, answer.grounding?.sentences.allSatisfy({ $0.status == .declines }) != true {
                        answer.notes.append("the answer cites no passage")
                    }
                    if let report = answer.grounding, report.mode == GroundingMode.strict.rawValue, report.draft != nil {
                        let hidden = report.sentences.filter { !$0.shown }.count
                        if hidden > 0 { answer.notes.append("grounding hid \(hidden) of \(report.sentences.count) sentences that no passage backs") }
                    }
                    return answer
                }
                reason = "no sentence of the model's answer is backed by the passages it was given (generation.grounding strict); its draft is kept, unverified, in grounding.draft"
                emit(.fallback(reason))
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                reason = "the LLM call failed: \(error)"
                emit(.fallback(reason))
            }
        }
        answer.fallbackReason = reason
        answer.text = try extractive.answer(question: question, context: context) ?? ""
        answer.timings["extractive"] = Self.milliseconds(since: generationStart)
        (answer.citations, answer.unknownCitations) = CitationParser.resolve(answer.text, in: context)
        return answer
    }

    static func milliseconds(since start: UInt64) -> Double {
        Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
    }
}
