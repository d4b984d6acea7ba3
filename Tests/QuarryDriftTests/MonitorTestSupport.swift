import Foundation
import QuarryCore
import QuarryDrift
import QuarryEmbed
import QuarryIngest
import QuarryStore
import QuarryTesting

/// Small homes for monitor tests: a collection built from a few texts with the hash embedder,
/// query logs written row by row, queries files.
enum MonitorFixture {
    static let embedder = HashEmbedder(dimension: 32)

    static let english = [
        "how do reflecting telescopes gather light", "what causes the tides of the sea", "how is sourdough bread made",
        "who built the first practical reflecting telescope", "why does the moon have phases", "how long should bread dough rise",
        "what is the gravity of the moon", "how do mirrors focus light", "what flour is best for bread", "when are tides highest",
        "how far away is the moon", "what is a primary mirror", "how do you feed a sourdough starter", "what makes waves in the ocean",
        "how big was newton's telescope", "why does bread go stale", "what is a spring tide", "how do lenses bend light",
        "what temperature bakes bread", "how do astronomers measure distance",
    ]

    static let arabic = [
        "من هو عبد المطلب بن هاشم؟", "ما اهمية مكة المكرمة؟", "ما هى الابراج الفلكية؟", "متى تأسست جامعة القاهرة؟",
        "ما هي عاصمة المغرب؟", "كم عدد سكان مصر؟", "من كتب الف ليلة وليلة؟", "ما هو نهر النيل؟", "اين يقع جبل طارق؟",
        "ما هي اللغة العربية؟", "من هو ابن خلدون؟", "ما هو علم الفلك؟", "متى بنيت الاهرامات؟", "ما هي الكعبة؟",
        "من هو صلاح الدين؟", "ما هو البحر الاحمر؟", "كيف يصنع الخبز؟", "ما هو القمر؟", "من اخترع التلسكوب؟", "ما هي الصحراء الكبرى؟",
    ]

    /// A home with collection `name` built from `texts` (one document each), embedded with the hash embedder.
    @discardableResult
    static func collection(_ dir: TemporaryDirectory, _ name: String = "docs", texts: [String], embedder: (any Embedder)? = MonitorFixture.embedder,
                           analyzer: String = "english") async throws -> QuarryHome {
        let home = QuarryHome(url: dir.url.appendingPathComponent("home"))
        let folder = "src-\(name)"
        for (i, text) in texts.enumerated() { try dir.write("\(folder)/doc\(i).txt", text) }
        var options = IngestOptions(paths: [dir.path + "/" + folder], collection: name,
                                    settings: CollectionSettings(analyzer: analyzer, chunking: ChunkingSettings(), tokenCounter: "words",
                                                                 embedder: embedder?.identity))
        options.embedder = embedder
        options.prune = true
        _ = try await Ingestor(home: home, options: options).run()
        return home
    }

    static let passages = [
        "A reflecting telescope gathers light with a curved primary mirror. Isaac Newton built the first practical reflector in 1668.",
        "Tides are caused mainly by the gravity of the Moon pulling on the oceans; spring tides are the highest.",
        "A sourdough starter is fed with flour and water every day; bread dough rises for hours before it is baked.",
        "The Moon shows phases because we see different parts of its sunlit half as it orbits the Earth.",
        "Lenses bend light by refraction; mirrors focus light by reflection.",
        "Bread goes stale as its starch recrystallises; bake it hot, around 230 degrees.",
        "Astronomers measure distance with parallax and standard candles.",
        "Waves in the ocean are mostly raised by the wind.",
    ]

    /// Writes a query log like the server's, with one row per (query, seconds ago, mode, top score, latency).
    static func queryLog(_ home: QuarryHome, collection: String = "docs",
                         _ rows: [(query: String, ago: TimeInterval, mode: String, score: Double?, latency: Double)], now: Date) throws {
        let writer = try QueryLogFile.Writer(directory: try home.collectionDirectory(collection))
        for (i, row) in rows.enumerated() {
            let hits = row.score.map { [QueryLogFile.Entry.Hit(docID: "doc0.txt", chunkID: 1, score: Float($0))] } ?? []
            try writer.append(QueryLogFile.Entry(route: "search", query: row.query, mode: row.mode, k: 5, latencyMilliseconds: row.latency,
                                                 hits: hits, answerKind: nil, requestID: "req-\(i)"),
                              at: Timestamp.format(now.addingTimeInterval(-row.ago)))
        }
    }

    /// Writes a BEIR queries file.
    static func queriesFile(_ dir: TemporaryDirectory, _ name: String, _ texts: [String]) throws -> String {
        let lines = try texts.enumerated().map { i, text in
            String(decoding: try JSONSerialization.data(withJSONObject: ["_id": "q\(i)", "text": text]), as: UTF8.self)
        }
        return try dir.write(name, lines.joined(separator: "\n") + "\n").path
    }
}
