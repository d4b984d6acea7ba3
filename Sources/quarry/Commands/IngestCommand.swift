import ArgumentParser
import Foundation
import QuarryCore
import QuarryTrack
import QuarryEmbed
import QuarryIngest
import QuarryModels
import QuarryStore
import QuarryText

/// `quarry ingest`: reads files into a collection.
struct IngestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Read documents into a collection (created on first use).",
        discussion: """
            Reads .txt, .md, .html, .jsonl (BEIR corpus: _id, title, text, metadata) and .pdf (with
            pdftotext). Re-ingesting is incremental: unchanged documents are skipped, changed ones
            replaced. Files that cannot be read are reported and the rest goes on; the exit status
            is non-zero if any failed, unless --keep-going.

            Examples:
              quarry ingest corpora/demo --collection demo
              quarry ingest ../shared/corpora/msmarco/corpus.jsonl --collection msmarco
              quarry ingest docs/ --collection docs --exclude "drafts/**" --prune
              quarry ingest notes/ --collection notes --embedder none     # lexical only
            """
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var target: CollectionOption
    @OptionGroup var embedding: EmbeddingOptions

    @Argument(help: "Files or directories to ingest.")
    var paths: [String]

    @Option(help: "Only read files matching this glob (repeatable), e.g. \"**/*.md\".")
    var include: [String] = []

    @Option(help: "Skip files or directories matching this glob (repeatable).")
    var exclude: [String] = []

    @Option(help: "Skip files larger than this many bytes.")
    var maxFileBytes: Int?

    @Option(help: "Chunk budget in tokens (new collections; an existing one must match).")
    var maxTokens: Int?

    @Option(help: "Tokens of overlap between consecutive chunks (new collections).")
    var overlapTokens: Int?

    @Option(help: "Analyzer for lexical search: \(Analyzers.names.joined(separator: ", ")) (new collections).")
    var analyzer: String?

    @Flag(help: "Delete documents whose source file under PATHS has disappeared.")
    var prune = false

    @Flag(help: "Exit 0 even when some files failed.")
    var keepGoing = false

    @Flag(help: "Print the summary as JSON.")
    var json = false

    @Flag(name: .shortAndLong, help: "No progress output.")
    var quiet = false

    func run() async throws {
        var configuration = try embedding.apply(to: global.loadConfiguration())
        if !include.isEmpty { configuration.ingest.include = include }
        configuration.ingest.exclude += exclude
        if let maxFileBytes { configuration.ingest.maxFileBytes = maxFileBytes }
        if let maxTokens { configuration.chunking.maxTokens = maxTokens }
        if let overlapTokens { configuration.chunking.overlapTokens = overlapTokens }
        if let analyzer { configuration.analysis.analyzer = analyzer }
        try configuration.validate()
        let home = global.resolveHome(configuration)
        var embedder = try EmbedderFactory.make(configuration)
        // An existing collection keeps the model that embedded it (multilingual-e5 for one,
        // MiniLM for another) unless --embedder or --model asks for another.
        if embedding.embedder == nil, embedding.model == nil, let embedded = embedder,
           let reader = try? CollectionReader(home: home, name: target.collection),
           let stored = reader.manifest.settings.embedder, stored != embedded.identity {
            do {
                embedder = try await EmbedderCatalog(configuration: configuration, configured: embedder).embedder(for: stored)
            } catch let error as EmbedError {
                throw ValidationError("collection '\(target.collection)' was embedded with \(stored); \(error.message)")
            }
        }
        if let embedder, !quiet, !json { Terminal.error("embedding with \(embedder.identity)\(embedder.identity.kind == "native" ? " on \(BLAS.kernelDescription)" : "")") }
        var options = IngestOptions(paths: paths, collection: target.collection,
                                    settings: CollectionSettings(analyzer: configuration.analysis.analyzer, chunking: configuration.chunking,
                                                                 tokenCounter: embedder?.tokenCounter?.name ?? WordTokenCounter().name,
                                                                 embedder: embedder?.identity))
        options.embedder = embedder
        options.enforceSettings = maxTokens != nil || overlapTokens != nil || analyzer != nil
        options.ingest = configuration.ingest
        options.prune = prune
        options.command = CommandLine.arguments.map { Printable.escaped($0) }.joined(separator: " ")

        let recorder = Tracking.recorder(home: home, experiment: "ingest", name: target.collection, configuration: configuration)
        recorder?.param("collection", target.collection)
        recorder?.param("paths", paths.joined(separator: "\n"))
        recorder?.param("analyzer", configuration.analysis.analyzer)
        recorder?.param("chunking.max_tokens", "\(configuration.chunking.maxTokens)")
        recorder?.param("chunking.overlap_tokens", "\(configuration.chunking.overlapTokens)")
        recorder?.param("token_counter", options.settings.tokenCounter)
        recorder?.param("embedder", embedder?.identity.description ?? "none")
        let display = ProgressDisplay(enabled: !quiet && !json)
        let summary: IngestSummary
        do {
            summary = try await Ingestor(home: home, options: options).run { display.update($0) }
        } catch {
            recorder?.finish(.failed)
            Tracking.report(recorder)
            throw error
        }
        display.finish()
        for (key, value) in [("documents_added", summary.added), ("documents_replaced", summary.replaced), ("documents_unchanged", summary.unchanged),
                             ("documents_deleted", summary.deleted), ("documents_failed", summary.failed.count), ("chunks_added", summary.chunksAdded),
                             ("documents", summary.documentCount), ("chunks", summary.chunkCount), ("generation", summary.generation)] {
            recorder?.metric(key, Double(value))
        }
        recorder?.metric("seconds", summary.seconds)
        recorder?.metric("documents_per_second", summary.documentsPerSecond)
        recorder?.artifact("summary.json", try JSONEncoder().encode(summary))
        recorder?.finish(summary.failed.isEmpty ? .finished : .failed)
        Tracking.report(recorder)
        if json {
            try Terminal.json(summary)
        } else {
            printSummary(summary, home: home)
        }
        if !summary.failed.isEmpty && !keepGoing {
            throw ExitCode(1)
        }
    }

    private func printSummary(_ s: IngestSummary, home: QuarryHome) {
        for note in s.notes { Terminal.error("note: \(note)") }
        print("Ingested into collection '\(s.collection)' (generation \(s.generation)) in \(String(format: "%.2f", s.seconds)) s")
        print("  documents: \(s.added) added, \(s.replaced) replaced, \(s.unchanged) unchanged, \(s.deleted) deleted (from \(s.files) files)")
        print("  chunks:    \(s.chunksAdded) added, \(s.chunksDeleted) deleted")
        print("  collection now holds \(s.documentCount) documents, \(s.chunkCount) chunks (\(home.url.path))")
        print("  rate:      \(String(format: "%.1f", s.documentsPerSecond)) docs/s, \(String(format: "%.1f", s.chunksPerSecond)) chunks/s")
        if !s.skipped.isEmpty {
            print("  skipped \(s.skipped.count):")
            for item in s.skipped.prefix(50) { print("    \(Printable.escaped(item.path)): \(item.reason)") }
            if s.skipped.count > 50 { print("    … and \(s.skipped.count - 50) more") }
        }
        if !s.failed.isEmpty {
            Terminal.error("failed \(s.failed.count):")
            for item in s.failed.prefix(100) { Terminal.error("  \(Printable.escaped(item.path)): \(item.reason)") }
            if s.failed.count > 100 { Terminal.error("  … and \(s.failed.count - 100) more") }
        }
    }
}

/// A progress bar on a terminal (files, chunks, rate, ETA), plain log lines every five
/// seconds otherwise.
final class ProgressDisplay: @unchecked Sendable {
    private let enabled: Bool
    private let interactive = Terminal.isInteractive
    private let lock = NSLock()
    private var lastDraw = 0.0
    private var drewBar = false

    init(enabled: Bool) {
        self.enabled = enabled
    }

    func update(_ p: IngestProgress) {
        guard enabled else { return }
        lock.lock()
        defer { lock.unlock() }
        let interval = interactive ? 0.1 : 5.0
        guard p.seconds - lastDraw >= interval || p.bytesDone >= p.bytesTotal else { return }
        lastDraw = p.seconds
        let fraction = p.bytesTotal > 0 ? min(1, Double(p.bytesDone) / Double(p.bytesTotal)) : 1
        let rate = p.seconds > 0 ? Double(p.documents) / p.seconds : 0
        let eta = fraction > 0 && fraction < 1 ? p.seconds * (1 - fraction) / fraction : 0
        let stats = "\(p.filesDone)/\(p.filesTotal) files · \(p.documents) docs · \(p.chunks) chunks · \(String(format: "%.0f", rate)) docs/s · ETA \(Self.clock(eta))"
        if interactive {
            let width = 24
            let filled = Int(fraction * Double(width))
            let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
            FileHandle.standardError.write(Data("\r\u{1B}[2K\(bar) \(String(format: "%3.0f", fraction * 100))% \(stats)".utf8))
            drewBar = true
        } else {
            Terminal.error("ingest: \(String(format: "%.0f", fraction * 100))% \(stats)")
        }
    }

    func finish() {
        lock.lock()
        defer { lock.unlock() }
        if drewBar { FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8)) }
    }

    static func clock(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }
}
