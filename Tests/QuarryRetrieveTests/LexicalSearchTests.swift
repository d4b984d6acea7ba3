import Foundation
import QuarryCore
import QuarryIndex
import QuarryIngest
import QuarryRetrieve
import QuarryStore
import QuarryTesting
import Testing
import QuarryWire

@Suite struct LexicalSearchTests {
    let settings = CollectionSettings(analyzer: "english", chunking: ChunkingSettings(), tokenCounter: "words")

    func ingest(_ path: String, _ home: QuarryHome, prune: Bool = false) async throws -> IngestSummary {
        var options = IngestOptions(paths: [path], collection: "c", settings: settings)
        options.prune = prune
        return try await Ingestor(home: home, options: options).run()
    }

    @Test("commits keep the index in step: replaced and deleted chunks never come back")
    func incremental() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write("docs/a.txt", "Zebras graze on the savanna.")
        try dir.write("docs/b.txt", "Penguins swim in cold water.")
        let home = QuarryHome(url: dir.url.appendingPathComponent("home"))
        _ = try await ingest(dir.path + "/docs", home)
        var searcher = try await LexicalSearcher.open(home: home, collection: "c")
        #expect(searcher.notes.isEmpty)
        #expect(try await searcher.search("zebra", k: 5).map(\.docID) == ["a.txt"])

        try dir.write("docs/a.txt", "Giraffes browse tall acacia trees.")
        try FileManager.default.removeItem(atPath: dir.path + "/docs/b.txt")
        try dir.write("docs/c.txt", "Zebras and giraffes share the plains.")
        let summary = try await ingest(dir.path + "/docs", home, prune: true)
        #expect(summary.generation == 2)
        searcher = try await LexicalSearcher.open(home: home, collection: "c")
        #expect(try await searcher.search("zebra", k: 5).map(\.docID) == ["c.txt"])
        #expect(try await searcher.search("penguin", k: 5).isEmpty)
        #expect(Set(try await searcher.search("giraffe", k: 5).map(\.docID)) == ["a.txt", "c.txt"])
        #expect(searcher.index.documentCount == 2)
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path + "/home/collections/c").filter { $0.hasPrefix("lexical.") }
        #expect(files == ["lexical.2.bm25"], "the superseded generation's file is removed")

        // The merged index equals a full rebuild.
        let rebuilt = try await rebuildFromScratch(home)
        for query in ["zebra", "giraffe plains", "acacia trees"] {
            #expect(try await searcher.search(query, k: 5) == rebuilt.search(query, k: 5))
        }
    }

    func rebuildFromScratch(_ home: QuarryHome) async throws -> LexicalSearcher {
        let path = home.url.appendingPathComponent("collections/c/lexical.2.bm25").path
        try FileManager.default.removeItem(atPath: path)
        let searcher = try await LexicalSearcher.open(home: home, collection: "c")
        #expect(!searcher.notes.isEmpty)
        return searcher
    }

    @Test("a damaged index file is detected, reported and rebuilt from SQLite")
    func damaged() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write("docs/a.txt", "Zebras graze on the savanna.")
        let home = QuarryHome(url: dir.url.appendingPathComponent("home"))
        _ = try await ingest(dir.path + "/docs", home)
        let path = dir.path + "/home/collections/c/lexical.1.bm25"
        var data = try Data(contentsOf: URL(fileURLWithPath: path))
        data[200] ^= 0xFF
        try data.write(to: URL(fileURLWithPath: path))
        let searcher = try await LexicalSearcher.open(home: home, collection: "c")
        #expect(searcher.notes.contains { $0.contains("damaged") })
        #expect(try await searcher.search("zebra", k: 5).map(\.docID) == ["a.txt"])
        // It was persisted: the next open is clean.
        let again = try await LexicalSearcher.open(home: home, collection: "c")
        #expect(again.notes.isEmpty)
    }

    @Test("batch search writes a TREC run ranking documents by their best chunk")
    func batch() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write("corpus.jsonl", """
            {"_id": "d1", "title": "Moon", "text": "The moon orbits the earth."}
            {"_id": "d2", "title": "Sun", "text": "The sun is a star. The earth orbits the sun."}
            {"_id": "d3", "title": "Tea", "text": "Green tea is steeped briefly."}
            """)
        try dir.write("queries.jsonl", """
            {"_id": "q1", "text": "what orbits the earth"}
            {"_id": "q2", "text": "tea"}
            {"_id": "q3", "text": "xylophone"}
            """)
        let home = QuarryHome(url: dir.url.appendingPathComponent("home"))
        _ = try await ingest(dir.path + "/corpus.jsonl", home)
        let retriever = try await Retriever.open(home: home, collection: "c", embedder: nil)
        let queries = try QueryFile.read(dir.url.appendingPathComponent("queries.jsonl"))
        let rankings = try await retriever.batch(queries, mode: .lexical, k: 2)
        let lines = try BatchSearch.trecLines(rankings, tag: "t").split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines[0].hasPrefix("q1 Q0 d1 1 "))
        #expect(lines[1].hasPrefix("q1 Q0 d2 2 "))
        #expect(lines[2].hasPrefix("q2 Q0 d3 1 ") && lines[2].hasSuffix(" t"))
        try dir.write("bad.jsonl", "{\"_id\": \"q1\", \"text\": \"a\"}\n{\"_id\": \"q1\", \"text\": \"b\"}\n")
        #expect(throws: RetrieveError.self) { try QueryFile.read(dir.url.appendingPathComponent("bad.jsonl")) }
    }
}
