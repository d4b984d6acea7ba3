import ArgumentParser
import Foundation
import QuarryCore
import QuarryIndex
import QuarryStore
import QuarryText

/// `quarry collections`: list, inspect, check and delete collections.
struct CollectionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "collections",
        abstract: "List, inspect, check and delete collections.",
        discussion: """
            Examples:
              quarry collections list
              quarry collections show demo --json
              quarry collections check demo
              quarry collections reindex demo
              quarry collections delete demo
            """,
        subcommands: [List.self, Show.self, Check.self, Reindex.self, Delete.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the collections in the home.")
        @OptionGroup var global: GlobalOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let home = global.resolveHome(try global.loadConfiguration())
            let entries = try CollectionCatalog(home: home).list()
            if json { return try Terminal.json(entries) }
            if entries.isEmpty { return print("no collections in \(home.url.path)") }
            print("NAME                 GEN  DOCUMENTS    CHUNKS  ANALYZER  COMMITTED")
            for e in entries {
                if let error = e.error {
                    print("\(e.name.padding(toLength: 20, withPad: " ", startingAt: 0))  error: \(error)")
                    continue
                }
                print("\(e.name.padding(toLength: 20, withPad: " ", startingAt: 0)) \(pad(e.generation, 4)) \(pad(e.documents, 10)) \(pad(e.chunks, 9))  \((e.analyzer ?? "").padding(toLength: 8, withPad: " ", startingAt: 0))  \(e.committedAt ?? "")")
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a collection's manifest, counts and recent ingests.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The collection name.") var name: String
        @Flag(help: "Print JSON.") var json = false

        struct Output: Encodable {
            var manifest: Manifest
            /// Documents an unfinished ingest staged: not committed, not visible.
            var stagedDocuments: Int
            var ingests: [CollectionReader.IngestLogEntry]
            /// Chunks per identified document language (CLD2 codes; "" for documents stored
            /// before languages were identified).
            var languages: [String: Int]

            enum CodingKeys: String, CodingKey { case manifest, stagedDocuments = "staged_documents", ingests, languages = "chunk_languages" }
        }

        func run() async throws {
            let reader = try CollectionReader(home: global.resolveHome(try global.loadConfiguration()), name: name)
            let log = try reader.ingestLog(limit: 10)
            let languages = try reader.chunkLanguageCounts()
            if json { return try Terminal.json(Output(manifest: reader.manifest, stagedDocuments: reader.stagedDocuments, ingests: log, languages: languages)) }
            let m = reader.manifest
            print("collection  \(m.collection)")
            print("directory   \(reader.directory.path)")
            print("generation  \(m.generation) (committed \(m.committedAt), created \(m.createdAt))")
            print("documents   \(m.documentCount)")
            print("chunks      \(m.chunkCount)")
            if reader.stagedDocuments > 0 {
                print("staged      \(reader.stagedDocuments) documents of an unfinished ingest (not committed, not visible; re-run it to finish)")
            }
            print("analyzer    \(m.settings.analyzer)")
            print("languages   \(LanguageMix(chunkCounts: languages.reduce(into: [:]) { $0[$1.key.isEmpty ? "unrecorded" : $1.key, default: 0] += $1.value }).summary) of chunks, by document language")
            print("chunking    max_tokens \(m.settings.chunking.maxTokens), overlap_tokens \(m.settings.chunking.overlapTokens), counted in \(m.settings.tokenCounter)")
            if let embedder = m.settings.embedder {
                print("embedder    \(embedder)")
            } else {
                print("embedder    none (lexical only)")
            }
            print("recent ingests:")
            for entry in log {
                print("  #\(entry.id) \(entry.startedAt) \(entry.status) gen \(entry.generation.map(String.init) ?? "-") \(entry.counts)")
            }
        }
    }

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a collection's integrity (SQLite, manifest, every chunk against its document).",
            discussion: "Exit status 0 when healthy, 1 when damaged. Warnings (an unfinished ingest) do not fail the check."
        )
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The collection name.") var name: String
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let reader = try CollectionReader(home: global.resolveHome(try global.loadConfiguration()), name: name)
            let report = try reader.checkIntegrity()
            if json {
                try Terminal.json(report)
            } else {
                print("\(report.isHealthy ? "ok" : "DAMAGED"): collection '\(report.collection)' generation \(report.generation), \(report.documents) documents, \(report.chunks) chunks")
                for problem in report.problems { print("  problem: \(problem)") }
                for warning in report.warnings { print("  warning: \(warning)") }
            }
            if !report.isHealthy { throw ExitCode(1) }
        }
    }

    struct Reindex: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Rebuild a collection's derived indexes from collection.sqlite.",
            discussion: "Takes the writer lock. Useful after changing index code, or to time an index build."
        )
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The collection name.") var name: String
        @Flag(help: "Print JSON.") var json = false

        struct Output: Encodable {
            var collection: String
            var generation: Int
            var files: [Manifest.DerivedFile]
            var seconds: Double
        }

        func run() async throws {
            let home = global.resolveHome(try global.loadConfiguration())
            let reader = try CollectionReader(home: home, name: name)
            let writer = try CollectionWriter(home: home, name: name, settings: reader.manifest.settings)
            if try await writer.hasPendingRows() {
                await writer.close()
                throw ReportedFailure(description: "collection '\(name)' has an unfinished ingest; re-run it before reindexing")
            }
            let start = Date()
            var builders: [any DerivedIndexBuilder] = [LexicalIndexBuilder(fullRebuild: true)]
            if reader.manifest.settings.embedder != nil { builders.append(VectorIndexBuilder(fullRebuild: true)) }
            let manifest = try await writer.commit(builders: builders, rebuilding: Set(builders.map(\.kind)))
            let seconds = Date().timeIntervalSince(start)
            await writer.close()
            let output = Output(collection: name, generation: manifest.generation, files: manifest.derivedFiles, seconds: seconds)
            if json { return try Terminal.json(output) }
            for file in manifest.derivedFiles { print("\(file.kind): \(file.name) (\(file.bytes) bytes)") }
            print("reindexed collection '\(name)' generation \(manifest.generation) in \(String(format: "%.2f", seconds)) s")
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a collection and all its files.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The collection name.") var name: String

        func run() async throws {
            let home = global.resolveHome(try global.loadConfiguration())
            try CollectionCatalog(home: home).delete(name)
            print("deleted collection '\(name)'")
        }
    }
}

private func pad(_ value: Int?, _ width: Int) -> String {
    let text = value.map(String.init) ?? "-"
    return String(repeating: " ", count: max(0, width - text.count)) + text
}
