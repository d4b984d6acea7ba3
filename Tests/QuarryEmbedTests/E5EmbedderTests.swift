import Foundation
import QuarryCore
import QuarryEmbed
import QuarryIngest
import QuarryModels
import QuarryTesting
import Testing

/// multilingual-e5-small behind the `Embedder` seam: prefixes, the chunk budget, the
/// vocabulary fit, and the catalog that finds a collection's own model.
@Suite struct E5EmbedderTests {
    static let models = Fixtures.packageRoot().appendingPathComponent("models")
    static let e5 = models.appendingPathComponent("multilingual-e5-small")
    static let loaded: Result<E5Embedder, Error> = Result { try E5Embedder(modelDirectory: e5) }

    func embedder() throws -> E5Embedder {
        do {
            return try Self.loaded.get()
        } catch {
            Issue.record("multilingual-e5-small is not in models/ (run scripts/fetch-model multilingual-e5-small): \(error)")
            throw error
        }
    }

    @Test("the identity declares the prefixes, and a role puts its prefix in front")
    func prefixes() async throws {
        let embedder = try embedder()
        #expect(embedder.identity.queryPrefix == "query: " && embedder.identity.passagePrefix == "passage: ")
        #expect(embedder.identity.model == "multilingual-e5-small" && embedder.identity.dimension == 384)
        let text = "¿Cuántos balones interceptó Josh Norman?"
        let query = try await embedder.embed(text, as: .query)
        #expect(query == embedder.encoder.encode(["query: " + text])[0])
        let passage = try await embedder.embed([text], as: .passage)[0]
        #expect(passage == embedder.encoder.encode(["passage: " + text])[0])
        #expect(query != passage)
    }

    @Test("chunks counted with the unigram pieces fit 256 positions with <s>, </s> and the passage prefix")
    func chunksFit() throws {
        let embedder = try E5Embedder(modelDirectory: Self.e5, maxSequenceLength: 256)
        #expect(embedder.specialTokenCount == 4, "<s>, </s>, ▁passage and :")
        let counter = try #require(embedder.tokenCounter)
        let chunker = Chunker(settings: .init(maxTokens: 256, overlapTokens: 32), counter: counter, modelLimit: embedder.maxInputTokens)
        let sentence = (0 ..< 40).map { "Ξυλοφωνιστικά\($0) 検索拡張生成 Antidisestablishmentarianismus" }.joined(separator: ", ") + "."
        let doc = MarkdownReader().parse("# Überschrift\n" + Array(repeating: sentence, count: 4).joined(separator: " "), fallbackTitle: "T")
        let chunks = try chunker.chunk(doc)
        #expect(chunks.count > 5)
        for chunk in chunks {
            let input = "passage: " + Chunker.embeddingInput(context: chunk.context, text: chunk.text)
            let pieces = embedder.encoder.tokenizer.countTokens(input) + 2
            #expect(pieces <= 256, "chunk at \(chunk.start) has \(pieces) pieces with specials")
        }
    }

    @Test("vocabulary fit: ▁-words whole or cut, pieces of spaceless scripts each a word, digits no word")
    func vocabularyFit() throws {
        let embedder = try embedder()
        #expect(embedder.vocabularyFit("The cat sat on the mat.") == VocabularyFit(words: 6, whole: 6))
        #expect(embedder.vocabularyFit("2024 -- 3.14 !!") == VocabularyFit())
        #expect(embedder.vocabularyFit("")?.share == nil)
        let chinese = try #require(embedder.vocabularyFit("检索增强生成是一种结合搜索和大语言模型的方法"))
        #expect(chinese.words > 3 && chinese.whole == chinese.words)
        // A multilingual vocabulary reads German and Arabic far better than MiniLM's does
        // (Arabic clitics such as و and ال are pieces of their own, so its share is lower).
        let german = try #require(embedder.vocabularyFit("Die Bundesregierung verabschiedete das neue Gesetz nach langer Debatte im Bundestag.")?.share)
        let arabic = try #require(embedder.vocabularyFit("يدور القمر حول الأرض مرة كل شهر، والمد والجزر سببه جاذبية القمر.")?.share)
        #expect(german > 0.6 && arabic > 0.5, "german \(german), arabic \(arabic)")
        #expect(embedder.scripts?.isSuperset(of: ["Latn", "Arab", "Hani", "Thai", "Cyrl", "Deva"]) == true)
    }

    @Test("a model folder opens as what it holds; one with neither model is a clear error")
    func openByFolder() throws {
        _ = try embedder()
        #expect(try NativeEmbedder.open(modelDirectory: Self.e5) is E5Embedder)
        #expect(try NativeEmbedder.open(modelDirectory: Self.models.appendingPathComponent("all-MiniLM-L6-v2")) is NativeEmbedder)
        let empty = try TemporaryDirectory()
        defer { empty.remove() }
        let error = #expect(throws: EmbedError.self) { try NativeEmbedder.open(modelDirectory: empty.url) }
        #expect(error?.description.contains("e5-small-q4.bin") == true && error?.description.contains("scripts/fetch-model") == true)
    }

    @Test("the catalog finds a collection's own model beside the configured one, and refuses a look-alike")
    func catalog() throws {
        let e5 = try embedder()
        var configuration = QuarryConfiguration()
        configuration.embedding.model = Self.models.appendingPathComponent("all-MiniLM-L6-v2").path
        let configured = HashEmbedder()
        let catalog = EmbedderCatalog(configuration: configuration, configured: configured)
        #expect(try catalog.embedder(for: configured.identity).identity == configured.identity)
        #expect(try catalog.embedder(for: e5.identity).identity == e5.identity)
        var other = e5.identity
        other.checksum = "0123456789abcdef"
        let lookAlike = #expect(throws: EmbedError.self) { try catalog.embedder(for: other) }
        #expect(lookAlike?.description.contains("not the collection's model") == true)
        other.model = "no-such-model"
        let missing = #expect(throws: EmbedError.self) { try catalog.embedder(for: other) }
        #expect(missing?.description.contains("no folder no-such-model") == true)
        other.model = "../multilingual-e5-small"
        #expect(throws: EmbedError.self) { try catalog.embedder(for: other) }
        other = e5.identity
        other.kind = "http"
        #expect(throws: EmbedError.self) { try catalog.embedder(for: other) }
    }

    @Test("identities stored before prefixes existed read back equal, and MiniLM's encodes as before")
    func identityCompatibility() throws {
        let old = #"{"checksum":"53aa51172d142c89","dimension":384,"kind":"native","model":"all-MiniLM-L6-v2","pooling":"mean"}"#
        let identity = try JSONDecoder().decode(EmbedderIdentity.self, from: Data(old.utf8))
        #expect(identity == EmbedderIdentity(kind: "native", model: "all-MiniLM-L6-v2", checksum: "53aa51172d142c89", pooling: "mean", dimension: 384))
        #expect(identity.prefix(for: .query) == "")
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let encoded = String(decoding: try encoder.encode(identity), as: UTF8.self)
        #expect(encoded == old, "\(encoded)")
    }
}
