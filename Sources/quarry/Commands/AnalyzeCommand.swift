import ArgumentParser
import Foundation
import QuarryCore
import QuarryText

/// `quarry analyze`: shows the tokens an analyzer makes, like Elasticsearch's `_analyze`.
struct AnalyzeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyze",
        abstract: "Show the tokens an analyzer produces, with offsets.",
        discussion: """
            Offsets count Unicode scalars (as Python's str does), end exclusive.

            Examples:
              quarry analyze --text "Running foxes aren't sleeping"
              quarry analyze --text "天安门广场是北京的中心" --json
              echo "Les élèves étudient" | quarry analyze --analyzer standard
              quarry analyze --text "Die Kinder spielen im Garten" --analyzer auto

            The auto analyzer identifies the text's language (CLD2) and uses that
            language's chain; --language names the language instead.
            """
    )

    @Option(help: "The text to analyze (default: standard input).")
    var text: String?

    @Option(help: "The analyzer: \(Analyzers.names.joined(separator: ", ")).")
    var analyzer: String = Analyzers.defaultName

    @Option(help: "The text's language as an ISO 639-1 code (auto analyzer; default: identified).")
    var language: String?

    @Flag(help: "Print JSON.")
    var json = false

    struct Output: Encodable {
        var analyzer: String
        /// What identification said (auto analyzer, no --language).
        var language: LanguageGuess?
        /// The chain the tokens came from (auto analyzer).
        var chain: String?
        var tokens: [Token]
    }

    func run() async throws {
        let input: String
        if let text {
            input = text
        } else {
            let data = FileHandle.standardInput.readDataToEndOfFile()
            guard let decoded = String(data: data, encoding: .utf8) else { throw ValidationError("standard input is not valid UTF-8") }
            input = decoded
        }
        let chosen = try Analyzers.named(analyzer)
        var guess: LanguageGuess?
        var chain: String?
        let tokens: [Token]
        if chosen.isLanguageAware {
            let code: String
            if let language {
                code = language
            } else {
                let identified = LanguageIdentifier.identify(input)
                guess = identified
                code = identified.code
            }
            chain = LanguageChain.forLanguage(code).name
            tokens = try chosen.analyze(input, language: code)
        } else {
            tokens = try chosen.analyze(input)
        }
        if json {
            try Terminal.json(Output(analyzer: chosen.name, language: guess, chain: chain, tokens: tokens))
            return
        }
        if let chain { print("language: \(guess?.summary ?? language ?? "") → \(chain) chain") }
        print("position  start  end  term")
        for token in tokens {
            print("\(pad(token.position, 8))  \(pad(token.start, 5))  \(pad(token.end, 3))  \(Printable.escaped(token.term))")
        }
    }

    private func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: " ", count: max(0, width - text.count)) + text
    }
}
