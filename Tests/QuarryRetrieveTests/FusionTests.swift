import Foundation
import QuarryCore
import QuarryEmbed
import QuarryIngest
import QuarryIndex
import QuarryRetrieve
import QuarryStore
import QuarryTesting
import Testing
import QuarryWire

@Suite struct FusionTests {
    @Test("reciprocal rank fusion sums 1/(k + rank) over the lists")
    func rrf() {
        let lexical = scored([(1, 9), (2, 8), (3, 7)])
        let dense = scored([(3, 0.9), (1, 0.8)])
        let fused = Fusion.reciprocalRank(k: 60).fuse([lexical, dense])
        // 1: 1/61 + 1/62; 3: 1/63 + 1/61; 2: 1/62.
        #expect(fused.map(\.chunkID) == [1, 3, 2])
        #expect(abs(Double(fused[0].score) - (1.0 / 61 + 1.0 / 62)) < 1e-6)
        #expect(abs(Double(fused[1].score) - (1.0 / 63 + 1.0 / 61)) < 1e-6)
        #expect(abs(Double(fused[2].score) - 1.0 / 62) < 1e-6)
    }

    @Test("convex fusion of min-max normalised scores; missing documents count as the minimum")
    func convex() {
        let lexical = scored([(1, 10), (2, 5), (3, 0)])
        let dense = scored([(3, 0.9), (2, 0.5), (4, 0.1)])
        let fused = Fusion.convex(denseWeight: 0.5, normalization: .minMax).fuse([lexical, dense])
        // 1: 0.5·1 + 0.5·0 = 0.5; 2: 0.5·0.5 + 0.5·0.5 = 0.5; 3: 0 + 0.5·1 = 0.5; 4: 0.
        #expect(fused.map(\.chunkID) == [1, 2, 3, 4])
        #expect(fused.prefix(3).allSatisfy { abs($0.score - 0.5) < 1e-6 })
        let denseOnly = Fusion.convex(denseWeight: 1, normalization: .zScore).fuse([lexical, dense])
        #expect(denseOnly.first?.chunkID == 3)
    }

    @Test("auto fusion is convex min-max fusion with the dense weight 0.7 × trust")
    func autoWeights() {
        let lexical = scored([(1, 10), (2, 5), (3, 0)])
        let dense = scored([(3, 0.9), (2, 0.5), (4, 0.1)])
        for trust in [1.0, 0.5, 0.25] {
            let auto = Fusion.auto.fuse([lexical, dense], trust: [1, trust])
            let fixed = Fusion.convex(denseWeight: 0.7 * trust, normalization: .minMax).fuse([lexical, dense])
            #expect(auto == fixed, "trust \(trust)")
        }
        // Full trust: 3 = 0.7·1, 1 = 0.3·1, 2 = 0.3·0.5 + 0.7·0.5 = 0.5, 4 = 0.
        #expect(Fusion.auto.fuse([lexical, dense]).map(\.chunkID) == [3, 2, 1, 4])
        #expect(Fusion.autoWeight(trust: .nan) == 0 && Fusion.autoWeight(trust: 7) == 0.7)
    }

    @Test("auto fusion with an untrusted or empty side returns the other list unchanged")
    func autoOneSide() {
        let lexical = scored([(1, 3), (2, 3), (5, 1)])
        let dense = scored([(3, 0.9), (2, 0.5)])
        #expect(Fusion.auto.fuse([lexical, dense], trust: [1, 0]) == lexical)
        #expect(Fusion.auto.fuse([[], dense]) == dense)
        #expect(Fusion.auto.fuse([[], []]).isEmpty)
    }

    @Test("vocabulary trust ramps from a fit of 0.2 to 0.8")
    func vocabularyTrust() {
        #expect(Fusion.vocabularyTrust(fit: 0) == 0)
        #expect(Fusion.vocabularyTrust(fit: 0.2) == 0)
        #expect(abs(Fusion.vocabularyTrust(fit: 0.5) - 0.5) < 1e-12)
        #expect(Fusion.vocabularyTrust(fit: 0.8) == 1)
        #expect(Fusion.vocabularyTrust(fit: 1) == 1)
        #expect(Fusion.vocabularyTrust(fit: .nan) == 1, "no evidence is no penalty")
    }

    @Test("dense trust multiplies script and vocabulary, from the mean of the query's and the collection's fit")
    func denseTrust() {
        let fits = ["ein zwei drei": VocabularyFit(words: 3, whole: 0), "one two three four": VocabularyFit(words: 4, whole: 4),
                    "12 34": VocabularyFit()]
        let embedder = FitEmbedder(fits: fits)
        let english = DenseTrust(query: "one two three four", embedder: embedder, collectionFit: VocabularyFit(words: 10, whole: 6))
        #expect(english.script == 1 && english.queryFit == 1 && english.collectionFit == 0.6)
        #expect(abs(english.fit! - 0.8) < 1e-12 && english.vocabulary == 1 && english.value == 1)
        let german = DenseTrust(query: "ein zwei drei", embedder: embedder, collectionFit: VocabularyFit(words: 10, whole: 6))
        #expect(abs(german.vocabulary - (0.3 - 0.2) / 0.6) < 1e-12)
        // No words in the query: the collection's fit alone.
        let digits = DenseTrust(query: "12 34", embedder: embedder, collectionFit: VocabularyFit(words: 10, whole: 2))
        #expect(digits.fit == 0.2 && digits.value == 0)
        #expect(digits.summary.contains("collection 0.20") && !digits.summary.contains("query"))
        // An embedder without a vocabulary (HTTP) is trusted by script alone.
        let hashed = DenseTrust(query: "ein zwei drei", embedder: HashEmbedder(), collectionFit: nil)
        #expect(hashed.fit == nil && hashed.vocabulary == 1 && hashed.value == 1)
        let blind = DenseTrust(query: "مرحبا بالعالم", embedder: HashEmbedder(scripts: ["Latn"]), collectionFit: nil)
        #expect(blind.script == 0 && blind.value == 0)
    }

    @Test("the collection's fit reads at most 256 chunks, spread over the whole id range, each once")
    func spreadSample() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let lines = (0 ..< 300).map { #"{"_id": "d\#($0)", "text": "passage number \#($0) about rivers"}"# }
        try dir.write("corpus.jsonl", lines.joined(separator: "\n") + "\n")
        let home = QuarryHome(url: dir.url.appendingPathComponent("home"))
        let options = IngestOptions(paths: [dir.path + "/corpus.jsonl"], collection: "s",
                                    settings: CollectionSettings(analyzer: "standard", chunking: ChunkingSettings(), tokenCounter: "words", embedder: nil))
        _ = try await Ingestor(home: home, options: options).run()
        let reader = try CollectionReader(home: home, name: "s")
        let sample = try reader.spreadChunkTexts(limit: 256)
        #expect(sample.count == 256 && Set(sample).count == 256)
        #expect(sample.first == "passage number 0 about rivers" && sample.last == "passage number 299 about rivers")
        #expect(try reader.spreadChunkTexts(limit: 1000).count == 300)
        #expect(try reader.spreadChunkTexts(limit: 1) == ["passage number 0 about rivers"])
        #expect(try reader.spreadChunkTexts(limit: 0).isEmpty)
    }

    @Test("hybrid search finds what either side finds, with the collection's embedder")
    func hybrid() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write("docs/a.txt", "zebra savanna grass")
        try dir.write("docs/b.txt", "penguin ice water")
        let embedder = HashEmbedder(dimension: 32)
        let home = QuarryHome(url: dir.url.appendingPathComponent("home"))
        var options = IngestOptions(paths: [dir.path + "/docs"], collection: "h",
                                    settings: CollectionSettings(analyzer: "standard", chunking: ChunkingSettings(), tokenCounter: "words",
                                                                 embedder: embedder.identity))
        options.embedder = embedder
        _ = try await Ingestor(home: home, options: options).run()
        let retriever = try await Retriever.open(home: home, collection: "h", embedder: embedder)
        #expect(try await retriever.search("penguin", mode: .hybrid, k: 1).map(\.docID) == ["b.txt"])
        let rankings = try await retriever.batch([Query(id: "q", text: "zebra grass")], mode: .hybrid, k: 2)
        #expect(rankings[0].documents.first?.docID == "a.txt")
    }
}

/// An embedder that reports fixed vocabulary fits (no vectors needed).
private struct FitEmbedder: Embedder {
    let fits: [String: VocabularyFit]
    var identity: EmbedderIdentity { EmbedderIdentity(kind: "fit", model: "fixed", checksum: "0", pooling: "mean", dimension: 2) }
    func embed(_ texts: [String]) async throws -> [[Float]] { texts.map { _ in [1, 0] } }
    func countTokens(_ text: String) -> Int? { nil }
    var maxInputTokens: Int? { nil }
    func vocabularyFit(_ text: String) -> VocabularyFit? { fits[text] ?? VocabularyFit() }
}
