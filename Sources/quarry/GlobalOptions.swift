import ArgumentParser
import Foundation
import QuarryCore
import QuarryTrack

/// Options every command shares: where the home and the configuration are.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: "The Quarry home directory (default: .quarry beside the config file or in the working directory; env QUARRY_HOME).")
    var home: String?

    @Option(name: .long, help: "A YAML configuration file (default: $QUARRY_CONFIG, or ./quarry.yaml when present).")
    var config: String?

    /// The configuration: defaults, file, environment.
    func loadConfiguration() throws -> QuarryConfiguration {
        try ConfigurationLoader.load(file: config)
    }

    /// The home chosen by flag, configuration or default.
    func resolveHome(_ configuration: QuarryConfiguration) -> QuarryHome {
        QuarryHome(explicit: home, configuration: configuration)
    }
}

/// The collection a command works on.
struct CollectionOption: ParsableArguments {
    @Option(name: .long, help: "The collection name (1-64 of a-z 0-9 _ -).")
    var collection: String = "default"
}

/// Writing to the terminal: results to stdout, diagnostics to stderr.
enum Terminal {
    static var isInteractive: Bool { isatty(STDERR_FILENO) == 1 }

    static func error(_ message: String) {
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }

    static func json<T: Encodable>(_ value: T) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        print(String(decoding: try encoder.encode(value), as: UTF8.self))
    }
}

/// An error already explained to the user; the command only has to exit non-zero.
struct ReportedFailure: Error, CustomStringConvertible {
    var description: String
}

/// Opening tracking runs for commands that report into tracking.
enum Tracking {
    /// A recorder for a new run in the home's tracking store. Tracking problems become
    /// warnings on stderr, never a failed command.
    static func recorder(home: QuarryHome, experiment: String, name: String, configuration: QuarryConfiguration,
                         tags: [String: String] = [:]) -> RunRecorder? {
        do {
            let store = try SQLiteTrackingStore(home: home)
            let recorder = RunRecorder(store: store, experiment: experiment, name: name,
                                       configHash: ContentHash.sha256(String(describing: configuration)), tags: tags)
            report(recorder)
            return recorder
        } catch {
            Terminal.error("warning: tracking: \(error)")
            return nil
        }
    }

    /// Prints and forgets the recorder's warnings.
    static func report(_ recorder: RunRecorder?) {
        for warning in recorder?.warnings ?? [] { Terminal.error("warning: \(warning)") }
    }
}
