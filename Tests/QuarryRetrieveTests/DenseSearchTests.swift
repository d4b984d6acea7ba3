import Foundation
import QuarryCore
import QuarryEmbed
import QuarryIndex
import QuarryIngest
import QuarryRetrieve
import QuarryStore
import QuarryTesting
import Testing
import QuarryWire

@Suite struct DenseSearchTests {
    let embedder = HashEmbedder(dimension: 32)

    func ingest(_ path: String, _ home: QuarryHome, embedder: any Embedder, prune: Bool = false) async throws -> IngestSummary {
        var options = IngestOptions(paths: [path], collection: "d",
                                    settings: CollectionSettings(analyzer: "standard", chunking: ChunkingSettings(), tokenCounter: "words",
                                                                 embedder: embedder.identity))
        options.embedder = embedder
        options.prune = prune
        return try await Ingestor(home: home, options: options).run()
    }

    @Test("ingest builds the vector index; commits keep it in step; deleted chunks never return")
    func incremental() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write("docs/a.txt", "zebra savanna grass")
        try dir.write("docs/b.txt", "penguin ice water")
        try dir.write("docs/c.txt", "tea kettle steam")
        let home = QuarryHome(url: dir.url.appendingPathComponent("home"))
        _ = try await ingest(dir.path + "/docs", home, embedder: embedder)
        var searcher = try await DenseSearcher.open(home: home, collection: "d", embedder: embedder)
        #expect(searcher.notes.isEmpty)
        #expect(try await dense(home).search("penguin ice water", mode: .dense, k: 1).map(\.docID) == ["b.txt"])

        try FileManager.default.removeItem(atPath: dir.path + "/docs/b.txt")
        try dir.write("docs/a.txt", "giraffe acacia leaves")
        _ = try await ingest(dir.path + "/docs", home, embedder: embedder, prune: true)
        searcher = try await DenseSearcher.open(home: home, collection: "d", embedder: embedder)
        #expect(searcher.index.count == 2)
        let all = try await dense(home).search("penguin ice water zebra savanna grass", mode: .dense, k: 10)
        #expect(Set(all.map(\.docID)) == ["a.txt", "c.txt"])
        #expect(try await dense(home).search("giraffe acacia leaves", mode: .dense, k: 1).map(\.docID) == ["a.txt"])
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path + "/home/collections/d").filter { $0.hasPrefix("vectors.") }
        #expect(files == ["vectors.2.hnsw"])
    }

    @Test("retrieval.vector_quantization int8 opens the index with SQ8 codes and the same answers as float")
    func int8Index() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let words = ["zebra", "savanna", "grass", "penguin", "ice", "water", "tea", "kettle", "steam", "moon", "orbit", "tide"]
        var generator = SplitMix64(seed: 3)
        for i in 0 ..< 120 {
            try dir.write("docs/d\(i).txt", (0 ..< 6).map { _ in words[Int(generator.next() % UInt64(words.count))] }.joined(separator: " "))
        }
        let home = QuarryHome(url: dir.url.appendingPathComponent("home"))
        _ = try await ingest(dir.path + "/docs", home, embedder: embedder)
        let float = try await DenseSearcher.open(home: home, collection: "d", embedder: embedder)
        let int8 = try await DenseSearcher.open(home: home, collection: "d", embedder: embedder, quantization: .int8)
        #expect((float.index as? HNSWIndex)?.quantization == VectorQuantization.none)
        #expect((int8.index as? HNSWIndex)?.quantization == .int8)
        for query in ["zebra savanna", "penguin ice water", "tea kettle steam moon"] {
            let vector = try await embedder.embed([query])[0]
            let a = try float.index.search(vector, k: 10, filter: nil), b = try int8.index.search(vector, k: 10, filter: nil)
            #expect(a.map(\.chunkID) == b.map(\.chunkID) && zip(a, b).allSatisfy { abs($0.score - $1.score) < 1e-5 }, "\(query)")
        }
    }

    @Test("a damaged vector file is detected and rebuilt; another embedder is refused")
    func damagedAndMismatch() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write("docs/a.txt", "zebra savanna grass")
        try dir.write("docs/b.txt", "penguin ice water")
        let home = QuarryHome(url: dir.url.appendingPathComponent("home"))
        _ = try await ingest(dir.path + "/docs", home, embedder: embedder)
        let path = dir.path + "/home/collections/d/vectors.1.hnsw"
        var data = try Data(contentsOf: URL(fileURLWithPath: path))
        data[data.count / 2] ^= 0x10
        try data.write(to: URL(fileURLWithPath: path))
        let searcher = try await DenseSearcher.open(home: home, collection: "d", embedder: embedder)
        #expect(searcher.notes.contains { $0.contains("damaged") })
        #expect(try await dense(home).search("zebra savanna", mode: .dense, k: 1).map(\.docID) == ["a.txt"])

        let error = await #expect(throws: RetrieveError.self) {
            try await DenseSearcher.open(home: home, collection: "d", embedder: HashEmbedder(dimension: 16))
        }
        #expect(error?.description.contains("32-d") == true && error?.description.contains("16-d") == true)
    }

    @Test("dense batch search writes a TREC run")
    func batch() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write("corpus.jsonl", """
            {"_id": "d1", "text": "moon orbit earth"}
            {"_id": "d2", "text": "green tea leaves"}
            """)
        let home = QuarryHome(url: dir.url.appendingPathComponent("home"))
        _ = try await ingest(dir.path + "/corpus.jsonl", home, embedder: embedder)
        let rankings = try await dense(home).batch([Query(id: "q1", text: "green tea"), Query(id: "q2", text: "moon")], mode: .dense, k: 1)
        #expect(try BatchSearch.trecLines(rankings, tag: "t").split(separator: "\n").map { $0.split(separator: " ")[2] } == ["d2", "d1"])
    }

    /// The collection's retrieval with its dense side open.
    func dense(_ home: QuarryHome) async throws -> Retriever {
        let retriever = try await Retriever.open(home: home, collection: "d", embedder: embedder)
        #expect(retriever.dense != nil)
        return retriever
    }
}
