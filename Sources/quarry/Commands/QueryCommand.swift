import ArgumentParser
import Foundation
import QuarryCore
import QuarryEmbed
import QuarryGenerate
import QuarryPipeline
import QuarryRetrieve
import QuarryWire

/// `quarry query`: a grounded answer with citations, end to end.
struct QueryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Answer a question from a collection, with citations.",
        discussion: """
            Retrieves (hybrid by default), assembles the best passages under a token budget,
            and asks the configured LLM (llm.* in the config) to answer from them, citing [n].
            With no LLM configured, or when the LLM fails, the answer is extractive: the
            question's best sentences from the passages, labelled as such, with the reason.

            Examples:
              quarry query "how does a reflecting telescope work" --collection demo
              quarry query "moon phases" --collection demo --mode lexical --k 3 --explain
              quarry query "tides" --collection demo --filter "topic=astronomy" --json
            """
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var target: CollectionOption
    @OptionGroup var embedding: EmbeddingOptions

    @Argument(help: "The question (omit with --latency).")
    var question: String?

    @Option(help: "Latency run: answer every query of a BEIR queries.jsonl and print p50/p99 per stage (ms) instead of answers.")
    var latency: String?

    @OptionGroup(title: "Retrieval") var retrieval: RetrievalFlags
    @OptionGroup(title: "Later stages") var later: LaterStageFlags

    @Flag(help: "Show each hit's per-stage ranks and scores and the time of each stage.")
    var explain = false

    @Flag(help: "Print the answer, citations, sources and timings as JSON.")
    var json = false

    @Flag(help: "Do not stream the LLM's answer even when llm.stream is true.")
    var noStream = false

    func validate() throws {
        if latency == nil {
            guard let question else { throw ValidationError("give a question (or --latency QUERIES_FILE)") }
            guard !question.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw ValidationError("the question is empty") }
            guard question.unicodeScalars.count <= 10_000 else { throw ValidationError("the question is longer than 10000 characters") }
        } else if question != nil {
            throw ValidationError("give either a question or --latency, not both")
        }
        try overrides.check(maxK: Self.maxK)
    }

    /// Passages a question may retrieve.
    static let maxK = 1000

    var overrides: RetrievalOverrides {
        var overrides = retrieval.overrides
        later.apply(to: &overrides)
        return overrides
    }

    func run() async throws {
        let configuration = try embedding.apply(to: global.loadConfiguration())
        let home = global.resolveHome(configuration)
        let options = try overrides.options(configuration, maxK: Self.maxK)
        let pipeline = try await Pipeline.open(target.collection, configuration: configuration, home: home, options: options, answering: true)
        if let latency { return try await measure(pipeline, options: options, queries: QueryFile.read(URL(fileURLWithPath: latency))) }
        let streaming = pipeline.answerer.model != nil && configuration.llm.stream && !noStream && !json
        var streamedAny = false
        var final: Answer?
        for try await event in pipeline.run(question ?? "", options: options, stream: streaming) {
            switch event {
            case .context:
                break
            case .token(let token):
                // The header comes with the first token: under strict grounding a stream may show nothing.
                if !streamedAny { FileHandle.standardOutput.write(Data("Answer (\(pipeline.answerer.model?.identity ?? "LLM")):\n  ".utf8)) }
                streamedAny = true
                FileHandle.standardOutput.write(Data(Self.plain(token).replacingOccurrences(of: "\n", with: "\n  ").utf8))
            case .fallback(let reason):
                if streamedAny { FileHandle.standardOutput.write(Data("\n".utf8)) }
                Terminal.error("warning: \(reason); answering extractively")
            case .done(let answer):
                final = answer
            }
        }
        guard let answer = final else { throw ReportedFailure(description: "no answer was produced") }
        if json { return try Terminal.json(answer) }
        render(answer, streamed: streamedAny && answer.kind == .generated)
    }

    /// Answers each query once (after one warm-up query) and prints per-stage percentiles.
    private func measure(_ pipeline: Pipeline, options: RetrievalOptions, queries: [Query]) async throws {
        guard let first = queries.first else { throw ValidationError("the queries file holds no query") }
        _ = try await pipeline.answer(first.text, options: options)
        var samples: [String: [Double]] = [:]
        var tokens: [String: [Double]] = [:]
        for query in queries {
            let start = DispatchTime.now().uptimeNanoseconds
            let answer = try await pipeline.answer(query.text, options: options)
            for (stage, ms) in answer.timings { samples[stage, default: []].append(ms) }
            if let prompt = answer.promptTokens { tokens["prompt tokens", default: []].append(Double(prompt)) }
            if let completion = answer.completionTokens { tokens["answer tokens", default: []].append(Double(completion)) }
            samples["total", default: []].append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
        }
        let order = RetrievalStage.allCases.map(\.rawValue) + ["assembly", "generation", "grounding", "extractive", "total"]
        struct Row: Encodable { var stage: String; var p50: Double; var p99: Double; var samples: Int }
        let rows = order.compactMap { stage in samples[stage].map {
            let sorted = $0.sorted()
            return Row(stage: stage, p50: NearestRank.percentile(sorted, 0.5), p99: NearestRank.percentile(sorted, 0.99), samples: $0.count)
        } }
        if json { return try Terminal.json(rows) }
        print("\(queries.count) queries, mode \(options.mode.rawValue), k \(options.k)\(pipeline.answerer.model == nil ? ", no LLM (extractive)" : "")")
        print("stage        p50 ms    p99 ms")
        for row in rows {
            print(row.stage.padding(toLength: 12, withPad: " ", startingAt: 0) + String(format: "%7.2f   %7.2f", row.p50, row.p99))
        }
        for name in ["prompt tokens", "answer tokens"] {
            guard let values = tokens[name]?.sorted(), !values.isEmpty else { continue }
            print("\(name): p50 \(Int(NearestRank.percentile(values, 0.5))), p99 \(Int(NearestRank.percentile(values, 0.99)))")
        }
    }

    /// `text` with control and bidi-override characters (a document's or a model's) shown
    /// as spaces, so an answer cannot rewrite the terminal; line breaks are kept.
    static func plain(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            out.append(scalar == "\n" || !Printable.isUnsafe(scalar) ? scalar : " ")
        }
        return String(out)
    }

    /// The check's verdicts: every sentence under annotate (or --explain), otherwise one line
    /// on what strict hid. A hidden draft is never printed (`--json` carries it, marked).
    private func renderGrounding(_ report: GroundingReport, explain: Bool) {
        let claims = report.sentences.filter { $0.status != .declines }.count
        print("Grounding (\(report.mode)): \(report.supported) of \(claims) claims backed by their passages")
        if report.mode == GroundingMode.annotate.rawValue || explain {
            for verdict in report.sentences where verdict.shown || report.mode == GroundingMode.annotate.rawValue {
                let missing = verdict.missing.isEmpty ? "" : " (not in the passages: \(verdict.missing.joined(separator: ", ")))"
                print("  \(verdict.status.rawValue.padding(toLength: 11, withPad: " ", startingAt: 0)) \(Self.plain(verdict.text))\(missing)")
            }
        }
        let hidden = report.sentences.filter { !$0.shown }.count
        if hidden > 0 { print("  \(hidden) unsupported sentence\(hidden == 1 ? "" : "s") hidden (the unverified draft is in --json's grounding.draft)") }
        print("")
    }

    private func render(_ answer: Answer, streamed: Bool) {
        if streamed { FileHandle.standardOutput.write(Data("\n\n".utf8)) }
        for note in answer.notes { Terminal.error("note: \(note)") }
        if !streamed {
            switch answer.kind {
            case .generated: print("Answer (\(answer.model ?? "LLM")):")
            case .extractive: print("Answer (extractive: \(answer.fallbackReason ?? "no LLM answer")):")
            case .noContext: print("No answer:")
            }
            print("  " + Self.plain(answer.text).replacingOccurrences(of: "\n", with: "\n  ") + "\n")
        }
        if let report = answer.grounding { renderGrounding(report, explain: explain) }
        if !answer.sources.isEmpty {
            let cited = Set(answer.citations.map(\.number))
            print("Sources:")
            for source in answer.sources {
                let mark = cited.contains(source.number) ? "*" : " "
                let title = source.title.isEmpty ? "" : " \(Printable.quoted(source.title))"
                print(" \(mark)[\(source.number)] \(Printable.escaped(source.docID))\(title)  characters \(source.start)-\(source.end)")
            }
            if !answer.unknownCitations.isEmpty {
                print("  (the answer cites \(answer.unknownCitations.map { "[\($0)]" }.joined(separator: " ")), which name no passage)")
            }
        }
        guard explain else { return }
        let howRead = [answer.queryAnalysis.map { "Analysis: \($0)" }, answer.fusion.map { "Fusion: \($0)" }].compactMap { $0 }
        if !howRead.isEmpty { print("\n" + howRead.joined(separator: "\n")) }
        print("\nRetrieval (\(answer.mode.rawValue)\(answer.denseTrust.map { String(format: ", dense trust %.2f", $0) } ?? "")\(answer.reranker.map { ", reranker \($0)" } ?? "")):")
        print("  rank  final      lexical          dense            fused            rerank           doc")
        func cell(_ rank: Int?, _ score: Float?) -> String {
            guard let rank, let score else { return "-".padding(toLength: 16, withPad: " ", startingAt: 0) }
            return "#\(rank) \(String(format: "%.4f", score))".padding(toLength: 16, withPad: " ", startingAt: 0)
        }
        for hit in answer.hits {
            let s = hit.stages ?? StageScores()
            let merged = hit.mergedChunks.map { " (merged \($0.count) chunks)" } ?? ""
            print("  \(String(hit.rank).padding(toLength: 4, withPad: " ", startingAt: 0))  \(String(format: "%.4f", hit.score).padding(toLength: 9, withPad: " ", startingAt: 0))  \(cell(s.lexicalRank, s.lexicalScore)) \(cell(s.denseRank, s.denseScore)) \(cell(s.fusedRank, s.fusedScore)) \(cell(s.rerankRank, s.rerankScore)) \(Printable.escaped(hit.docID)) #\(hit.ordinal)\(merged)")
        }
        let order = RetrievalStage.allCases.map(\.rawValue) + ["assembly", "generation", "grounding", "extractive"]
        let stages = order.compactMap { name in answer.timings[name].map { "\(name) \(String(format: "%.1f", $0)) ms" } }
        print("\nTimings: " + stages.joined(separator: ", "))
        print("Prompt: \(answer.prompt)")
    }
}
