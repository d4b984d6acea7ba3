/// What a reader extracts from one source: plain text to chunk and index, a title, the
/// heading structure, and metadata.
public struct ParsedDocument: Sendable, Equatable {
    /// A heading, so chunks can carry their heading path as context.
    public struct Heading: Sendable, Equatable {
        /// Unicode-scalar offset in `text` where the heading's section starts.
        public var offset: Int
        /// 1 for a top-level heading … 6.
        public var level: Int
        public var title: String

        public init(offset: Int, level: Int, title: String) {
            self.offset = offset
            self.level = level
            self.title = title
        }
    }

    public var title: String
    public var text: String
    public var headings: [Heading]
    /// A JSON object's text; `{}` when the source had none.
    public var metadata: String

    public init(title: String, text: String, headings: [Heading] = [], metadata: String = "{}") {
        self.title = title
        self.text = text
        self.headings = headings
        self.metadata = metadata
    }
}

/// The formats Quarry reads, chosen by file extension.
public enum DocumentFormat: String, Sendable, CaseIterable, Codable {
    case text, markdown, html, jsonl, pdf

    /// The format for a file name's extension, or nil when unsupported.
    public init?(fileName: String) {
        let ext = fileName.split(separator: ".").count > 1 ? String(fileName.split(separator: ".").last!).lowercased() : ""
        switch ext {
        case "txt", "text": self = .text
        case "md", "markdown", "mdown": self = .markdown
        case "html", "htm", "xhtml": self = .html
        case "jsonl", "ndjson": self = .jsonl
        case "pdf": self = .pdf
        default: return nil
        }
    }
}
