import Foundation
import QuarryCore
import QuarryRetrieve
import QuarryText
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
    /// How a model that can copy-decode writes (`generation.decoding`).
    public var decoding: DecodingMode = .free
    /// Below this share of the question's idf-weighted terms in every sentence of the
    /// passages, a quoted answer declines (`generation.min_question_coverage`; 0: never).
    public var minimumCoverage = 0.0
    /// Spans or sentences a copy-decoding model chooses among.
    static let copyChoices = 6

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
        // The passages read once, in their language, for the span finder and the check.
        let reading = SupportTest(analyzer: retriever.lexical.analyzer).reading(context.passages)
        // What a quoted answer (extractive, or chosen by a copying model) would be made of,
        // whether the passages answer the question at all, and the quoting's own time: read
        // once, and only when a quote may be needed (not before a served model's free answer).
        var quote: Quote?
        func quoted() throws -> Quote {
            if let quote { return quote }
            let start = DispatchTime.now().uptimeNanoseconds
            let choices = try extractive.choices(question: question, context: context, limit: max(Self.copyChoices, extractive.sentences),
                                                 reading: reading)
            let made = Quote(choices: choices, unanswered: choices.flatMap { unanswerable($0, question: question, context: context) },
                             milliseconds: Self.milliseconds(since: start))
            quote = made
            return made
        }
        if let model, model.runsInProcess, extractive.form == .auto, ShortAnswer.kind(of: question) != nil,
           case let factoid = try quoted(), factoid.choices?.spans == true, factoid.unanswered == nil {
            // A factoid question and its span found: a small in-process model answers these
            // worse than the span does (xquad-en token F1 0.33 against 0.56, BENCHMARKS.md
            // "Grounded answers"), and seconds slower; it answers the other questions.
            reason = "a factoid question, answered by the span that answers it (generation.answer_form auto; \(model.identity) answers other questions)"
        } else if let model {
            answer.model = model.identity
            let messages = template.render(question: question, context: context)
            var copying: CopySources?
            if decoding == .copy {
                if model.copies {
                    // The model chooses among what the extractive answerer would quote — the
                    // best spans of a factoid question's kind, else the best sentences — or
                    // declines: grounded by construction, and the model's reading picks.
                    let choosing = try quoted()
                    if let unanswered = choosing.unanswered {
                        // Nothing to choose from: the passages do not answer.
                        return declined(answer, because: unanswered, quoting: choosing.milliseconds)
                    }
                    if let choices = choosing.choices, !choices.items.isEmpty {
                        copying = CopySources(sources: choices.items.prefix(Self.copyChoices).map { .init(number: $0.passage, text: $0.text) },
                                              unit: .whole, maxSegments: choices.spans ? 1 : extractive.sentences)
                    }
                } else {
                    answer.notes.append("generation.decoding copy needs the native model; \(model.identity) wrote freely")
                }
            }
            // The check reads the passages once; an analyzer failure here fails the request
            // (as it would have failed retrieval), not the model.
            let check = grounding == .off ? nil : try GroundingCheck(test: reading, passages: context.passages, question: question)
            do {
                var text = ""
                var grounded = stream && grounding == .strict ? check.map { GroundedStream(check: $0) } : nil
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
                    for try await token in model.stream(messages, copying: copying) { try pass(echo.feed(token)) }
                    try pass(echo.finish())
                } else {
                    let completion = try await model.complete(messages, copying: copying)
                    text = FenceEcho.removed(context.fence.marker, from: completion.text)
                    answer.promptTokens = completion.promptTokens
                    answer.completionTokens = completion.completionTokens
                    answer.finishReason = completion.finishReason
                }
                if copying != nil { text = text.trimmingCharacters(in: .whitespaces) }
                if text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                    throw GenerateError(.emptyAnswer, "the model returned an empty answer")
                }
                answer.timings["generation"] = Self.milliseconds(since: generationStart)
                let shown: String?
                if var streamed = grounded {
                    let rest = try streamed.finish()
                    if !rest.isEmpty { emit(.token(rest)) }
                    shown = streamed.shownText
                    answer.grounding = streamed.report(draft: text)
                } else if let check {
                    (shown, answer.grounding) = try check.apply(grounding, to: text)
                } else {
                    shown = text
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
        let fallback = try quoted()
        if let unanswered = fallback.unanswered { return declined(answer, because: unanswered, quoting: fallback.milliseconds) }
        answer.text = fallback.choices.flatMap(extractive.text) ?? ""
        answer.timings["extractive"] = fallback.milliseconds
        (answer.citations, answer.unknownCitations) = CitationParser.resolve(answer.text, in: context)
        return answer
    }

    /// What a quoted answer is made of (`ExtractiveAnswerer.choices`), why the passages do not
    /// answer the question (nil when they may), and the milliseconds it took to find out.
    struct Quote {
        var choices: ExtractiveAnswerer.Choices?
        var unanswered: String?
        var milliseconds: Double
    }

    /// Why the passages do not answer `question` (nil when they may): no sentence holds
    /// `minimumCoverage` of its idf-weighted terms. Judged only when the question is in the
    /// passages' language (a question in another language shares no terms with them, and a
    /// dense retriever may still have found its answer).
    func unanswerable(_ choices: ExtractiveAnswerer.Choices, question: String, context: AssembledContext) -> String? {
        guard minimumCoverage > 0, choices.coverage < minimumCoverage else { return nil }
        let asked = LanguageIdentifier.identify(question)
        let passages = LanguageIdentifier.identify(context.passages.map(\.text).joined(separator: "\n"))
        guard asked.isKnown, asked.code == passages.code else { return nil }
        return String(format: "no sentence of the passages holds more than %.0f %% of the question's key terms (generation.min_question_coverage %.2f)",
                      choices.coverage * 100, minimumCoverage)
    }

    /// `answer` as a refusal: the passages do not answer the question.
    func declined(_ answer: Answer, because reason: String, quoting: Double) -> Answer {
        var answer = answer
        answer.kind = .noContext
        answer.text = "The passages retrieved from collection '\(retriever.collection.name)' do not answer the question, so there is nothing to answer from."
        answer.notes.append(reason)
        answer.timings["extractive"] = quoting
        return answer
    }

    static func milliseconds(since start: UInt64) -> Double {
        Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
    }
}
