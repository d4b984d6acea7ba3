import ArgumentParser
import GRDB
import QuarryStore

/// The `quarry` command: a thin layer over the libraries; each subcommand builds its
/// configuration and calls into one of them.
@main
struct Quarry: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quarry",
        abstract: "Quarry: self-hosted retrieval-augmented generation.",
        discussion: """
            Examples:
              quarry ingest corpora/demo --collection demo
              quarry collections show demo
              quarry analyze --text "The quick brown foxes" --analyzer english
            """,
        version: QuarryVersion.string,
        subcommands: [IngestCommand.self, QueryCommand.self, SearchCommand.self, EmbedCommand.self, GenerateCommand.self, EvalCommand.self, AnalyzeCommand.self, CollectionsCommand.self,
                      RunsCommand.self, RegistryCommand.self, ServeCommand.self, DriftCommand.self]
    )

    /// ArgumentParser's own entry point, except that a SQLite error reaching the top says
    /// what it means (a page that failed its checksum) instead of "disk I/O error".
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asynchronous = command as? AsyncParsableCommand {
                try await asynchronous.run()
            } else {
                try command.run()
            }
        } catch let error as DatabaseError where SQLitePages.isDamagedPage(error) {
            exit(withError: DamagedFile(description: "\(SQLitePages.describe(error)) (\(error.sql.map { "while reading: \($0.prefix(60))…" } ?? "SQLite"))"))
        } catch {
            exit(withError: error)
        }
    }

    struct DamagedFile: Error, CustomStringConvertible {
        var description: String
    }
}

enum QuarryVersion {
    static let string = "0.1.0"
}
