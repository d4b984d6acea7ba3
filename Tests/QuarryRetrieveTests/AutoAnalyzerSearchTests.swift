import Foundation
import QuarryCore
import QuarryIngest
import QuarryRetrieve
import QuarryStore
import QuarryTesting
import QuarryText
import Testing

/// The `auto` analyzer end to end: languages identified at ingest and stored, chunks indexed
/// with their document's chain, queries read by the collection's language mix.
@Suite struct AutoAnalyzerSearchTests {
    static let documents = [
        ("de.txt", "Die Kinder spielen jeden Nachmittag im großen Garten hinter dem alten Haus ihrer Großeltern."),
        ("en.txt", "The children were playing happily in the garden behind their grandparents' old house."),
        ("es.txt", "Los niños jugaban felices en el jardín detrás de la vieja casa de sus abuelos."),
        ("ru.txt", "Дети играли в саду за старым домом своих бабушки и дедушки каждый день после обеда."),
        ("zh.txt", "孩子们每天下午都在祖父母老房子后面的大花园里玩耍。"),
        ("x.txt", "zzq 42 ### 17"),
    ]

    func ingest(_ home: QuarryHome, dir: TemporaryDirectory) async throws {
        for (name, text) in Self.documents { try dir.write("docs/\(name)", text) }
        let settings = CollectionSettings(analyzer: "auto", chunking: ChunkingSettings(), tokenCounter: "words")
        _ = try await Ingestor(home: home, options: IngestOptions(paths: [dir.path + "/docs"], collection: "mixed", settings: settings)).run()
    }

    @Test("each document's language is stored and every language's documents are found by inflected forms")
    func mixedCollection() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let home = QuarryHome(url: dir.url.appendingPathComponent("home"))
        try await ingest(home, dir: dir)
        let reader = try CollectionReader(home: home, name: "mixed")
        let languages = Dictionary(uniqueKeysWithValues: try reader.documents().map { ($0.docID, $0.language) })
        #expect(languages == ["de.txt": "de", "en.txt": "en", "es.txt": "es", "ru.txt": "ru", "zh.txt": "zh", "x.txt": "un"])
        #expect(try reader.chunkLanguageCounts() == ["de": 1, "en": 1, "es": 1, "ru": 1, "zh": 1, "un": 1])

        let searcher = try await LexicalSearcher.open(home: home, collection: "mixed")
        // Other inflections than the documents use: only a stemmer per language finds them.
        #expect(try await searcher.search("Kind", k: 3).map(\.docID) == ["de.txt"])
        #expect(try await searcher.search("child playing", k: 3).map(\.docID) == ["en.txt"])
        #expect(try await searcher.search("jugaba", k: 3).map(\.docID) == ["es.txt"])
        #expect(try await searcher.search("играть", k: 3).map(\.docID) == ["ru.txt"])
        #expect(try await searcher.search("花园", k: 3).map(\.docID) == ["zh.txt"])
        #expect(try await searcher.search("zzq", k: 3).map(\.docID) == ["x.txt"])
        // The standard analyzer misses them.
        let standard = CollectionSettings(analyzer: "standard", chunking: ChunkingSettings(), tokenCounter: "words")
        _ = try await Ingestor(home: home, options: IngestOptions(paths: [dir.path + "/docs"], collection: "plain", settings: standard)).run()
        let plain = try await LexicalSearcher.open(home: home, collection: "plain")
        #expect(try await plain.search("Kind", k: 3).isEmpty)
    }

    @Test("the retrieval says how the query was read; bad queries are answered, not refused")
    func explainedQueries() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let home = QuarryHome(url: dir.url.appendingPathComponent("home"))
        try await ingest(home, dir: dir)
        let retriever = Retriever(lexical: try await LexicalSearcher.open(home: home, collection: "mixed"), dense: nil, reranker: nil)
        var options = RetrievalOptions().firstStagesOnly
        options.mode = .lexical
        let long = try await retriever.retrieve("Wo spielen die Kinder am Nachmittag mit ihren Freunden", options: options)
        #expect(long.queryAnalysis?.hasPrefix("query language de (reliable") == true, "\(long.queryAnalysis ?? "nil")")
        #expect(long.queryAnalysis?.hasSuffix("german chain") == true)
        let short = try await retriever.retrieve("garden", options: options)
        #expect(short.queryAnalysis?.contains("union of the") == true, "\(short.queryAnalysis ?? "nil")")
        #expect(short.hits.first?.docID == "en.txt")
        for query in ["a", "?", "🙂", "ᚠᚢᚦ", String(repeating: "Kinder ", count: 300)] {
            _ = try await retriever.retrieve(query, options: options)
        }
    }
}
