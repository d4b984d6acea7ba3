import ArgumentParser

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
}

enum QuarryVersion {
    static let string = "0.1.0"
}
