import Foundation
import QuarryEmbed
import QuarryIngest
import QuarryTesting
import Testing

@Suite struct NativeEmbedderTests {
    static let model = Fixtures.packageRoot().appendingPathComponent("models/all-MiniLM-L6-v2")

    @Test("chunks counted with the model's tokenizer never exceed its input limit")
    func chunksFitTheModel() throws {
        let embedder = try NativeEmbedder(modelDirectory: Self.model)
        let counter = try #require(embedder.tokenCounter)
        let chunker = Chunker(settings: .init(maxTokens: 256, overlapTokens: 32), counter: counter, modelLimit: embedder.maxInputTokens)
        // Long sentences of rare words that split into many word pieces.
        let sentence = (0 ..< 40).map { "Xylophonistically\($0) antidisestablishmentarianism" }.joined(separator: ", ") + "."
        let text = "# Heading With Several Words\n" + Array(repeating: sentence, count: 5).joined(separator: " ")
        let doc = MarkdownReader().parse(text, fallbackTitle: "Title")
        let chunks = try chunker.chunk(doc)
        #expect(chunks.count > 5)
        for chunk in chunks {
            let input = Chunker.embeddingInput(context: chunk.context, text: chunk.text)
            let pieces = embedder.encoder.tokenizer.countTokens(input) + 2
            #expect(pieces <= 256, "chunk at \(chunk.start) has \(pieces) tokens with specials")
        }
    }

    @Test("vocabulary fit counts the words the WordPiece vocabulary holds whole")
    func vocabularyFit() throws {
        let embedder = try NativeEmbedder(modelDirectory: Self.model)
        #expect(embedder.vocabularyFit("The cat sat on the mat.") == VocabularyFit(words: 6, whole: 6))
        // Numbers and punctuation are not words; an empty text has no share.
        #expect(embedder.vocabularyFit("2024 -- 3.14 !!") == VocabularyFit())
        #expect(embedder.vocabularyFit("")?.share == nil)
        #expect(embedder.vocabularyFit("🙂 🙂")?.share == nil, "an emoji is [UNK], not a word")
        // "xylophonistically" is cut into pieces: a word, not a whole one.
        #expect(embedder.vocabularyFit("xylophonistically cats") == VocabularyFit(words: 2, whole: 1))
        // An English vocabulary reads English whole and German in fragments.
        let english = try #require(embedder.vocabularyFit("The government passed the new law after a long debate in parliament.")?.share)
        let german = try #require(embedder.vocabularyFit("Die Bundesregierung verabschiedete das neue Gesetz nach langer Debatte im Bundestag.")?.share)
        #expect(english > 0.9 && german < 0.6, "english \(english), german \(german)")
    }

    @Test("a missing model folder is a clear error")
    func missingModel() {
        let error = #expect(throws: EmbedError.self) { try NativeEmbedder(modelDirectory: URL(fileURLWithPath: "/nonexistent/model")) }
        #expect(error?.description.contains("scripts/fetch-model") == true)
    }

    @Test("the hash embedder is deterministic, normalised and never a zero vector")
    func hashEmbedder() async throws {
        let embedder = HashEmbedder(dimension: 8)
        let a = try await embedder.embed(["alpha beta", "alpha beta", ""])
        #expect(a[0] == a[1])
        for v in a { #expect(abs(v.reduce(0) { $0 + $1 * $1 } - 1) < 1e-5) }
    }
}
