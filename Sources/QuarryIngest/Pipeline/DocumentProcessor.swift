import Foundation
import QuarryCore
import QuarryStore
import QuarryText

/// Turns one source (a file, or a record of a corpus) into a `NewDocument`: read, decode,
/// parse, chunk, hash. Pure apart from reading the file, so many run in parallel.
public struct DocumentProcessor: Sendable {
    public var chunker: Chunker
    public var pdf: PDFReader

    public init(chunker: Chunker, pdf: PDFReader) {
        self.chunker = chunker
        self.pdf = pdf
    }

    /// The outcome for one file.
    public enum Outcome: Sendable {
        case document(NewDocument)
        case unchanged(docID: String)
        case skipped(docID: String, reason: String)
        case failed(docID: String, reason: String)
    }

    /// Reads and processes a single-document file. `knownHash` is the stored content hash
    /// of this document id, if any: when the file's bytes hash the same, it is not parsed.
    public func process(_ file: SourceFile, knownHash: String?) -> Outcome {
        let data: Data
        do {
            data = try readBounded(file.url, limit: max(file.byteSize, 0) + 1 << 20)
        } catch {
            return .failed(docID: file.docID, reason: "cannot read: \(SourceWalker.reason(error))")
        }
        let format = file.format ?? .text
        // The hash covers the bytes and the reader, so a file read another way is reprocessed.
        let hash = ContentHash.sha256(fields: [format.rawValue, ContentHash.sha256(data)])
        if hash == knownHash { return .unchanged(docID: file.docID) }
        if data.isEmpty { return .skipped(docID: file.docID, reason: "empty file") }
        let name = file.url.deletingPathExtension().lastPathComponent
        let parsed: ParsedDocument
        do {
            switch format {
            case .pdf:
                try TextDecoding.checkPDFMagic(data)
                parsed = try pdf.parse(url: file.url, fallbackTitle: name)
            case .text:
                parsed = ParsedDocument(title: name, text: try TextDecoding.decode(data))
            case .markdown:
                parsed = MarkdownReader().parse(try TextDecoding.decode(data), fallbackTitle: name)
            case .html:
                parsed = HTMLReader().parse(try TextDecoding.decode(data), fallbackTitle: name)
            case .jsonl:
                return .failed(docID: file.docID, reason: "JSONL corpora are read record by record")
            }
        } catch {
            return .failed(docID: file.docID, reason: "\(error)")
        }
        // A file's title is its own only when the content gave it (front matter, <title>),
        // not the file name the reader fell back to.
        let ownTitle = (format == .markdown || format == .html) && parsed.title != name
        return make(docID: file.docID, source: file.url.path, format: format, parsed: parsed, hash: hash, byteSize: data.count,
                    titleIsContent: ownTitle)
    }

    /// Chunks a parsed document and assembles the stored form.
    ///
    /// A record with a title and no body (half of some classic test collections) is kept:
    /// its title becomes its text, so it is chunked, indexed and embedded like any other
    /// (a BEIR-style peer indexes `title + " " + text`). Only a record with neither is empty.
    /// `titleIsContent` is false where the title is only a file name.
    public func make(docID: String, source: String, format: DocumentFormat, parsed: ParsedDocument, hash: String, byteSize: Int,
                     titleIsContent: Bool = true) -> Outcome {
        if let problem = DocumentID.problem(docID) { return .failed(docID: docID, reason: problem) }
        var parsed = parsed
        var chunked = parsed
        if !parsed.text.contains(where: { !$0.isWhitespace }) {
            let title = titleIsContent ? parsed.title.trimmingCharacters(in: .whitespacesAndNewlines) : ""
            guard !title.isEmpty else { return .skipped(docID: docID, reason: "no text (empty or whitespace only)") }
            parsed.text = title
            parsed.headings = []
            // The title is the text now; as context too it would be counted twice.
            chunked = ParsedDocument(title: "", text: title, metadata: parsed.metadata)
        }
        let pieces: [ChunkPiece]
        do {
            pieces = try chunker.chunk(chunked)
        } catch {
            return .failed(docID: docID, reason: "chunking failed: \(error)")
        }
        guard !pieces.isEmpty else { return .skipped(docID: docID, reason: "no text to chunk") }
        let chunks = pieces.enumerated().map { ordinal, piece in
            NewChunk(ordinal: ordinal, text: piece.text, context: piece.context, start: piece.start, end: piece.end,
                     tokenCount: piece.tokenCount, contentHash: ContentHash.sha256(piece.text))
        }
        // CLD2's best guess, even when it calls it unreliable (a short record): a near miss
        // still picks a related chain, and "un" (no guess at all) gets the standard one.
        let languageText = titleIsContent && !chunked.title.isEmpty ? chunked.title + "\n" + parsed.text : parsed.text
        let language = LanguageIdentifier.identify(languageText).code
        return .document(NewDocument(docID: docID, source: source, format: format.rawValue, title: parsed.title, text: parsed.text,
                                     metadata: parsed.metadata, contentHash: hash, byteSize: byteSize, chunks: chunks, language: language))
    }

    /// Reads at most `limit` bytes; a file that grew past it since it was listed is refused
    /// rather than read without bound.
    func readBounded(_ url: URL, limit: Int) throws -> Data {
        let handle = try FileHandle(forReadingFrom: url)
        defer { try? handle.close() }
        let data = try handle.read(upToCount: limit) ?? Data()
        if data.count >= limit { throw CocoaError(.fileReadTooLarge) }
        return data
    }
}

extension TextDecoding {
    /// PDFs must start with `%PDF-`; anything else named .pdf is refused before poppler sees it.
    static func checkPDFMagic(_ data: Data) throws {
        guard data.starts(with: Array("%PDF-".utf8)) else { throw PDFReader.Failure(description: "not a PDF file (no %PDF- header)") }
    }
}
