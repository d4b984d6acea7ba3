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
///
/// Loading takes a second or two (hashing and widening the weights); it runs on a dispatch
/// thread, never under the catalog's lock or on the cooperative pool, and concurrent askers
/// for the same model share one load. A failed load is not remembered: fetching the model
/// later is enough, without a restart.
public final class EmbedderCatalog: @unchecked Sendable {
    /// Folders searched for a model folder named like a stored identity's `model`.
    public let modelDirectories: [URL]
    public let configured: (any Embedder)?
    private let maxSequenceLength: Int?
    private let wrap: @Sendable (any Embedder) -> any Embedder
    private let lock = NSLock()
    /// Loads finished or under way, by folder name.
    private var loads: [String: Task<any Embedder, any Error>] = [:]

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
    public func embedder(for identity: EmbedderIdentity) async throws -> any Embedder {
        if let configured, configured.identity == identity { return configured }
        let configuredName = configured.map { "the configured embedder is \($0.identity)" } ?? "no embedder is configured"
        guard identity.kind == "native", Self.isFolderName(identity.model) else {
            throw EmbedError(.embedderMismatch, "\(configuredName), and only native models are looked up by name")
        }
        let embedder: any Embedder
        do {
            embedder = try await self.embedder(named: identity.model)
        } catch let error as EmbedError where error.code == .configuration {
            throw EmbedError(.embedderMismatch, "\(configuredName), and \(error.message)")
        }
        guard embedder.identity == identity else {
            throw EmbedError(.embedderMismatch, "\(configuredName), and the model folder \(identity.model) is \(embedder.identity), not the collection's model (re-fetch that model, or re-ingest)")
        }
        return embedder
    }

    /// The native model in the folder `name` of `modelDirectories` (an eval suite's
    /// `collection.model`), loaded once.
    /// - Throws: `EmbedError(.configuration)` when no such folder holds a model.
    public func embedder(named name: String) async throws -> any Embedder {
        if let configured, configured.identity.kind == "native", configured.identity.model == name { return configured }
        guard Self.isFolderName(name) else {
            throw EmbedError(.configuration, "model name \(Printable.quoted(name)) must be a folder name in \(searched)")
        }
        let task: Task<any Embedder, any Error> = lock.withLock {
            if let running = loads[name] { return running }
            let task = Task { try await self.load(name) }
            loads[name] = task
            return task
        }
        do {
            return try await task.value
        } catch {
            lock.withLock { if loads[name] == task { loads[name] = nil } }
            throw error
        }
    }

    private var searched: String { modelDirectories.map(\.path).joined(separator: ", ") }

    static func isFolderName(_ name: String) -> Bool {
        !name.isEmpty && !name.contains("/") && !name.hasPrefix(".")
    }

    /// Loads the folder on a dispatch thread (the load blocks for a second or two).
    private func load(_ name: String) async throws -> any Embedder {
        guard let folder = modelDirectories.map({ $0.appendingPathComponent(name, isDirectory: true) })
            .first(where: { FileManager.default.fileExists(atPath: $0.path) }) else {
            throw EmbedError(.configuration, "no model folder \(name) in \(searched) (scripts/fetch-model \(name), or re-ingest)")
        }
        let maxSequenceLength = self.maxSequenceLength
        return wrap(try await BlockingWork.run { try NativeEmbedder.open(modelDirectory: folder, maxSequenceLength: maxSequenceLength) })
    }
}
