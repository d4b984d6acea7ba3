import Foundation

/// Quarry's configuration: every setting with its documented default.
///
/// Precedence, lowest first: the defaults here, the YAML file (`--config`, `$QUARRY_CONFIG`,
/// or `./quarry.yaml` when present), environment variables (`QUARRY_<SECTION>_<KEY>`, e.g.
/// `QUARRY_CHUNKING_MAX_TOKENS`), then command-line flags. `config/quarry.yaml` documents
/// every key; a test checks that it parses to exactly these defaults.
public struct QuarryConfiguration: Sendable, Equatable {
    /// The Quarry home directory; `nil` means `.quarry` beside the config file, or in the
    /// working directory when there is no file.
    public var home: String?
    public var ingest = IngestSettings()
    public var chunking = ChunkingSettings()
    public var analysis = AnalysisSettings()
    public var embedding = EmbeddingSettings()
    public var retrieval = RetrievalSettings()
    public var rerank = RerankSettings()
    public var llm = LLMSettings()
    public var generation = GenerationSettings()
    public var server = ServerSettings()

    public init() {}

    /// Where the settings came from, for error messages and `--explain`-style output.
    public var sourceFile: String?

    /// Checks ranges and relations between settings.
    /// - Throws: `ConfigError` naming the key.
    public func validate() throws {
        try ingest.validate(file: sourceFile)
        try chunking.validate(file: sourceFile)
        try analysis.validate(file: sourceFile)
        try embedding.validate(file: sourceFile)
        try retrieval.validate(file: sourceFile)
        try rerank.validate(file: sourceFile)
        try llm.validate(file: sourceFile)
        try generation.validate(file: sourceFile)
        try server.validate(file: sourceFile)
    }

    /// A path from the configuration: absolute, or relative to the config file's directory
    /// (the working directory when there is no file).
    public func resolvePath(_ path: String, workingDirectory: String = FileManager.default.currentDirectoryPath) -> URL {
        let expanded = (path as NSString).expandingTildeInPath
        if expanded.hasPrefix("/") { return URL(fileURLWithPath: expanded) }
        let base = sourceFile.map { (($0 as NSString).expandingTildeInPath as NSString).deletingLastPathComponent } ?? workingDirectory
        let absoluteBase = base.hasPrefix("/") ? base : (workingDirectory as NSString).appendingPathComponent(base)
        return URL(fileURLWithPath: (absoluteBase as NSString).appendingPathComponent(expanded)).standardizedFileURL
    }
}

/// Settings for reading files at ingest.
public struct IngestSettings: Sendable, Equatable {
    /// Glob patterns (relative to the ingest root) a file must match to be read when a
    /// directory is walked; empty means every file with a supported extension.
    public var include: [String] = []
    /// Glob patterns for files and directories to skip, on top of hidden files and the
    /// patterns in any `.quarryignore` file at the ingest root.
    public var exclude: [String] = []
    /// Files larger than this are skipped before being read (50 MiB by default).
    public var maxFileBytes: Int = 50 * 1024 * 1024
    /// The `pdftotext` executable (poppler-utils) used for PDF files.
    public var pdftotext: String = "pdftotext"
    /// Seconds a single PDF may take to convert before it is abandoned.
    public var pdfTimeoutSeconds: Double = 60
    /// Documents per SQLite transaction: larger is faster, smaller loses less on a crash.
    public var batchSize: Int = 256

    public init() {}

    func validate(file: String?) throws {
        guard maxFileBytes > 0 else { throw ConfigError(key: "ingest.max_file_bytes", file: file, reason: "must be > 0") }
        guard pdfTimeoutSeconds > 0 else { throw ConfigError(key: "ingest.pdf_timeout_seconds", file: file, reason: "must be > 0") }
        guard (1 ... 100_000).contains(batchSize) else { throw ConfigError(key: "ingest.batch_size", file: file, reason: "must be 1...100000") }
        guard !pdftotext.isEmpty else { throw ConfigError(key: "ingest.pdftotext", file: file, reason: "must not be empty") }
    }
}

/// Settings for the chunker. They are fixed when a collection is created.
public struct ChunkingSettings: Sendable, Equatable, Codable {
    /// Most tokens in one chunk (256: the encoder's max_seq_length for all-MiniLM-L6-v2).
    public var maxTokens: Int = 256
    /// Tokens of trailing sentences repeated at the start of the next chunk, so an answer
    /// that straddles a boundary is still found whole in one chunk.
    public var overlapTokens: Int = 32
    /// Hard cap on a chunk's length in characters, for text without word boundaries.
    public var maxChunkCharacters: Int = 8192

    public init(maxTokens: Int = 256, overlapTokens: Int = 32, maxChunkCharacters: Int = 8192) {
        self.maxTokens = maxTokens
        self.overlapTokens = overlapTokens
        self.maxChunkCharacters = maxChunkCharacters
    }

    enum CodingKeys: String, CodingKey {
        case maxTokens = "max_tokens", overlapTokens = "overlap_tokens", maxChunkCharacters = "max_chunk_characters"
    }

    public func validate(file: String? = nil) throws {
        guard (8 ... 8192).contains(maxTokens) else { throw ConfigError(key: "chunking.max_tokens", file: file, reason: "must be 8...8192, got \(maxTokens)") }
        guard overlapTokens >= 0, overlapTokens < maxTokens / 2 + 1 else {
            throw ConfigError(key: "chunking.overlap_tokens", file: file, reason: "must be 0...max_tokens/2, got \(overlapTokens)")
        }
        guard (64 ... 1_000_000).contains(maxChunkCharacters) else {
            throw ConfigError(key: "chunking.max_chunk_characters", file: file, reason: "must be 64...1000000, got \(maxChunkCharacters)")
        }
    }
}

/// Settings for text analysis.
public struct AnalysisSettings: Sendable, Equatable {
    /// The analyzer a new collection uses for lexical search: `auto` (each document's and
    /// query's language identified, analysed with that language's chain), `standard`,
    /// `english` or `arabic`. QuarryText's `Analyzers.names` is the same list.
    public var analyzer: String = "auto"

    /// Every analyzer name the configuration accepts.
    public static let analyzers = ["auto", "standard", "english", "arabic"]

    public init() {}

    func validate(file: String?) throws {
        guard Self.analyzers.contains(analyzer) else {
            throw ConfigError(key: "analysis.analyzer", file: file,
                              reason: "unknown analyzer '\(analyzer)' (known: \(Self.analyzers.joined(separator: ", ")))")
        }
    }
}

/// Settings for embedding chunks and queries.
public struct EmbeddingSettings: Sendable, Equatable {
    public var provider: EmbeddingProvider = .native
    /// Native: the model folder in Hugging Face layout (scripts/fetch-model puts
    /// all-MiniLM-L6-v2 here).
    public var model: String = "models/all-MiniLM-L6-v2"
    /// Native: the longest input in tokens, specials included (sentence-transformers' 256).
    public var maxSequenceLength: Int = 256
    /// HTTP: the endpoint's base URL (…/v1/embeddings is appended).
    public var url: String = ""
    /// HTTP: the model name sent with each request.
    public var httpModel: String = ""
    /// HTTP: the vector dimension the endpoint returns.
    public var dimension: Int = 0
    /// HTTP: the environment variable holding the API key.
    public var apiKeyEnvironment: String = "QUARRY_EMBEDDINGS_API_KEY"
    /// HTTP: texts per request.
    public var batchSize: Int = 64
    /// HTTP: seconds before a request is abandoned (and retried).
    public var timeoutSeconds: Double = 30

    public init() {}

    func validate(file: String?) throws {
        guard (8 ... 8192).contains(maxSequenceLength) else {
            throw ConfigError(key: "embedding.max_sequence_length", file: file, reason: "must be 8...8192, got \(maxSequenceLength)")
        }
        guard (1 ... 4096).contains(batchSize) else { throw ConfigError(key: "embedding.batch_size", file: file, reason: "must be 1...4096") }
        guard timeoutSeconds > 0 else { throw ConfigError(key: "embedding.timeout_seconds", file: file, reason: "must be > 0") }
        if provider == .http {
            guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
                throw ConfigError(key: "embedding.url", file: file, reason: "provider http needs an http:// or https:// URL")
            }
            guard !httpModel.isEmpty else { throw ConfigError(key: "embedding.http_model", file: file, reason: "provider http needs a model name") }
            guard (1 ... 65536).contains(dimension) else {
                throw ConfigError(key: "embedding.dimension", file: file, reason: "provider http needs the vector dimension (1...65536)")
            }
        }
    }
}

/// A bad configuration key or value, naming both and the file it came from.
public struct ConfigError: Error, CustomStringConvertible, Sendable, Equatable {
    public var key: String
    public var file: String?
    public var reason: String

    public init(key: String, file: String?, reason: String) {
        self.key = key
        self.file = file
        self.reason = reason
    }

    public var description: String {
        "configuration key '\(key)'\(file.map { " in \($0)" } ?? ""): \(reason)"
    }
}
