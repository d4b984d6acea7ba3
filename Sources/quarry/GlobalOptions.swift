import ArgumentParser
import Foundation
import QuarryCore

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
