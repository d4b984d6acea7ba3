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
