import Foundation
import QuarryCore
import QuarryEmbed
import QuarryIndex
import QuarryStore
import QuarryText

/// What an ingest is asked to do.
public struct IngestOptions: Sendable {
    public var paths: [String]
    public var collection: String
    /// Settings for a new collection (an existing one keeps its own).
    public var settings: CollectionSettings
    /// Fail when the collection exists with other settings (they were asked for explicitly).
    public var enforceSettings = false
    public var ingest = IngestSettings()
    /// Delete documents whose source under the given paths has disappeared.
    public var prune = false
    /// The command line, for the ingest log.
    public var command = "quarry ingest"
    /// Embeds every new chunk when set; must match the collection's embedder.
    public var embedder: (any Embedder)?

    public init(paths: [String], collection: String, settings: CollectionSettings) {
        self.paths = paths
        self.collection = collection
        self.settings = settings
    }
}

/// Progress of a running ingest, for a progress bar or log lines.
public struct IngestProgress: Sendable {
    public var bytesDone: Int
    public var bytesTotal: Int
    public var filesDone: Int
    public var filesTotal: Int
    public var documents: Int
    public var chunks: Int
    public var seconds: Double
}

/// The outcome of an ingest, printed as the final summary and stored in the ingest log.
public struct IngestSummary: Sendable, Codable {
    public var collection: String
    public var generation: Int
    public var files: Int = 0
    public var documentsSeen = 0
    public var added = 0
    public var replaced = 0
    public var unchanged = 0
    public var deleted = 0
    public var chunksAdded = 0
    public var chunksDeleted = 0
    public var documentCount = 0
    public var chunkCount = 0
    public var skipped: [SkippedSource] = []
    public var failed: [SkippedSource] = []
    public var notes: [String] = []
    public var seconds = 0.0

    /// Documents processed (stored or found unchanged) per second.
    public var documentsPerSecond: Double { seconds > 0 ? Double(added + replaced + unchanged) / seconds : 0 }
    /// Chunks stored per second.
    public var chunksPerSecond: Double { seconds > 0 ? Double(chunksAdded) / seconds : 0 }

    enum CodingKeys: String, CodingKey {
        case collection, generation, files, documentsSeen = "documents_seen", added, replaced, unchanged, deleted,
             chunksAdded = "chunks_added", chunksDeleted = "chunks_deleted", documentCount = "document_count",
             chunkCount = "chunk_count", skipped, failed, notes, seconds
    }
}

/// Runs an ingest: walk, read, chunk, store in batches, prune, commit.
///
/// Files are parsed and chunked in parallel, one batch at a time; each batch is stored in
/// one SQLite transaction, so a crash loses at most the batch in flight and a re-run
/// resumes (unchanged documents are recognised by content hash and skipped). A file that
/// cannot be read is reported and the rest goes on; the caller decides the exit status.
public struct Ingestor: Sendable {
    public var home: QuarryHome
    public var options: IngestOptions

    public init(home: QuarryHome, options: IngestOptions) {
        self.home = home
        self.options = options
    }

    public func run(progress: (@Sendable (IngestProgress) -> Void)? = nil) async throws -> IngestSummary {
        let started = DispatchTime.now()
        func elapsed() -> Double { Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9 }
        let settings = options.ingest
        let walker = SourceWalker(include: try settings.include.map(Glob.init), exclude: try settings.exclude.map(Glob.init),
                                  maxFileBytes: settings.maxFileBytes)
        let writer = try CollectionWriter(home: home, name: options.collection, settings: options.settings,
                                          enforceSettings: options.enforceSettings)
        let counter: any TokenCounter = options.embedder?.tokenCounter ?? WordTokenCounter()
        let chunker = Chunker(settings: writer.settings.chunking, counter: counter, modelLimit: options.embedder?.maxInputTokens)
        let processor = DocumentProcessor(chunker: chunker,
                                          pdf: PDFReader(executable: settings.pdftotext, timeout: settings.pdfTimeoutSeconds))
        var summary = IngestSummary(collection: options.collection, generation: 0)
        summary.notes = writer.recoveryNotes
        do {
            // The same ingest re-run after a crash resumes what it had staged.
            summary.notes += try await writer.beginIngest(command: options.command, parameters: parameters(writer.settings), resume: true)
            let known = try await writer.knownDocuments()
            let (files, walkSkipped) = walker.walk(options.paths)
            for skip in walkSkipped { if skip.isFailure { summary.failed.append(skip) } else { summary.skipped.append(skip) } }
            summary.files = files.count
            var state = RunState(known: known, bytesTotal: files.reduce(0) { $0 + $1.byteSize }, filesTotal: files.count)
            let report = { (state: RunState) -> Void in
                guard let progress else { return }
                progress(IngestProgress(bytesDone: state.bytesDone, bytesTotal: state.bytesTotal, filesDone: state.filesDone,
                                         filesTotal: state.filesTotal, documents: state.documents, chunks: state.chunks, seconds: elapsed()))
            }
            let batchSize = settings.batchSize
            var index = 0
            while index < files.count {
                // A run of ordinary files forms one parallel batch; a JSONL corpus streams alone.
                if files[index].format == .jsonl {
                    try await ingestCorpus(files[index], processor: processor, writer: writer, batchSize: batchSize,
                                           state: &state, summary: &summary, report: report)
                    index += 1
                    continue
                }
                var end = index
                while end < files.count, end - index < batchSize, files[end].format != .jsonl { end += 1 }
                let batch = Array(files[index ..< end])
                let knownHashes = batch.map { state.known[$0.docID]?.contentHash }
                let outcomes = Self.parallelMap(batch.indices) { processor.process(batch[$0], knownHash: knownHashes[$0]) }
                for (file, outcome) in zip(batch, outcomes) {
                    record(outcome, source: file.url.path, state: &state, summary: &summary)
                    state.bytesDone += file.byteSize
                    state.filesDone += 1
                }
                try await flush(writer, &state, &summary)
                report(state)
                index = end
            }
            try await flush(writer, &state, &summary)
            if options.prune {
                let roots = Set(files.map(\.root)).union(options.paths.map { URL(fileURLWithPath: $0).standardizedFileURL.path })
                let gone = state.known.filter { id, doc in
                    state.seen[id] == nil && roots.contains { doc.source == $0 || doc.source.hasPrefix($0 + "/") }
                }.map(\.key).sorted()
                if !gone.isEmpty {
                    let counts = try await writer.apply(upserts: [], deletions: gone)
                    summary.deleted += counts.documentsDeleted
                    summary.chunksDeleted += counts.chunksDeleted
                }
            }
            summary.seconds = elapsed()
            return try await commit(writer, summary, counts: [
                "files": summary.files, "unchanged": summary.unchanged, "skipped": summary.skipped.count, "failed": summary.failed.count,
            ])
        } catch {
            try? await writer.fail(reason: "\(error)")
            await writer.close()
            throw error
        }
    }

    /// Commits the run (rebuilding the derived indexes the collection has), fills the
    /// summary from the new manifest and releases the writer.
    func commit(_ writer: CollectionWriter, _ summary: IngestSummary, counts: [String: Int]) async throws -> IngestSummary {
        var summary = summary
        let manifest = try await writer.commit(status: summary.failed.isEmpty ? "completed" : "completed_with_errors", summary: counts,
                                               builders: writer.settings.embedder == nil ? [LexicalIndexBuilder()] : [LexicalIndexBuilder(), VectorIndexBuilder()])
        summary.notes += await writer.buildNotes
        summary.generation = manifest.generation
        summary.documentCount = manifest.documentCount
        summary.chunkCount = manifest.chunkCount
        await writer.close()
        return summary
    }

    /// Mutable bookkeeping of one run.
    struct RunState {
        var known: [String: KnownDocument]
        var seen: [String: String] = [:]
        var pending: [NewDocument] = []
        var bytesDone = 0
        var bytesTotal: Int
        var filesDone = 0
        var filesTotal: Int
        var documents = 0
        var chunks = 0
    }

    private func ingestCorpus(_ file: SourceFile, processor: DocumentProcessor, writer: CollectionWriter, batchSize: Int,
                              state: inout RunState, summary: inout IngestSummary, report: (RunState) -> Void) async throws {
        let cursor: BEIRCorpusReader.Cursor
        do {
            cursor = try BEIRCorpusReader().open(file.url)
        } catch {
            summary.failed.append(.init(path: file.url.path, reason: "cannot read: \(SourceWalker.reason(error))", isFailure: true))
            return
        }
        let startBytes = state.bytesDone
        var invalid = 0
        while let records = try cursor.next(batchSize) {
            let knownHashes = records.map { record -> String? in
                if case .document(_, let id, _) = record { return state.known[id]?.contentHash }
                return nil
            }
            let outcomes = Self.parallelMap(records.indices) { i -> DocumentProcessor.Outcome? in
                switch records[i] {
                case .invalid: return nil
                case .document(_, let id, let parsed):
                    let hash = ContentHash.sha256(fields: ["jsonl", parsed.title, parsed.text, parsed.metadata])
                    if hash == knownHashes[i] { return .unchanged(docID: id) }
                    return processor.make(docID: id, source: file.url.path, format: .jsonl, parsed: parsed, hash: hash, byteSize: 0)
                }
            }
            for (item, outcome) in zip(records, outcomes) {
                switch (item, outcome) {
                case (.invalid(let line, let reason), _):
                    invalid += 1
                    if invalid <= 100 { summary.failed.append(.init(path: "\(file.url.path):\(line)", reason: reason, isFailure: true)) }
                case (.document(let line, _, _), let outcome?):
                    record(outcome, source: "\(file.url.path):\(line)", state: &state, summary: &summary)
                default: break
                }
            }
            state.bytesDone = startBytes + cursor.bytesRead
            if state.pending.count >= batchSize { try await flush(writer, &state, &summary) }
            report(state)
        }
        if invalid > 100 {
            summary.failed.append(.init(path: file.url.path, reason: "\(invalid - 100) more invalid lines not listed", isFailure: true))
        }
        state.bytesDone = startBytes + file.byteSize
        state.filesDone += 1
        report(state)
    }

    func record(_ outcome: DocumentProcessor.Outcome, source: String, state: inout RunState, summary: inout IngestSummary) {
        let docID: String
        switch outcome {
        case .document(let document): docID = document.docID
        case .unchanged(let id), .skipped(let id, _), .failed(let id, _): docID = id
        }
        if let first = state.seen[docID] {
            summary.failed.append(.init(path: source, reason: "duplicate document id \(Printable.quoted(docID)) (first seen in \(first)); ignored", isFailure: true))
            return
        }
        state.seen[docID] = source
        summary.documentsSeen += 1
        Failpoint.hit("ingest.parsed")
        switch outcome {
        case .document(let document):
            state.pending.append(document)
            state.documents += 1
            state.chunks += document.chunks.count
        case .unchanged:
            summary.unchanged += 1
            state.documents += 1
        case .skipped(_, let reason):
            summary.skipped.append(.init(path: source, reason: reason, isFailure: false))
        case .failed(_, let reason):
            summary.failed.append(.init(path: source, reason: reason, isFailure: true))
        }
    }

    func flush(_ writer: CollectionWriter, _ state: inout RunState, _ summary: inout IngestSummary) async throws {
        guard !state.pending.isEmpty else { return }
        if let embedder = options.embedder {
            let texts = state.pending.flatMap { $0.chunks.map { Chunker.embeddingInput(context: $0.context, text: $0.text) } }
            let vectors = try await embedder.embed(texts, as: .passage)
            Failpoint.hit("ingest.embedded")
            guard vectors.count == texts.count else {
                throw EmbedError(.invalidResponse, "the embedder returned \(vectors.count) vectors for \(texts.count) chunks")
            }
            var next = 0
            for d in state.pending.indices {
                for c in state.pending[d].chunks.indices {
                    state.pending[d].chunks[c].embedding = vectors[next]
                    next += 1
                }
            }
        }
        let counts = try await writer.apply(upserts: state.pending)
        summary.added += counts.documentsAdded
        summary.replaced += counts.documentsReplaced
        summary.chunksAdded += counts.chunksAdded
        summary.chunksDeleted += counts.chunksDeleted
        for document in state.pending { state.known[document.docID] = KnownDocument(contentHash: document.contentHash, source: document.source) }
        state.pending.removeAll(keepingCapacity: true)
    }

    func parameters(_ settings: CollectionSettings) -> [String: String] {
        [
            "paths": options.paths.joined(separator: "\n"),
            "analyzer": settings.analyzer,
            "chunking.max_tokens": "\(settings.chunking.maxTokens)",
            "chunking.overlap_tokens": "\(settings.chunking.overlapTokens)",
            "chunking.max_chunk_characters": "\(settings.chunking.maxChunkCharacters)",
            "token_counter": settings.tokenCounter,
            "include": options.ingest.include.joined(separator: ","),
            "exclude": options.ingest.exclude.joined(separator: ","),
            "max_file_bytes": "\(options.ingest.maxFileBytes)",
            "prune": "\(options.prune)",
        ]
    }

    /// Maps `indices` on all cores, keeping order.
    static func parallelMap<T: Sendable>(_ indices: Range<Int>, _ transform: @Sendable (Int) -> T) -> [T] {
        let base = indices.lowerBound
        return ParallelMap.map(indices.count) { transform(base + $0) }
    }
}
