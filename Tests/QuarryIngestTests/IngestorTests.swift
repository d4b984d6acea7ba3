import Foundation
import QuarryCore
import QuarryEmbed
import QuarryIngest
@_spi(Testing) import QuarryStore
import QuarryTesting
import Testing

@Suite struct IngestorTests {
    let settings = CollectionSettings(analyzer: "standard", chunking: ChunkingSettings(maxTokens: 32, overlapTokens: 4), tokenCounter: "words")

    func ingest(_ paths: [String], home: QuarryHome, prune: Bool = false, collection: String = "c") async throws -> IngestSummary {
        var options = IngestOptions(paths: paths, collection: collection, settings: settings)
        options.prune = prune
        return try await Ingestor(home: home, options: options).run()
    }

    func makeTree(_ dir: TemporaryDirectory) throws {
        try dir.write("docs/a.md", "# Alpha\n\nThe first document talks about alpha particles. It has two sentences.")
        try dir.write("docs/b.txt", (0 ..< 40).map { "Sentence number \($0) about beta." }.joined(separator: " "))
        try dir.write("docs/c.html", "<html><head><title>Gamma</title><script>evil()</script></head><body><h1>Gamma</h1><p>Gamma rays &amp; more.</p></body></html>")
        try dir.write("docs/empty.txt", "")
        try dir.write("docs/blank.md", "  \n\n ")
        try dir.write("docs/bad.txt", Data([0x61, 0xFF, 0xFE, 0x62]))
        try dir.write("docs/binary.txt", Data([0x7F, 0x45, 0x4C, 0x46, 0, 1, 2]))
    }

    @Test("a record with a title and no text is indexed by its title; only a record with neither is skipped; so is an HTML page with only <title>")
    func titleOnlyRecords() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write("corpus.jsonl", [
            #"{"_id": "t1", "title": "Quasar luminosity in distant galaxies", "text": ""}"#,
            #"{"_id": "t2", "title": "  ", "text": "   "}"#,
            #"{"_id": "t3", "title": "Pulsars", "text": "Rotating neutron stars emit beams."}"#,
        ].joined(separator: "\n") + "\n")
        try dir.write("pages/only-title.html", "<html><head><title>Magnetar field strength</title></head><body></body></html>")
        try dir.write("pages/only-heading.md", "# Neutron star mergers\n")
        let home = QuarryHome(url: dir.url.appendingPathComponent("home"))
        let summary = try await ingest([dir.path + "/corpus.jsonl", dir.path + "/pages"], home: home)
        #expect(summary.added == 4, "\(summary.skipped)")
        #expect(summary.skipped.map(\.path).contains { $0.contains("t2") } || summary.skipped.count == 1)
        let reader = try CollectionReader(home: home, name: "c")
        let quasar = try #require(try reader.document("t1"))
        #expect(quasar.title == "Quasar luminosity in distant galaxies" && quasar.text == quasar.title)
        let chunks = try reader.chunks(of: "t1")
        #expect(chunks.count == 1 && chunks[0].text == "Quasar luminosity in distant galaxies" && chunks[0].context.isEmpty)
        #expect(try reader.document("t2") == nil)
        #expect(try reader.documents().contains { $0.title == "Magnetar field strength" && $0.text == "Magnetar field strength" })
        #expect(try reader.checkIntegrity().isHealthy)
    }

    @Test("first ingest stores what it can and reports the rest; a second run touches nothing")
    func incremental() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try makeTree(dir)
        let home = QuarryHome(url: dir.url.appendingPathComponent("home"))
        let first = try await ingest([dir.path + "/docs"], home: home)
        #expect(first.added == 3)
        #expect(first.generation == 1)
        #expect(first.skipped.count == 2)
        #expect(Set(first.failed.map { URL(fileURLWithPath: $0.path).lastPathComponent }) == ["bad.txt", "binary.txt"])
        #expect(first.failed.contains { $0.reason.contains("invalid UTF-8 at byte 1") })
        let reader = try CollectionReader(home: home, name: "c")
        #expect(try reader.checkIntegrity().isHealthy)
        let html = try #require(try reader.document("c.html"))
        #expect(html.title == "Gamma")
        #expect(!html.text.contains("evil"))
        #expect(html.text.contains("Gamma rays & more."))
        let chunksBefore = try reader.chunks()

        let second = try await ingest([dir.path + "/docs"], home: home)
        #expect(second.added == 0 && second.replaced == 0 && second.unchanged == 3)
        #expect(second.generation == 1, "nothing changed, so no new generation")
        #expect(try CollectionReader(home: home, name: "c").chunks() == chunksBefore)
    }

    @Test("a changed file replaces only its own chunks")
    func changedFile() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try makeTree(dir)
        let home = QuarryHome(url: dir.url.appendingPathComponent("home"))
        _ = try await ingest([dir.path + "/docs"], home: home)
        let before = try CollectionReader(home: home, name: "c").chunks()
        try dir.write("docs/a.md", "# Alpha\n\nA rewritten first document.")
        let summary = try await ingest([dir.path + "/docs"], home: home)
        #expect(summary.replaced == 1 && summary.unchanged == 2 && summary.added == 0)
        #expect(summary.generation == 2)
        let after = try CollectionReader(home: home, name: "c").chunks()
        #expect(before.filter { $0.docID != "a.md" } == after.filter { $0.docID != "a.md" })
        #expect(after.filter { $0.docID == "a.md" }.map(\.text) == ["# Alpha\n\nA rewritten first document."])
        #expect(Set(after.map(\.id)).isDisjoint(with: before.filter { $0.docID == "a.md" }.map(\.id)), "chunk ids are never reused")
        #expect(try CollectionReader(home: home, name: "c").checkIntegrity().isHealthy)
    }

    @Test("--prune removes documents whose file disappeared, and only under the given paths")
    func prune() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try makeTree(dir)
        try dir.write("other/z.txt", "Zeta lives elsewhere.")
        let home = QuarryHome(url: dir.url.appendingPathComponent("home"))
        _ = try await ingest([dir.path + "/docs", dir.path + "/other"], home: home)
        try FileManager.default.removeItem(atPath: dir.path + "/docs/b.txt")
        let kept = try await ingest([dir.path + "/docs"], home: home)
        #expect(kept.deleted == 0)
        let pruned = try await ingest([dir.path + "/docs"], home: home, prune: true)
        #expect(pruned.deleted == 1)
        let ids = try CollectionReader(home: home, name: "c").documents().map(\.docID)
        #expect(ids == ["a.md", "c.html", "z.txt"])
    }

    @Test("a BEIR corpus ingests by _id; duplicate ids are reported once")
    func corpus() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write("corpus.jsonl", """
            {"_id": "1", "title": "One", "text": "The first passage."}
            {"_id": "2", "title": "", "text": "The second passage.", "metadata": {"lang": "en"}}
            {"_id": "1", "title": "Dup", "text": "Duplicate id."}
            {"_id": "3", "text": ""}
            """)
        let home = QuarryHome(url: dir.url.appendingPathComponent("home"))
        let summary = try await ingest([dir.path + "/corpus.jsonl"], home: home)
        #expect(summary.added == 2)
        #expect(summary.failed.count == 1)
        #expect(summary.failed[0].reason.contains("duplicate document id"))
        #expect(summary.skipped.count == 1)
        let doc = try #require(try CollectionReader(home: home, name: "c").document("2"))
        #expect(doc.metadata == #"{"lang":"en"}"#)
        #expect(doc.format == "jsonl")
    }

    @Test("BEIR ids and file paths follow the one id rule: NFC, and an id over 1024 bytes is refused and reported")
    func idRule() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let long = String(repeating: "x", count: DocumentID.maxBytes + 1)
        try dir.write("corpus.jsonl", """
            {"_id": "cafe\u{0301}", "text": "Espresso is brewed under pressure."}
            {"_id": "\(long)", "text": "Too long an id."}
            """)
        let home = QuarryHome(url: dir.url.appendingPathComponent("home"))
        let summary = try await ingest([dir.path + "/corpus.jsonl"], home: home)
        #expect(summary.added == 1)
        #expect(summary.failed.contains { $0.reason.contains("at most 1024") }, "\(summary.failed)")
        let ids = try CollectionReader(home: home, name: "c").documents().map { Array($0.docID.utf8) }
        #expect(ids == [Array("caf\u{E9}".utf8)])
    }

    @Test("explicit settings that differ from the collection's are refused")
    func settingsMismatch() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write("a.txt", "Some text.")
        let home = QuarryHome(url: dir.url.appendingPathComponent("home"))
        _ = try await ingest([dir.path + "/a.txt"], home: home)
        var options = IngestOptions(paths: [dir.path + "/a.txt"], collection: "c",
                                    settings: CollectionSettings(analyzer: "english", chunking: ChunkingSettings(), tokenCounter: "words"))
        options.enforceSettings = true
        let error = await #expect(throws: StoreError.self) { try await Ingestor(home: home, options: options).run() }
        #expect(error?.code == .settingsMismatch)
    }

    @Test("the demo corpus ingests completely with no failures")
    func demoCorpus() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let demo = Fixtures.packageRoot().appendingPathComponent("corpora/demo").path
        let summary = try await ingest([demo], home: QuarryHome(url: dir.url))
        #expect(summary.failed.isEmpty, "\(summary.failed)")
        #expect(summary.added >= 30)
        #expect(summary.skipped.isEmpty, "\(summary.skipped)")
        let reader = try CollectionReader(home: QuarryHome(url: dir.url), name: "c")
        #expect(try reader.checkIntegrity().isHealthy)
        let all = try reader.documents()
        #expect(!all.contains { $0.text.contains("IGNORE PREVIOUS INSTRUCTIONS") }, "hidden canary text must be dropped")
    }

    @Test("chunk embeddings are stored and the embedder recorded; another embedder is refused")
    func embeddings() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try makeTree(dir)
        let home = QuarryHome(url: dir.url.appendingPathComponent("home"))
        let embedder = HashEmbedder(dimension: 16)
        var options = IngestOptions(paths: [dir.path + "/docs"], collection: "v",
                                    settings: CollectionSettings(analyzer: "standard", chunking: ChunkingSettings(), tokenCounter: "words",
                                                                 embedder: embedder.identity))
        options.embedder = embedder
        let summary = try await Ingestor(home: home, options: options).run()
        let reader = try CollectionReader(home: home, name: "v")
        #expect(reader.manifest.settings.embedder == embedder.identity)
        let stored = try reader.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM embeddings") }
        #expect(stored == summary.chunkCount)
        let chunk = try #require(try reader.chunks(of: "a.md").first)
        let blob = try #require(try reader.read { try Data.fetchOne($0, sql: "SELECT vector FROM embeddings WHERE chunk_id = ?", arguments: [chunk.id]) })
        let expected = try await embedder.embed(Chunker.embeddingInput(context: chunk.context, text: chunk.text))
        #expect(VectorBlob.decode(blob, dimension: 16) == expected)

        var other = options
        other.embedder = HashEmbedder(dimension: 32)
        other.settings.embedder = HashEmbedder(dimension: 32).identity
        let error = await #expect(throws: StoreError.self) { try await Ingestor(home: home, options: other).run() }
        #expect(error?.code == .embedderMismatch)
        #expect(error?.description.contains("16-d") == true && error?.description.contains("32-d") == true)
    }
}
