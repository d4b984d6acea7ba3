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
    func catalog() async throws {
        let e5 = try embedder()
        var configuration = QuarryConfiguration()
        configuration.embedding.model = Self.models.appendingPathComponent("all-MiniLM-L6-v2").path
        let configured = HashEmbedder()
        let catalog = EmbedderCatalog(configuration: configuration, configured: configured)
        #expect(try await catalog.embedder(for: configured.identity).identity == configured.identity)
        // Concurrent first askers share one load.
        async let first = catalog.embedder(for: e5.identity)
        async let second = catalog.embedder(for: e5.identity)
        let (a, b) = try await (first, second)
        #expect(a.identity == e5.identity && (a as? E5Embedder)?.encoder === (b as? E5Embedder)?.encoder)
        var other = e5.identity
        other.checksum = "0123456789abcdef"
        await #expect { try await catalog.embedder(for: other) } throws: { error in
            (error as? EmbedError)?.message.contains("not the collection's model") == true
        }
        other.model = "no-such-model"
        await #expect { try await catalog.embedder(for: other) } throws: { error in
            (error as? EmbedError)?.message.contains("no model folder no-such-model") == true
        }
        other.model = "../multilingual-e5-small"
        await #expect(throws: EmbedError.self) { try await catalog.embedder(for: other) }
        other = e5.identity
        other.kind = "http"
        await #expect(throws: EmbedError.self) { try await catalog.embedder(for: other) }
        #expect(try await catalog.embedder(named: "multilingual-e5-small").identity == e5.identity)
        await #expect(throws: EmbedError.self) { try await catalog.embedder(named: "../x") }
    }

    @Test("a model folder whose e5 file is not an E5S1 file gets the reader's error")
    func brokenE5File() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        _ = try dir.write(E5Encoder.fileName, "version https://git-lfs.github.com/spec/v1\n")
        let error = #expect(throws: ModelError.self) { try NativeEmbedder.open(modelDirectory: dir.url) }
        #expect(error?.description.contains("E5S1") == true, "\(String(describing: error))")
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
        // e5's prefixes are stored snake_case, like the rest of the manifest, and printed.
        let e5 = try embedder().identity
        let stored = String(decoding: try encoder.encode(e5), as: UTF8.self)
        #expect(stored.contains(#""query_prefix":"query: ""#) && stored.contains(#""passage_prefix":"passage: ""#))
        #expect(try JSONDecoder().decode(EmbedderIdentity.self, from: Data(stored.utf8)) == e5)
        #expect(e5.description.hasSuffix(#"(mean, 384-d, query "query: ", passage "passage: ")"#), "\(e5.description)")
    }
}
