import Foundation
import QuarryCore
import QuarryEmbed
import QuarryIngest
import QuarryIndex
import QuarryRetrieve
import QuarryStore
import QuarryTesting
import QuarryText
import Testing

/// A reranker that prefers shorter passages, so its order is predictable and unlike BM25's.
struct ShortestFirstReranker: Reranker {
    var identity: String { "test:shortest-first" }
    func scores(query: String, passages: [String]) async throws -> [Float] {
        passages.map { -Float($0.count) }
    }
}

struct FailingReranker: Reranker {
    var identity: String { "test:failing" }
    func scores(query: String, passages: [String]) async throws -> [Float] {
        throw RetrieveError("rerank endpoint is down")
    }
}

@Suite struct RetrieverTests {
    /// 40 documents about animals with metadata; documents 0-3 are in "zoo", the rest "wild".
    static func collection(_ dir: TemporaryDirectory, embedder: HashEmbedder = HashEmbedder(dimension: 32)) async throws -> QuarryHome {
        var lines: [String] = []
        for i in 0 ..< 40 {
            let place = i < 4 ? "zoo" : "wild"
            let text = i % 2 == 0 ? "The zebra number \(i) grazes on grass in the savanna." : "A penguin number \(i) swims in icy water."
            lines.append(#"{"_id": "d\#(i)", "title": "", "text": "\#(text)", "metadata": {"place": "\#(place)", "year": \#(2000 + i)}}"#)
        }
        try dir.write("corpus.jsonl", lines.joined(separator: "\n") + "\n")
        let home = QuarryHome(url: dir.url.appendingPathComponent("home"))
        var options = IngestOptions(paths: [dir.path + "/corpus.jsonl"], collection: "animals",
                                    settings: CollectionSettings(analyzer: "english", chunking: ChunkingSettings(), tokenCounter: "words",
                                                                 embedder: embedder.identity))
        options.embedder = embedder
        _ = try await Ingestor(home: home, options: options).run()
        return home
    }

    @Test("filters parse into conditions; bad fields, operators and numbers are refused with the expression")
    func filterParsing() throws {
        let filter = try MetadataFilter.parse(["place=zoo", "year>=2002", "tag in a|b", "draft!=true", "year<2010"])
        #expect(filter.conditions.count == 5)
        #expect(filter.conditions[0] == .oneOf(field: "place", values: ["zoo"]))
        #expect(filter.conditions[2] == .oneOf(field: "tag", values: ["a", "b"]))
        for bad in ["place", "=zoo", "year>=soon", "a'b=1", "x in ", "a..b=1"] {
            #expect(throws: RetrieveError.self) { try MetadataFilter.parse([bad]) }
        }
        do {
            _ = try MetadataFilter.parse(["year>=soon"])
        } catch let error as RetrieveError {
            #expect(error.description.contains("year>=soon"))
        }
    }

    @Test("filters past the documented limits are refused by name; a 1,000-value list and != on an absent field still run")
    func filterLimits() async throws {
        let many = (0 ..< 1000).map { "year!=\($0)" }
        let refused = #expect(throws: RetrieveError.self) { try MetadataFilter.parse(many) }
        #expect(refused?.description.contains("at most \(MetadataFilter.maxConditions) conditions") == true)
        let longList = "year in " + (0 ..< 2000).map(String.init).joined(separator: "|")
        #expect(throws: RetrieveError.self) { try MetadataFilter.parse([longList]) }

        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let embedder = HashEmbedder(dimension: 32)
        let home = try await Self.collection(dir, embedder: embedder)
        let retriever = try await Retriever.open(home: home, collection: "animals", embedder: embedder)
        var options = RetrievalOptions()
        options.mode = .lexical
        options.k = 50
        options.mergeAdjacent = false
        options.filter = try MetadataFilter.parse(["year in " + (1000 ..< 2002).map(String.init).joined(separator: "|")])  // d0, d1
        #expect(try await retriever.retrieve("zebra penguin number", options: options).allowedChunks == 2)
        options.filter = try MetadataFilter.parse((0 ..< MetadataFilter.maxConditions).map { "missing\($0)!=x" })
        #expect(try await retriever.retrieve("zebra penguin number", options: options).allowedChunks == 40, "an absent field is != any value")
    }

    @Test("a filter applies to both sides before top-k: every hit is allowed and k hits come back when k qualify")
    func filtersBothSides() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let embedder = HashEmbedder(dimension: 32)
        let home = try await Self.collection(dir, embedder: embedder)
        let retriever = try await Retriever.open(home: home, collection: "animals", embedder: embedder)
        for mode in SearchMode.allCases {
            var options = RetrievalOptions()
            options.mode = mode
            options.k = 2
            options.mergeAdjacent = false
            options.filter = try MetadataFilter.parse(["place=zoo", "year>=2001"])  // d1, d2, d3
            let result = try await retriever.retrieve("zebra number", options: options)
            #expect(result.allowedChunks == 3)
            #expect(Set(result.hits.map(\.docID)).isSubset(of: ["d1", "d2", "d3"]), "\(mode)")
            #expect(result.hits.count == 2, "\(mode)")
            if mode != .dense { #expect(result.hits.first?.docID == "d2", "\(mode): the one zoo zebra after 2000") }
        }
        var options = RetrievalOptions()
        options.filter = try MetadataFilter.parse(["place in moon|mars"])
        let none = try await retriever.retrieve("zebra", options: options)
        #expect(none.hits.isEmpty && none.allowedChunks == 0)
    }

    @Test("each hit carries its per-stage ranks and scores; stages are timed")
    func explain() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let embedder = HashEmbedder(dimension: 32)
        let home = try await Self.collection(dir, embedder: embedder)
        let retriever = try await Retriever.open(home: home, collection: "animals", embedder: embedder)
        var options = RetrievalOptions()
        options.k = 5
        let result = try await retriever.retrieve("penguin swims", options: options)
        #expect(result.hits.count == 5)
        #expect(result.denseTrust == 1)
        for (i, hit) in result.hits.enumerated() {
            let stages = try #require(hit.stages)
            #expect(stages.fusedRank == i + 1 && stages.fusedScore == hit.score)
            #expect(stages.lexicalRank != nil || stages.denseRank != nil)
        }
        for stage in [RetrievalStage.analysis, .embedding, .lexical, .dense, .fusion, .details] {
            #expect(result.timings[stage] != nil, "\(stage)")
        }
    }

    @Test("the reranker reorders the fused head; a failing reranker is an error, not a silent skip")
    func rerank() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let embedder = HashEmbedder(dimension: 32)
        let home = try await Self.collection(dir, embedder: embedder)
        var options = RetrievalOptions()
        options.k = 4
        options.rerank = true
        options.mergeAdjacent = false
        let retriever = try await Retriever.open(home: home, collection: "animals", embedder: embedder, reranker: ShortestFirstReranker())
        let result = try await retriever.retrieve("zebra number", options: options)
        #expect(result.reranker == "test:shortest-first")
        let lengths = result.hits.map(\.text.count)
        #expect(lengths == lengths.sorted())
        #expect(result.hits.allSatisfy { $0.stages?.rerankRank == $0.rank })
        let failing = try await Retriever.open(home: home, collection: "animals", embedder: embedder, reranker: FailingReranker())
        await #expect(throws: RetrieveError.self) { _ = try await failing.retrieve("zebra", options: options) }
        let none = try await Retriever.open(home: home, collection: "animals", embedder: embedder)
        await #expect(throws: RetrieveError.self) { _ = try await none.retrieve("zebra", options: options) }
    }

    @Test("dense weight follows the embedder's script coverage: a blind embedder leaves the BM25 order")
    func scriptAwareFusion() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write("docs/a.txt", "القمر يدور حول الأرض")
        try dir.write("docs/b.txt", "الشمس نجم كبير")
        try dir.write("docs/c.txt", "the moon orbits the earth")
        let embedder = HashEmbedder(dimension: 32, scripts: ["Latn"])
        let home = QuarryHome(url: dir.url.appendingPathComponent("home"))
        var ingest = IngestOptions(paths: [dir.path + "/docs"], collection: "mixed",
                                   settings: CollectionSettings(analyzer: "standard", chunking: ChunkingSettings(), tokenCounter: "words",
                                                                embedder: embedder.identity))
        ingest.embedder = embedder
        _ = try await Ingestor(home: home, options: ingest).run()
        let retriever = try await Retriever.open(home: home, collection: "mixed", embedder: embedder)
        var options = RetrievalOptions()
        options.k = 3
        let arabic = try await retriever.retrieve("القمر", options: options)
        #expect(arabic.denseTrust == 0)
        #expect(arabic.hits.map(\.docID) == ["a.txt"], "only BM25's hit: the blind dense list takes no part")
        #expect(arabic.timings[.embedding] == nil)
        #expect(arabic.notes.contains { $0.contains("Arab") })
        let english = try await retriever.retrieve("moon", options: options)
        #expect(english.denseTrust == 1)
        #expect(english.hits.count == 3, "the dense side contributes every document")
        #expect(abs(embedder.coverage(of: "moon القمر") - 4.0 / 9.0) < 1e-9)
        #expect(Fusion.denseTrust(coverage: 4.0 / 9.0) == 0)
        #expect(Fusion.denseTrust(coverage: 0.75) == 0.5)
        #expect(Fusion.denseTrust(coverage: 1) == 1)
    }

    @Test("auto fusion trusts MiniLM by how many words its vocabulary holds: English fully, German in part; --explain says why")
    func vocabularyTrust() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let embedder = try NativeEmbedder(modelDirectory: Fixtures.packageRoot().appendingPathComponent("models/all-MiniLM-L6-v2"))
        let home = QuarryHome(url: dir.url.appendingPathComponent("home"))
        let texts = [
            "en": ["The moon orbits the earth once a month.", "Tides are caused by the pull of the moon.", "Bread rises because yeast makes gas."],
            "de": ["Der Mond umkreist die Erde einmal im Monat.", "Die Gezeiten entstehen durch die Anziehungskraft des Mondes.",
                   "Brot geht auf, weil die Hefe Gärgase erzeugt."],
        ]
        for (language, documents) in texts {
            for (i, text) in documents.enumerated() { try dir.write("\(language)/\(i).txt", text) }
            var ingest = IngestOptions(paths: [dir.path + "/\(language)"], collection: language,
                                       settings: CollectionSettings(analyzer: "auto", chunking: ChunkingSettings(), tokenCounter: "words",
                                                                    embedder: embedder.identity))
            ingest.embedder = embedder
            _ = try await Ingestor(home: home, options: ingest).run()
        }
        var options = RetrievalOptions()
        options.k = 3
        let english = try await Retriever.open(home: home, collection: "en", embedder: embedder)
        #expect(try #require(english.dense?.vocabularyFit?.share) > 0.9)
        let moon = try await english.retrieve("What causes the tides?", options: options)
        #expect(moon.denseTrust == 1)
        #expect(moon.hits.first?.docID == "1.txt")
        #expect(moon.fusion?.hasPrefix("auto: dense weight 0.70") == true, "\(moon.fusion ?? "nil")")
        let german = try await Retriever.open(home: home, collection: "de", embedder: embedder)
        let fit = try #require(german.dense?.vocabularyFit?.share)
        #expect(fit < 0.6)
        let tides = try await german.retrieve("Wodurch entstehen die Gezeiten?", options: options)
        let trust = try #require(tides.denseTrust)
        #expect(trust > 0 && trust < 0.7, "German through an English vocabulary: trust \(trust)")
        #expect(tides.hits.first?.docID == "1.txt")
        #expect(tides.fusion?.contains("vocabulary") == true && tides.fusion?.contains("collection") == true)
        // A fixed method keeps its own weights but the same trust.
        options.fusion = .reciprocalRank(k: 60)
        let rrf = try await german.retrieve("Wodurch entstehen die Gezeiten?", options: options)
        #expect(rrf.denseTrust == trust && rrf.fusion?.hasPrefix("rrf (k 60)") == true)
    }

    @Test("a collection embedded with multilingual-e5 is searched with it while MiniLM is configured; without the catalog it falls back to lexical")
    func collectionsOwnEmbedder() async throws {
        let models = Fixtures.packageRoot().appendingPathComponent("models")
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let e5: any Embedder
        do {
            e5 = try NativeEmbedder.open(modelDirectory: models.appendingPathComponent("multilingual-e5-small"))
        } catch {
            Issue.record("multilingual-e5-small is not in models/ (run scripts/fetch-model multilingual-e5-small): \(error)")
            return
        }
        let minilm = try NativeEmbedder(modelDirectory: models.appendingPathComponent("all-MiniLM-L6-v2"))
        let home = QuarryHome(url: dir.url.appendingPathComponent("home"))
        for (i, text) in ["يدور القمر حول الأرض مرة كل شهر.", "المد والجزر سببه جاذبية القمر.", "ينتفخ الخبز لأن الخميرة تنتج غازا."].enumerated() {
            try dir.write("ar/\(i).txt", text)
        }
        var ingest = IngestOptions(paths: [dir.path + "/ar"], collection: "ar",
                                   settings: CollectionSettings(analyzer: "auto", chunking: ChunkingSettings(), tokenCounter: "words",
                                                                embedder: e5.identity))
        ingest.embedder = e5
        _ = try await Ingestor(home: home, options: ingest).run()
        var configuration = QuarryConfiguration()
        configuration.embedding.model = models.appendingPathComponent("all-MiniLM-L6-v2").path
        let catalog = EmbedderCatalog(configuration: configuration, configured: minilm)
        var options = RetrievalOptions()
        options.k = 3
        options.mode = .dense
        let retriever = try await Retriever.open(home: home, collection: "ar", embedder: minilm, catalog: catalog)
        #expect(retriever.dense?.embedder.identity == e5.identity)
        // No word of the query is in the answer: only the model's meaning finds it.
        let tides = try await retriever.retrieve("ما سبب ظاهرة المد؟", options: options)
        #expect(tides.hits.first?.docID == "1.txt", "\(tides.hits.map(\.docID))")
        let plain = try await Retriever.open(home: home, collection: "ar", embedder: minilm)
        #expect(plain.dense == nil && plain.denseUnavailable?.contains("multilingual-e5-small") == true)
    }

    @Test("weighted fusion: trust scales each list; trust 0 removes it")
    func trust() {
        let lexical = scored([(1, 9), (2, 8)])
        let dense = scored([(3, 0.9), (2, 0.8)])
        let blind = Fusion.reciprocalRank(k: 60).fuse([lexical, dense], trust: [1, 0])
        #expect(blind.map(\.chunkID) == [1, 2])
        #expect(blind.map(\.score) == [9, 8], "one trusted list comes back unchanged")
        let half = Fusion.reciprocalRank(k: 60).fuse([lexical, dense], trust: [1, 0.5])
        // 2: 1/62 + 0.5/62; 1: 1/61; 3: 0.5/61.
        #expect(half.map(\.chunkID) == [2, 1, 3])
        #expect(abs(Double(half[0].score) - 1.5 / 62) < 1e-6)
        let convex = Fusion.convex(denseWeight: 0.5, normalization: .minMax).fuse([lexical, dense], trust: [1, 0])
        #expect(convex.map(\.chunkID) == [1, 2])
    }

    @Test("adjacent chunks of one document merge into one hit over the document's own text")
    func mergeAdjacent() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let sentences = (0 ..< 30).map { "Sentence \($0) talks about comets and their long tails." }
        try dir.write("docs/long.txt", sentences.joined(separator: " "))
        let home = QuarryHome(url: dir.url.appendingPathComponent("home"))
        let ingest = IngestOptions(paths: [dir.path + "/docs"], collection: "long",
                                   settings: CollectionSettings(analyzer: "english", chunking: ChunkingSettings(maxTokens: 40, overlapTokens: 0),
                                                                tokenCounter: "words", embedder: nil))
        _ = try await Ingestor(home: home, options: ingest).run()
        let retriever = try await Retriever.open(home: home, collection: "long", embedder: nil)
        var options = RetrievalOptions()
        options.mode = .lexical
        options.k = 3
        options.mergeAdjacent = false
        let separate = try await retriever.retrieve("comets tails", options: options)
        #expect(separate.hits.count == 3)
        options.mergeAdjacent = true
        let merged = try await retriever.retrieve("comets tails", options: options)
        let first = try #require(merged.hits.first)
        #expect((first.mergedChunks?.count ?? 1) > 1)
        let document = Array(sentences.joined(separator: " ").unicodeScalars)
        var view = String.UnicodeScalarView()
        view.append(contentsOf: document[first.start ..< first.end])
        #expect(first.text == String(view))
    }

    @Test("without a dense side the configured mode falls back to lexical and says why; an explicit mode is refused with the reason")
    func modeFallback() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let embedder = HashEmbedder(dimension: 32)
        let home = try await Self.collection(dir, embedder: embedder)
        let configured = RetrievalOptions(RetrievalSettings())
        #expect(configured.mode == .hybrid && configured.modeFallback)
        for (other, why) in [(nil, "no embedder is configured"), (HashEmbedder(dimension: 16), "the configured embedder is")] as [(HashEmbedder?, String)] {
            let retriever = try await Retriever.open(home: home, collection: "animals", embedder: other)
            #expect(retriever.dense == nil)
            let fallen = try await retriever.retrieve("zebra", options: configured)
            #expect(fallen.mode == .lexical)
            #expect(fallen.notes.contains { $0.contains(why) && $0.hasSuffix("lexical retrieval only") }, "\(fallen.notes)")
            var explicit = configured
            explicit.mode = .dense
            explicit.modeFallback = false
            let error = await #expect(throws: RetrieveError.self) { try await retriever.retrieve("zebra", options: explicit) }
            #expect(error?.description.contains(why) == true && error?.description.contains("dense retrieval cannot run") == true)
        }
    }

    @Test("script profiles and vocabulary coverage")
    func scripts() {
        let profile = ScriptProfile("Hello مرحبا 123 世界")
        #expect(profile.letters == ["Latn": 5, "Arab": 5, "Hani": 2])
        #expect(profile.dominant == "Arab")
        #expect(ScriptProfile("42 !").fraction(in: ["Latn"]) == 1)
        let vocabulary = ["the", "##ing", "a", "ب", "مرحبا"] + (0 ..< 100).map { "word\($0)" }
        #expect(ScriptProfile.vocabularyScripts(vocabulary) == ["Latn"])
    }
}

@Suite struct RerankAndDiversityTests {
    @Test("the native cross-encoder reranker, made from config, gives the model's logits as scores")
    func crossEncoder() async throws {
        let directory = try Fixtures.tinyCrossEncoder()
        var configuration = QuarryConfiguration()
        configuration.rerank.provider = .native
        configuration.rerank.model = directory.path
        let reranker = try #require(try RerankerFactory.make(configuration))
        #expect(reranker.identity == "cross-encoder:tiny-cross-encoder")
        let lines = try String(contentsOf: directory.appendingPathComponent("expected.jsonl"), encoding: .utf8).split(separator: "\n")
        let first = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        let second = try #require(try JSONSerialization.jsonObject(with: Data(lines[1].utf8)) as? [String: Any])
        let query = try #require(first["query"] as? String)
        let scores = try await reranker.scores(query: query, passages: [try #require(first["passage"] as? String),
                                                                        try #require(second["passage"] as? String)])
        #expect(abs(Double(scores[0]) - (first["logit"] as? Double ?? .nan)) < 1e-4)
        #expect(abs(Double(scores[1]) - (second["logit"] as? Double ?? .nan)) < 1e-4)
        // Copies, not the mutated var: closures capture immutable values.
        var missingModel = configuration
        missingModel.rerank.model = "/nonexistent/model"
        let missing = missingModel
        #expect(throws: RetrieveError.self) { _ = try RerankerFactory.make(missing) }
        var noneConfigured = configuration
        noneConfigured.rerank.provider = .none
        #expect(try RerankerFactory.make(noneConfigured) == nil)
    }

    @Test("MMR moves a near-duplicate of the top hit below a different relevant hit")
    func mmr() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write("docs/a.txt", "comet tail dust ice sun")
        try dir.write("docs/b.txt", "comet tail dust ice sun orbit")
        try dir.write("docs/c.txt", "comet nucleus rock")
        let embedder = HashEmbedder(dimension: 64)
        let home = QuarryHome(url: dir.url.appendingPathComponent("home"))
        var ingest = IngestOptions(paths: [dir.path + "/docs"], collection: "c",
                                   settings: CollectionSettings(analyzer: "standard", chunking: ChunkingSettings(), tokenCounter: "words",
                                                                embedder: embedder.identity))
        ingest.embedder = embedder
        _ = try await Ingestor(home: home, options: ingest).run()
        let retriever = try await Retriever.open(home: home, collection: "c", embedder: embedder)
        var options = RetrievalOptions()
        options.mode = .dense
        options.k = 3
        let plain = try await retriever.retrieve("comet tail dust ice sun", options: options)
        #expect(plain.hits.map(\.docID).prefix(2) == ["a.txt", "b.txt"])
        options.mmrLambda = 0.3
        let diverse = try await retriever.retrieve("comet tail dust ice sun", options: options)
        #expect(diverse.hits.map(\.docID) == ["a.txt", "c.txt", "b.txt"])
        #expect(diverse.hits.map { $0.stages?.mmrRank } == [1, 2, 3])
        #expect(diverse.timings[.mmr] != nil)
    }
}
