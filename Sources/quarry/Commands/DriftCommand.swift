import ArgumentParser
import Foundation
import QuarryCore
import QuarryDrift
import QuarryEmbed

/// `quarry drift`: has what the collection is asked (or holds) moved away from a reference?
struct DriftCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drift",
        abstract: "Check query and corpus drift: reports (JSON, HTML), tracked runs, exit status for cron or CI.",
        discussion: """
            A side is a BEIR queries file (PATH.jsonl: an eval suite's queries), a window of a
            collection's query log (querylog:NAME@24h, querylog:NAME@48h..24h,
            querylog:NAME@2026-11-01T00:00:00Z..2026-11-02T00:00:00Z), a collection as committed
            now (collection:NAME) or the generation a registry version pins (version:PIPELINE@REF).
            Queries are compared with queries, corpora with corpora.

            Every check is a tracking run (experiment "drift") with report.json and report.html
            as artifacts. A check whose current side is a query log is also stored as that
            collection's latest, which GET /v1/collections/NAME/drift returns.
            Exit status: 0 checked, 1 error, 2 drift found with --fail-on-drift.

            Examples:
              quarry drift check --reference corpora/suites/msmarco/queries.jsonl --current querylog:msmarco@24h
              quarry drift check --reference ../shared/corpora/msmarco/queries.jsonl \\
                  --current ../shared/corpora/arcd/queries.jsonl --collection msmarco --fail-on-drift
              quarry drift check --reference version:docs-qa@production --current collection:docs-next
              quarry drift queries --collection docs --window 24h --fail-on-drift
              quarry drift calibrate --queries ../shared/corpora/msmarco/queries.jsonl --collection msmarco --splits 100
              quarry drift show --collection docs
            """,
        subcommands: [Check.self, Queries.self, Calibrate.self, Show.self]
    )

    /// Knobs every check shares.
    struct CheckOptions: ParsableArguments {
        @Option(help: "Rows per side at most; larger sides are sampled (seeded).") var maxRows: Int = 1000
        @Option(help: "Seed for sampling.") var seed: UInt64 = 42
        @Option(help: "Cosine similarity at which the best dense chunk counts as a good result.") var goodDenseScore: Double = 0.5
        @Option(help: "Share of the query's idf weight the best lexical chunk must hold to count as a good result.")
        var goodLexicalCoverage: Double = 0.5
        @Option(help: "Corpus checks: the most frequent terms kept as vocabulary categories (the rest pooled).") var vocabularySize: Int = 100
        @Option(help: "Where to write report.json and report.html (default: <home>/drift-runs/<kind>-<time>).") var output: String?
        @Flag(help: "Exit with status 2 when the dataset drifted.") var failOnDrift = false
        @Flag(help: "Print the report as JSON.") var json = false

        var monitorConfiguration: DriftMonitor.Configuration {
            var configuration = DriftMonitor.Configuration()
            configuration.maxRows = maxRows
            configuration.seed = seed
            configuration.goodDenseScore = goodDenseScore
            configuration.goodLexicalCoverage = goodLexicalCoverage
            configuration.vocabularySize = vocabularySize
            return configuration
        }
    }

    /// Runs a check as a tracking run, writes and stores its reports, prints it, and exits 2
    /// on drift when asked.
    static func execute(global: GlobalOptions, embedding: EmbeddingOptions, options: CheckOptions, reference: DriftSource,
                        current: DriftSource, collection: String?) async throws {
        let configuration = try embedding.apply(to: global.loadConfiguration())
        let home = global.resolveHome(configuration)
        let embedder = reference.kind == .queries ? try EmbedderFactory.make(configuration) : nil
        let monitor = DriftMonitor(home: home, embedder: embedder, catalog: EmbedderCatalog(configuration: configuration, configured: embedder),
                                   configuration: options.monitorConfiguration)
        let name = current.queryLogCollection ?? collection ?? reference.kind.rawValue
        let recorder = Tracking.recorder(home: home, experiment: "drift", name: "\(reference.kind.rawValue)-\(name)", configuration: configuration,
                                         tags: ["kind": reference.kind.rawValue])
        var report: DriftReport
        do {
            report = try await monitor.check(reference: reference, current: current, collection: collection)
        } catch {
            recorder?.finish(.failed)
            Tracking.report(recorder)
            throw error
        }
        report.runID = recorder?.runID
        let json = try report.encoded()
        let html = report.html()
        let directory = options.output.map { URL(fileURLWithPath: $0) } ?? home.url.appendingPathComponent("drift-runs")
            .appendingPathComponent("\(report.kind.rawValue)-\(report.checkedAt.replacingOccurrences(of: ":", with: "-"))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try AtomicFile.write(json, to: directory.appendingPathComponent("report.json"))
        try AtomicFile.write(Data(html.utf8), to: directory.appendingPathComponent("report.html"))
        if let recorder {
            report.record(into: recorder, json: json, html: html)
            recorder.finish(.finished)
            Tracking.report(recorder)
        }
        if let logged = current.queryLogCollection {
            try DriftReportStore(home: home).save(report, json: json, html: html, collection: logged)
        }
        if options.json {
            print(String(decoding: json, as: UTF8.self))
        } else {
            print(text(report))
            print("reports: \(directory.path)/report.{json,html}")
        }
        if let id = report.runID, !options.json { Terminal.error("tracked as run \(id)") }
        if options.failOnDrift && report.drifted { throw ExitCode(2) }
    }

    /// The report as a table for the terminal.
    static func text(_ report: DriftReport) -> String {
        func pad(_ text: String, _ width: Int) -> String { text.padding(toLength: max(width, text.count), withPad: " ", startingAt: 0) }
        func number(_ value: Double) -> String { value != 0 && abs(value) < 0.001 ? String(format: "%.2e", value) : String(format: "%.4f", value) }
        var lines = ["\(report.kind.rawValue) drift: \(report.current.source) (\(report.current.rows) rows) vs reference \(report.reference.source) "
                     + "(\(report.reference.rows) rows)" + (report.collection.map { ", collection \($0)" } ?? "")]
        lines.append(pad("feature", 20) + " " + pad("method", 24) + " " + pad("value", 10) + " " + pad("p-value", 10) + " " + pad("threshold", 10) + " verdict")
        for verdict in report.verdicts {
            lines.append(pad(verdict.feature, 20) + " " + pad(verdict.method.rawValue, 24) + " " + pad(number(verdict.score), 10) + " "
                         + pad(verdict.pValue.map(number) ?? "-", 10) + " " + pad(number(verdict.threshold), 10) + " " + (verdict.drifted ? "DRIFT" : "ok"))
        }
        lines.append("dataset drift: \(report.drifted ? "yes" : "no") (\(report.driftedCount) of \(report.features.count) features, "
                     + "\(String(format: "%.0f", report.driftedShare * 100)) %; threshold \(String(format: "%.0f", report.shareThreshold * 100)) %)")
        for item in report.skipped { lines.append("not judged: \(item.feature): \(item.reason)") }
        for note in report.notes { lines.append("note: \(note)") }
        return lines.joined(separator: "\n")
    }

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Compare a current side with a reference side.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var embedding: EmbeddingOptions
        @OptionGroup var options: CheckOptions
        @Option(help: "The reference side (queries file, querylog:NAME@WINDOW, collection:NAME, version:PIPELINE@REF).") var reference: String
        @Option(help: "The current side.") var current: String
        @Option(help: "For query sides: the collection whose lexicon and indexes measure both (default: a query log's collection).")
        var collection: String?

        func run() async throws {
            try await DriftCommand.execute(global: global, embedding: embedding, options: options, reference: try DriftSource.parse(reference),
                                           current: try DriftSource.parse(current), collection: collection)
        }
    }

    struct Queries: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a collection's recent queries (its query log) against a reference.",
            discussion: "The reference defaults to the window before (for --window 24h: querylog:NAME@48h..24h).")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var embedding: EmbeddingOptions
        @OptionGroup var target: CollectionOption
        @OptionGroup var options: CheckOptions
        @Option(help: "The window of the query log to check: 24h, 90m, 7d, 48h..24h, or ISO..ISO.") var window: String = "24h"
        @Option(help: "The reference side (default: the preceding window of the same length).") var reference: String?

        func run() async throws {
            let span = try QueryLogWindow.parse(window)
            let current = DriftSource.queryLog(collection: target.collection, window: span)
            let reference = try reference.map(DriftSource.parse) ?? .queryLog(collection: target.collection, window: span.preceding)
            try await DriftCommand.execute(global: global, embedding: embedding, options: options, reference: reference, current: current,
                                           collection: target.collection)
        }
    }

    struct Calibrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Measure the false-alarm rate: split one query side into random halves many times and check each pair.",
            discussion: "Both halves come from one distribution, so every drift verdict is a false alarm.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var embedding: EmbeddingOptions
        @Option(help: "The query side to split (a queries file or querylog:NAME@WINDOW).") var queries: String
        @Option(help: "The collection whose lexicon and indexes measure the queries.") var collection: String?
        @Option(help: "Random half splits.") var splits: Int = 100
        @Option(help: "Seed for the splits and for sampling.") var seed: UInt64 = 42
        @Option(help: "Rows at most; a larger side is sampled.") var maxRows: Int = 1000
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let configuration = try embedding.apply(to: global.loadConfiguration())
            var settings = DriftMonitor.Configuration()
            settings.seed = seed
            settings.maxRows = maxRows
            let embedder = try EmbedderFactory.make(configuration)
            let monitor = DriftMonitor(home: global.resolveHome(configuration), embedder: embedder,
                                       catalog: EmbedderCatalog(configuration: configuration, configured: embedder), configuration: settings)
            let result = try await monitor.calibrate(try DriftSource.parse(queries), collection: collection, splits: splits)
            if json { return try Terminal.json(result) }
            print("\(result.splits) random half splits of \(result.rows) queries (seed \(result.seed)): "
                  + "dataset drift in \(result.datasetAlarms) (false-alarm rate \(String(format: "%.1f", result.datasetAlarmRate * 100)) %)")
            for (feature, rate) in result.featureAlarmRates.sorted(by: { $0.key < $1.key }) {
                print("  \(feature.padding(toLength: 20, withPad: " ", startingAt: 0)) \((result.methods[feature] ?? "").padding(toLength: 24, withPad: " ", startingAt: 0)) "
                      + "drifted in \(String(format: "%5.1f", rate * 100)) % of splits")
            }
            for (feature, reason) in result.skipped.sorted(by: { $0.key < $1.key }) { print("  not judged: \(feature): \(reason)") }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a collection's latest stored drift verdicts.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var target: CollectionOption
        @Flag(help: "Print JSON (what GET /v1/collections/NAME/drift returns).") var json = false

        func run() async throws {
            let home = global.resolveHome(try global.loadConfiguration())
            guard let report = try DriftReportStore(home: home).latest(target.collection) else {
                throw DriftError(.sourceNotFound, "no drift report stored for collection '\(target.collection)'; run `quarry drift queries --collection \(target.collection)`")
            }
            if json { return print(String(decoding: try DriftVerdicts(report, collection: target.collection).encoded(), as: UTF8.self)) }
            print(DriftCommand.text(report))
            if let id = report.runID { print("tracked as run \(id); checked \(report.checkedAt)") }
        }
    }
}
