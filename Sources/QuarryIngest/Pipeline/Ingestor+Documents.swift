import Foundation
import QuarryCore
import QuarryEmbed
import QuarryStore
import QuarryText

/// A document given directly (the server's `POST …/documents`), not read from a file.
public struct InputDocument: Sendable, Equatable {
    public var id: String
    public var title: String
    public var text: String
    /// A JSON object's text, `{}` for none.
    public var metadata: String

    public init(id: String, title: String = "", text: String, metadata: String = "{}") {
        self.id = id
        self.title = title
        self.text = text
        self.metadata = metadata
    }
}

extension Ingestor {
    /// Adds or replaces `documents` and deletes `deletions` in one commit, with the same
    /// chunking, embedding and indexes as a file ingest. Documents whose content is unchanged
    /// are skipped; the commit is atomic (readers see all of it or none).
    /// - Throws: `StoreError.locked` when another writer holds the collection; errors of the
    ///   embedder and the store, after which nothing is committed.
    public func upsert(_ documents: [InputDocument], deleting deletions: [String] = []) async throws -> IngestSummary {
        let started = DispatchTime.now()
        let writer = try CollectionWriter(home: home, name: options.collection, settings: options.settings,
                                          enforceSettings: options.enforceSettings)
        let counter: any TokenCounter = options.embedder?.tokenCounter ?? WordTokenCounter()
        let chunker = Chunker(settings: writer.settings.chunking, counter: counter, modelLimit: options.embedder?.maxInputTokens)
        let processor = DocumentProcessor(chunker: chunker, pdf: PDFReader(executable: options.ingest.pdftotext, timeout: options.ingest.pdfTimeoutSeconds))
        var summary = IngestSummary(collection: options.collection, generation: 0)
        summary.notes = writer.recoveryNotes
        do {
            // An API write is never resumed: one killed before its commit stays wholly absent.
            summary.notes += try await writer.beginIngest(command: options.command, parameters: parameters(writer.settings))
            let known = try await writer.knownDocuments()
            var state = RunState(known: known, bytesTotal: 0, filesTotal: 0)
            let outcomes = Self.parallelMap(documents.indices) { i -> DocumentProcessor.Outcome in
                let document = documents[i]
                let parsed = ParsedDocument(title: document.title, text: document.text, metadata: document.metadata)
                let hash = ContentHash.sha256(fields: ["api", parsed.title, parsed.text, parsed.metadata])
                if hash == known[document.id]?.contentHash { return .unchanged(docID: document.id) }
                return processor.make(docID: document.id, source: "api", format: .text, parsed: parsed, hash: hash,
                                      byteSize: document.text.utf8.count)
            }
            for (index, outcome) in outcomes.enumerated() { record(outcome, source: "documents[\(index)]", state: &state, summary: &summary) }
            try await flush(writer, &state, &summary)
            let gone = deletions.filter { known[$0] != nil || state.seen[$0] != nil }
            if !gone.isEmpty {
                let counts = try await writer.apply(upserts: [], deletions: gone)
                summary.deleted += counts.documentsDeleted
                summary.chunksDeleted += counts.chunksDeleted
            }
            summary.seconds = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9
            return try await commit(writer, summary, counts: ["documents": documents.count, "deletions": gone.count,
                                                              "failed": summary.failed.count])
        } catch {
            try? await writer.discardStaged()
            try? await writer.fail(reason: "\(error)")
            await writer.close()
            throw error
        }
    }
}
