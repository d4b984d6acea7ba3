import ArgumentParser
import Foundation
import QuarryCore
import QuarryTrack

/// `quarry runs`: the tracking store's runs.
struct RunsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs",
        abstract: "List, inspect, compare, log to and delete tracked runs.",
        discussion: """
            Every `quarry ingest` and `quarry eval run` is a run, with its parameters, metrics and
            artifacts, in <home>/tracking.sqlite.

            Examples:
              quarry runs list --experiment eval-msmarco --filter "metrics.hybrid/ndcg@10 > 0.7"
              quarry runs show 3f2a… --json
              quarry runs compare 3f2a… 9bc1…
              quarry runs log 3f2a… --metric loss=0.4@2 --param note=manual
              quarry runs delete 3f2a…
            """,
        subcommands: [List.self, Show.self, Compare.self, Log.self, Delete.self]
    )

    static func store(_ global: GlobalOptions) throws -> SQLiteTrackingStore {
        try SQLiteTrackingStore(home: global.resolveHome(try global.loadConfiguration()))
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List runs, newest first.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Only runs of this experiment.") var experiment: String?
        @Option(help: "Conditions joined by 'and': metrics.KEY > N, params.KEY = V, tags.KEY = V, status = finished, name = N.")
        var filter: String = ""
        @Option(help: "Most runs to list.") var limit: Int = 50
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let store = try RunsCommand.store(global)
            let runs = try store.searchRuns(experiment: experiment, filter: try RunFilter.parse(filter), limit: limit)
            if json { return try Terminal.json(runs) }
            if runs.isEmpty { return print("no runs") }
            print("ID                                EXPERIMENT            STATUS    STARTED                   NAME")
            for run in runs {
                print("\(run.id.padding(toLength: 33, withPad: " ", startingAt: 0)) \(Printable.escaped(run.experiment).padding(toLength: 21, withPad: " ", startingAt: 0)) \(run.status.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)) \(run.startTime.padding(toLength: 25, withPad: " ", startingAt: 0)) \(Printable.escaped(run.name))")
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a run: params, latest metrics, artifacts.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The run id.") var id: String
        @Option(help: "Print this metric's full history instead.") var history: String?
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let store = try RunsCommand.store(global)
            if let history {
                let points = try store.metricHistory(id, key: history)
                if json { return try Terminal.json(points) }
                for point in points { print("step \(point.step)  \(point.value)  \(point.timestamp)") }
                return
            }
            let details = try store.run(id)
            if json { return try Terminal.json(details) }
            let run = details.run
            print("run \(run.id) (\(run.status.rawValue))\n  experiment: \(Printable.escaped(run.experiment))\n  name: \(Printable.escaped(run.name))")
            print("  started: \(run.startTime)\(run.endTime.map { ", ended: \($0)" } ?? "")")
            print("  source: \(Printable.escaped(run.source))")
            if let commit = run.gitCommit { print("  git: \(commit)") }
            if let hash = run.configHash { print("  config: \(hash)") }
            for (key, value) in run.tags.sorted(by: { $0.key < $1.key }) { print("  tag \(key) = \(Printable.escaped(value))") }
            if !details.params.isEmpty { print("params:") }
            for (key, value) in details.params.sorted(by: { $0.key < $1.key }) { print("  \(key) = \(Printable.escaped(value))") }
            if !details.metrics.isEmpty { print("metrics:") }
            for (key, value) in details.metrics.sorted(by: { $0.key < $1.key }) { print("  \(key) = \(String(format: "%.6g", value))") }
            if !details.artifacts.isEmpty { print("artifacts:") }
            for artifact in details.artifacts { print("  \(artifact.name)  \(artifact.size) bytes  sha256:\(artifact.sha256.prefix(16))") }
        }
    }

    struct Compare: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Compare runs side by side: params that differ, and every metric.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Two or more run ids.") var ids: [String]
        @Flag(help: "Print JSON.") var json = false

        func validate() throws {
            guard ids.count >= 2 else { throw ValidationError("give at least two run ids") }
        }

        func run() async throws {
            let store = try RunsCommand.store(global)
            let runs = try ids.map { try store.run($0) }
            struct Comparison: Encodable {
                var runs: [String]
                var params: [String: [String?]]
                var metrics: [String: [Double?]]
            }
            let paramKeys = Set(runs.flatMap(\.params.keys)).sorted()
            let metricKeys = Set(runs.flatMap(\.metrics.keys)).sorted()
            var comparison = Comparison(runs: ids, params: [:], metrics: [:])
            for key in paramKeys {
                let values = runs.map { $0.params[key] }
                if Set(values.map { $0 ?? "\u{0}" }).count > 1 { comparison.params[key] = values }
            }
            for key in metricKeys { comparison.metrics[key] = runs.map { $0.metrics[key] } }
            if json { return try Terminal.json(comparison) }
            let width = 14
            print("".padding(toLength: 28, withPad: " ", startingAt: 0) + ids.map { String($0.prefix(12)).padding(toLength: width, withPad: " ", startingAt: 0) }.joined())
            if !comparison.params.isEmpty { print("params that differ:") }
            for key in comparison.params.keys.sorted() {
                let cells = comparison.params[key]!.map { String(($0 ?? "-").prefix(width - 1)).padding(toLength: width, withPad: " ", startingAt: 0) }
                print("  " + String(key.prefix(26)).padding(toLength: 26, withPad: " ", startingAt: 0) + cells.joined())
            }
            if !metricKeys.isEmpty { print("metrics:") }
            for key in metricKeys {
                let cells = comparison.metrics[key]!.map { ($0.map { String(format: "%.4f", $0) } ?? "-").padding(toLength: width, withPad: " ", startingAt: 0) }
                print("  " + String(key.prefix(26)).padding(toLength: 26, withPad: " ", startingAt: 0) + cells.joined())
            }
        }
    }

    struct Log: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Log params, metrics or tags to a run (or to a new run with --experiment).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The run id (omit with --experiment to start a new run).") var id: String?
        @Option(help: "Start a new run in this experiment.") var experiment: String?
        @Option(help: "The new run's name.") var name: String = "manual"
        @Option(help: "KEY=VALUE (repeatable; params never change once logged).") var param: [String] = []
        @Option(help: "KEY=VALUE or KEY=VALUE@STEP (repeatable).") var metric: [String] = []
        @Option(help: "KEY=VALUE (repeatable).") var tag: [String] = []
        @Option(help: "End the run with this status: finished, failed or killed.") var end: RunStatus?

        func validate() throws {
            if (id == nil) == (experiment == nil) { throw ValidationError("give a run id or --experiment NAME, not both") }
        }

        static func pair(_ text: String, _ flag: String) throws -> (String, String) {
            guard let eq = text.firstIndex(of: "="), eq != text.startIndex else { throw ValidationError("--\(flag) \(text): expected KEY=VALUE") }
            return (String(text[..<eq]), String(text[text.index(after: eq)...]))
        }

        func run() async throws {
            // One batch, parsed before anything is stored: a bad value starts no run, and a
            // command killed while logging leaves nothing of it half logged.
            var batch = RunBatch()
            for item in param { batch.params.append(try Self.pair(item, "param")) }
            for item in tag { batch.tags.append(try Self.pair(item, "tag")) }
            for item in metric {
                let (key, raw) = try Self.pair(item, "metric")
                let parts = raw.split(separator: "@", maxSplits: 1).map(String.init)
                guard let value = Double(parts[0]) else { throw ValidationError("--metric \(item): \(parts[0]) is not a number") }
                var step = 0
                if parts.count == 2 {
                    guard let parsed = Int(parts[1]) else { throw ValidationError("--metric \(item): step \(parts[1]) is not an integer") }
                    step = parsed
                }
                batch.metrics.append((key, value, step))
            }
            try batch.check()
            let store = try RunsCommand.store(global)
            let runID = try id ?? store.startRun(experiment: experiment!, name: name, source: CommandLine.arguments.joined(separator: " "),
                                                 gitCommit: GitCommit.current(), configHash: nil, tags: [:])
            try store.logBatch(runID, batch)
            if let end { try store.endRun(runID, status: end) }
            if id == nil { print(runID) }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a run and what was logged to it.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The run id.") var id: String

        func run() async throws {
            try RunsCommand.store(global).deleteRun(id)
            print("deleted run \(id)")
        }
    }
}

extension RunStatus: ExpressibleByArgument {}
