import Foundation
import QuarryCore
import QuarryPipeline
import QuarryStore

/// The collections the server answers from, each opened once (indexes mapped, analyzer and
/// embedder ready) and reopened when its MANIFEST.json names a new generation — a commit by
/// an ingest in another process. A request holds the `Pipeline` it started with, so it
/// finishes on the generation it began on while new requests see the new one.
actor CollectionPool {
    struct Entry {
        var pipeline: Pipeline
        var generation: Int
        var manifestStamp: String
        var queryLog: QueryLogFile.Writer
    }

    let factory: PipelineFactory
    nonisolated var home: QuarryHome { factory.home }
    private var entries: [String: Entry] = [:]
    /// Openings in progress, by collection, with the manifest stamp each is for.
    private var opening: [String: (stamp: String, task: Task<Entry, Error>)] = [:]

    init(factory: PipelineFactory) {
        self.factory = factory
    }

    /// The size, modification time and inode of MANIFEST.json: every commit replaces it
    /// atomically after SQLite committed, so a change means a new generation (what is served
    /// is read from SQLite; the file is only the signal). A collection whose copy is missing
    /// (a crash before its first publication) is stamped by its database.
    nonisolated func stamp(_ name: String) throws -> String {
        let directory = try home.collectionDirectory(name)
        // stat(2) directly: every request asks, and FileManager's attribute dictionary
        // (boxed numbers, a Date) cost more than the system call.
        var info = stat()
        for file in [CollectionWriter.Files.manifest, CollectionWriter.Files.database]
        where stat(directory.appendingPathComponent(file).path, &info) == 0 {
            #if canImport(Darwin)
            let modified = info.st_mtimespec
            #else
            let modified = info.st_mtim
            #endif
            return "\(info.st_size)/\(modified.tv_sec).\(modified.tv_nsec)/\(info.st_ino)"
        }
        throw StoreError(.notFound, collection: name, "no collection '\(name)'")
    }

    /// The pipeline of `name`, opening or reopening it as needed. Requests that arrive while
    /// a generation is being opened wait for that one opening instead of starting their own.
    func entry(_ name: String) async throws -> Entry {
        try CollectionName.validate(name)
        let current = try stamp(name)
        if let entry = entries[name], entry.manifestStamp == current { return entry }
        if let pending = opening[name], pending.stamp == current { return try await pending.task.value }
        let task = Task { try await self.open(name, stamp: current) }
        opening[name] = (current, task)
        defer { if opening[name]?.stamp == current { opening[name] = nil } }
        let entry = try await task.value
        entries[name] = entry
        return entry
    }

    private func open(_ name: String, stamp: String) async throws -> Entry {
        let directory = try home.collectionDirectory(name)
        // The generation served is the one the pipeline actually opened (a commit may land
        // between the stamp and the opening).
        let pipeline = try await factory.open(name)
        let log = try entries[name]?.queryLog ?? QueryLogFile.Writer(directory: directory)
        return Entry(pipeline: pipeline, generation: pipeline.collection.manifest.generation, manifestStamp: stamp, queryLog: log)
    }

    /// Opens every collection of the home; returns the names that failed with why.
    func warm() async -> [String: String] {
        var failures: [String: String] = [:]
        for item in (try? CollectionCatalog(home: home).list()) ?? [] {
            do {
                _ = try await entry(item.name)
            } catch {
                failures[item.name] = "\(error)"
            }
        }
        return failures
    }

    var loaded: [String: Int] { entries.mapValues(\.generation) }
}
