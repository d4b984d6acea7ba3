import ArgumentParser
import Foundation
import QuarryCore
import QuarryGenerate
import QuarryTrack

/// `quarry registry`: pipeline versions and their aliases.
struct RegistryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "registry",
        abstract: "Register pipeline versions, move aliases (gated promotion, rollback), show history.",
        discussion: """
            A version pins a collection generation (its MANIFEST checksum), the embedder,
            reranker and prompt, the retrieval settings, and the eval run with its metrics.

            Examples:
              quarry registry register demo-qa --collection demo --run 3f2a… --variant hybrid
              quarry registry promote demo-qa 1 --alias production --require "ndcg@10>=0.35"
              quarry registry alias demo-qa production 1          # rollback: move it back
              quarry registry show demo-qa
              quarry registry history demo-qa --json
            """,
        subcommands: [List.self, Show.self, Register.self, Promote.self, Alias.self, History.self]
    )

    static func registry(_ global: GlobalOptions) throws -> (Registry, QuarryConfiguration, QuarryHome) {
        let (registry, _, configuration, home) = try stores(global)
        return (registry, configuration, home)
    }

    /// The registry and the runs it reads metrics from, both in the home's tracking store.
    static func stores(_ global: GlobalOptions) throws -> (Registry, any RunStore, QuarryConfiguration, QuarryHome) {
        let configuration = try global.loadConfiguration()
        let home = global.resolveHome(configuration)
        let store = try SQLiteTrackingStore(home: home)
        return (Registry(store: store), store, configuration, home)
    }

    /// $USER, else the account name of the process's user.
    static var actor: String {
        if let user = ProcessInfo.processInfo.environment["USER"], !user.isEmpty { return user }
        if let entry = getpwuid(getuid()), let name = entry.pointee.pw_name { return String(cString: name) }
        return "uid \(getuid())"
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List pipelines with their latest version and aliases.")
        @OptionGroup var global: GlobalOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let (registry, _, _) = try RegistryCommand.registry(global)
            struct Entry: Encodable { var pipeline: String; var versions: Int; var aliases: [String: Int] }
            let entries = try registry.pipelines().map { Entry(pipeline: $0, versions: try registry.versions(of: $0).count, aliases: try registry.aliases(of: $0)) }
            if json { return try Terminal.json(entries) }
            if entries.isEmpty { return print("no registered pipelines") }
            for entry in entries {
                let aliases = entry.aliases.sorted { $0.key < $1.key }.map { "\($0.key)→\($0.value)" }.joined(separator: " ")
                print("\(entry.pipeline.padding(toLength: 24, withPad: " ", startingAt: 0)) \(entry.versions) versions  \(aliases)")
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a pipeline's versions (or one version).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The pipeline.") var pipeline: String
        @Option(help: "Only this version (a number or an alias).") var version: String?
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let (registry, _, _) = try RegistryCommand.registry(global)
            let versions = try version.map { [try registry.resolve(pipeline, $0)] } ?? registry.versions(of: pipeline)
            if versions.isEmpty { throw TrackingError(.notFound, "no pipeline \(pipeline) (see `quarry registry list`)") }
            let aliases = try registry.aliases(of: pipeline)
            if json { return try Terminal.json(versions) }
            for v in versions {
                let names = aliases.filter { $0.value == v.version }.keys.sorted()
                print("\(v.pipeline) v\(v.version)\(names.isEmpty ? "" : " [" + names.joined(separator: ", ") + "]")  \(v.createdAt)")
                print("  collection \(v.collection) generation \(v.generation), manifest \(v.manifestChecksum.prefix(16)), corpus \(v.corpusFingerprint.prefix(16))")
                print("  embedder \(v.embedder ?? "none"), reranker \(v.reranker ?? "none"), prompt \(v.prompt)")
                print("  retrieval " + v.retrieval.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))
                if let run = v.sourceRun { print("  run \(run): " + v.metrics.sorted { $0.key < $1.key }.map { "\($0.key) \(String(format: "%.4f", $0.value))" }.joined(separator: ", ")) }
                if !v.description.isEmpty { print("  \(Printable.escaped(v.description))") }
            }
        }
    }

    struct Register: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Register the current state of a collection and the configured pipeline as a new version.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The pipeline name.") var pipeline: String
        @Option(help: "The collection it serves.") var collection: String
        @Option(help: "The eval run whose metrics back the version.") var run: String?
        @Option(help: "The eval variant whose metrics to take from the run (default: retrieval.mode).") var variant: String?
        @Option(help: "A note.") var description: String = ""
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let (registry, runs, configuration, home) = try RegistryCommand.stores(global)
            let snapshot = try CollectionSnapshot.capture(home: home, collection: collection)
            var metrics: [String: Double] = [:]
            if let run {
                let details = try runs.run(run)
                let prefix = (variant ?? configuration.retrieval.mode.rawValue) + "/"
                for (key, value) in details.metrics where key.hasPrefix(prefix) { metrics[String(key.dropFirst(prefix.count))] = value }
                if metrics.isEmpty {
                    if let variant { throw TrackingError(.notFound, "run \(run) has no metrics for variant \(variant)") }
                    metrics = details.metrics.filter { !$0.key.contains("/") }
                }
            }
            let template = try PromptTemplate.configured(configuration)
            let settings = configuration.retrieval
            let retrieval = ["mode": settings.mode.rawValue, "k": "\(settings.k)", "candidates": "\(settings.candidates)", "fusion": settings.fusion.rawValue,
                             "rrf_k": "\(settings.rrfK)", "dense_weight": "\(settings.denseWeight)", "normalization": settings.normalization.rawValue,
                             "mmr_lambda": "\(settings.mmrLambda)", "merge_adjacent": "\(settings.mergeAdjacent)"]
            let rerank = configuration.rerank
            let reranker: String? = switch rerank.provider {
            case .native: "cross-encoder:\(configuration.resolvePath(rerank.model).lastPathComponent)"
            case .http: "http-rerank:\(rerank.api.rawValue):\(rerank.httpModel)@\(rerank.url)"
            case .none: nil
            }
            let version = try registry.register(PipelineVersion(
                pipeline: pipeline, collection: collection, generation: snapshot.generation, manifestChecksum: snapshot.manifestChecksum,
                embedder: snapshot.embedder, reranker: reranker, prompt: template.id, retrieval: retrieval, sourceRun: run,
                metrics: metrics, corpusFingerprint: snapshot.corpusFingerprint, description: description))
            if json { return try Terminal.json(version) }
            print("registered \(pipeline) version \(version.version) (collection \(collection) generation \(snapshot.generation)\(metrics.isEmpty ? "" : ", \(metrics.count) metrics"))")
        }
    }

    struct Promote: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Point an alias at a version if its metrics meet every --require.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The pipeline.") var pipeline: String
        @Argument(help: "The version number.") var version: Int
        @Option(help: "The alias to move (e.g. production).") var alias: String
        @Option(help: "METRIC>=VALUE the version must meet (repeatable), e.g. ndcg@10>=0.35.") var require: [String] = []
        @Option(help: "Who is promoting (default: $USER).") var actor: String?

        func run() async throws {
            let (registry, _, _) = try RegistryCommand.registry(global)
            let requirements = try require.map(Requirement.parse)
            try registry.promote(pipeline, version: version, alias: alias, requirements: requirements, actor: actor ?? RegistryCommand.actor)
            print("\(pipeline)@\(alias) → version \(version)")
        }
    }

    struct Alias: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Move an alias to a version without gates (e.g. a rollback).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The pipeline.") var pipeline: String
        @Argument(help: "The alias.") var alias: String
        @Argument(help: "The version number.") var version: Int
        @Option(help: "Why (recorded in the history).") var reason: String = "alias set"
        @Option(help: "Who is moving it (default: $USER).") var actor: String?

        func run() async throws {
            let (registry, _, _) = try RegistryCommand.registry(global)
            try registry.setAlias(pipeline, alias: alias, version: version, actor: actor ?? RegistryCommand.actor, reason: reason)
            print("\(pipeline)@\(alias) → version \(version)")
        }
    }

    struct History: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every alias move of a pipeline: who, when, from which version to which, why.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The pipeline.") var pipeline: String
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let (registry, _, _) = try RegistryCommand.registry(global)
            let events = try registry.history(of: pipeline)
            if json { return try Terminal.json(events) }
            if events.isEmpty { return print("no alias moves for \(pipeline)") }
            for event in events {
                print("\(event.at)  \(event.alias): \(event.fromVersion.map(String.init) ?? "-") → \(event.toVersion)  by \(Printable.escaped(event.actor))  (\(Printable.escaped(event.reason)))")
            }
        }
    }
}
