import ArgumentParser
import Foundation
import QuarryCore
import QuarryEmbed
import QuarryModels

/// `quarry embed`: prints the vector of a text, to debug and to compare with other stacks.
struct EmbedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Print the embedding of a text with the configured embedder.",
        discussion: """
            Examples:
              quarry embed --text "This is an example sentence"
              quarry embed --text "query text" --json
              quarry embed --text "x" --model /path/to/bert-model-folder
            """
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var embedding: EmbeddingOptions

    @Option(help: "The text to embed (default: standard input).")
    var text: String?

    @Flag(help: "Print JSON: the embedder's identity, token count and vector.")
    var json = false

    struct Output: Encodable {
        var embedder: EmbedderIdentity
        var tokens: Int?
        var vector: [Float]
    }

    func run() async throws {
        let configuration = try embedding.apply(to: global.loadConfiguration())
        guard let embedder = try EmbedderFactory.make(configuration) else {
            throw ValidationError("embedding.provider is none; choose --embedder native or http")
        }
        if let native = embedder as? NativeEmbedder, !json { Terminal.error("note: \(BLAS.kernelDescription), \(native.identity)") }
        let input = try text ?? readStandardInput()
        let vector = try await embedder.embed(input)
        if json { return try Terminal.json(Output(embedder: embedder.identity, tokens: embedder.countTokens(input), vector: vector)) }
        print(vector.map { String(format: "%.7g", $0) }.joined(separator: " "))
    }

    private func readStandardInput() throws -> String {
        guard let text = String(data: FileHandle.standardInput.readDataToEndOfFile(), encoding: .utf8) else {
            throw ValidationError("standard input is not valid UTF-8")
        }
        return text
    }
}

/// Flags that override the `embedding` section of the configuration.
struct EmbeddingOptions: ParsableArguments {
    @Option(help: "Embedder: native, http or none (default: embedding.provider, native).")
    var embedder: String?

    @Option(help: "Native model folder in Hugging Face layout (default: embedding.model).")
    var model: String?

    func apply(to configuration: QuarryConfiguration) throws -> QuarryConfiguration {
        var configuration = configuration
        if let embedder { configuration.embedding.provider = embedder }
        if let model {
            configuration.embedding.model = URL(fileURLWithPath: model).standardizedFileURL.path
        }
        try configuration.validate()
        return configuration
    }
}
