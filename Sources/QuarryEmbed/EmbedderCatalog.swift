import Foundation
import QuarryCore

/// The embedders one process can use: the configured one, and every native model in the
/// folder that holds the configured model (`models/` by default), loaded the first time a
/// collection embedded with it is opened and kept for the process.
///
/// A collection remembers the identity of the model that embedded it (kind, folder name,
/// weights checksum, prefixes). Searching it with another model would compare vectors of two
/// spaces, so without the catalog it falls back to lexical retrieval; with it, a collection
/// ingested with `--model models/multilingual-e5-small` is searched with that model while
/// others keep the configured MiniLM. A model is only used when its identity is the stored
/// one byte for byte: a folder of the same name with other weights is refused, with why.
public final class EmbedderCatalog: @unchecked Sendable {
    /// Folders searched for a model folder named like a stored identity's `model`.
    public let modelDirectories: [URL]
    public let configured: (any Embedder)?
    private let maxSequenceLength: Int?
    private let wrap: @Sendable (any Embedder) -> any Embedder
    private let lock = NSLock()
    private var loaded: [EmbedderIdentity: Result<any Embedder, EmbedError>] = [:]

    /// - Parameters:
    ///   - configured: the configured embedder (nil for `embedding.provider: none`).
    ///   - wrap: applied to every model the catalog loads (the server's `BatchingEmbedder`).
    public init(configuration: QuarryConfiguration, configured: (any Embedder)?,
                wrap: @escaping @Sendable (any Embedder) -> any Embedder = { $0 }) {
        self.configured = configured
        modelDirectories = [configuration.resolvePath(configuration.embedding.model).deletingLastPathComponent()]
        maxSequenceLength = configuration.embedding.maxSequenceLength
        self.wrap = wrap
    }

    /// A catalog of one embedder (tests, a program embedding Quarry).
    public init(_ configured: (any Embedder)?) {
        self.configured = configured
        modelDirectories = []
        maxSequenceLength = nil
        wrap = { $0 }
    }

    /// The embedder that made vectors of `identity`: the configured one when it is that
    /// model, else a native model found in `modelDirectories`.
    /// - Throws: `EmbedError(.embedderMismatch)` saying what was looked for and why it is unusable.
    public func embedder(for identity: EmbedderIdentity) throws -> any Embedder {
        if let configured, configured.identity == identity { return configured }
        lock.lock()
        defer { lock.unlock() }
        if let known = loaded[identity] { return try known.get() }
        let result = Result { try load(identity) }.mapError { error in
            error as? EmbedError ?? EmbedError(.embedderMismatch, "\(error)")
        }
        loaded[identity] = result
        return try result.get()
    }

    /// The native model in the folder `name` of `modelDirectories` (an eval suite's
    /// `collection.model`), loaded once; later lookups by its identity find it.
    /// - Throws: `EmbedError(.configuration)` when no such folder holds a model.
    public func embedder(named name: String) throws -> any Embedder {
        if let configured, configured.identity.kind == "native", configured.identity.model == name { return configured }
        guard !name.isEmpty, !name.contains("/"), !name.hasPrefix(".") else {
            throw EmbedError(.configuration, "model name \(Printable.quoted(name)) must be a folder name in \(modelDirectories.map(\.path).joined(separator: ", "))")
        }
        lock.lock()
        defer { lock.unlock() }
        if let known = loaded.values.compactMap({ try? $0.get() }).first(where: { $0.identity.kind == "native" && $0.identity.model == name }) {
            return known
        }
        for directory in modelDirectories {
            let folder = directory.appendingPathComponent(name, isDirectory: true)
            guard FileManager.default.fileExists(atPath: folder.path) else { continue }
            let embedder = wrap(try NativeEmbedder.open(modelDirectory: folder, maxSequenceLength: maxSequenceLength))
            loaded[embedder.identity] = .success(embedder)
            return embedder
        }
        throw EmbedError(.configuration, "no model folder \(name) in \(modelDirectories.map(\.path).joined(separator: ", ")) (scripts/fetch-model \(name))")
    }

    private func load(_ identity: EmbedderIdentity) throws -> any Embedder {
        let configuredName = configured.map { "the configured embedder is \($0.identity)" } ?? "no embedder is configured"
        guard identity.kind == "native", !identity.model.contains("/"), !identity.model.hasPrefix(".") else {
            throw EmbedError(.embedderMismatch, "\(configuredName), and only native models are looked up by name")
        }
        for directory in modelDirectories {
            let folder = directory.appendingPathComponent(identity.model, isDirectory: true)
            guard FileManager.default.fileExists(atPath: folder.path) else { continue }
            let embedder = try NativeEmbedder.open(modelDirectory: folder, maxSequenceLength: maxSequenceLength)
            guard embedder.identity == identity else {
                throw EmbedError(.embedderMismatch, "\(configuredName), and \(folder.path) is \(embedder.identity), not the collection's model")
            }
            return wrap(embedder)
        }
        throw EmbedError(.embedderMismatch, "\(configuredName), and no folder \(identity.model) is in \(modelDirectories.map(\.path).joined(separator: ", ")) (fetch that model, or re-ingest)")
    }
}
