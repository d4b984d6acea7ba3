import Foundation
import QuarryIndex
import QuarryTesting
import Testing

/// The lexical backends one conformance suite runs on: the mapped BM25 file (production)
/// and its in-memory twin. A new backend joins by adding a case.
enum LexicalBackend: String, CaseIterable, Sendable {
    case file, memory

    func make(_ documents: [LexicalDocument]) throws -> any LexicalIndex {
        switch self {
        case .memory:
            return try MemoryLexicalIndex(documents)
        case .file:
            var builder = BM25Builder()
            for document in documents.sorted(by: { $0.chunkID < $1.chunkID }) { try builder.add(document) }
            let bytes = BM25File.encode(generation: 1, analyzer: "standard", chunkIDs: builder.chunkIDs, lengths: builder.lengths,
                                        terms: builder.sortedTerms())
            let url = FileManager.default.temporaryDirectory.appendingPathComponent("conformance-\(UUID().uuidString).bm25")
            try Data(bytes).write(to: url)
            defer { try? FileManager.default.removeItem(at: url) }
            return BM25Index(reader: try BM25Reader(path: url.path))
        }
    }
}

@Suite struct LexicalIndexConformanceTests {
    /// d1 "the cat sat" (3 terms), d2 "the cat cat dog" (4), d3 "a dog" (2): N = 3, avgdl = 3.
    static let tiny = [
        LexicalDocument(chunkID: 1, textTerms: ["the", "cat", "sat"]),
        LexicalDocument(chunkID: 2, textTerms: ["the", "cat", "cat", "dog"]),
        LexicalDocument(chunkID: 3, textTerms: ["a", "dog"]),
    ]

    @Test("scores match hand-computed Lucene BM25 (k1 0.9, b 0.4) to 1e-5", arguments: LexicalBackend.allCases)
    func handComputed(backend: LexicalBackend) throws {
        let index = try backend.make(Self.tiny)
        // idf(cat) = ln(1 + (3 − 2 + 0.5)/(2 + 0.5)) = ln 1.6; d2: tf 2, dl 4, norm 0.9·(0.6 + 0.4·4/3) = 1.02.
        let cat = index.search(terms: ["cat"], k: 10)
        #expect(cat.map(\.chunkID) == [2, 1])
        #expect(abs(cat[0].score - 0.31126068) < 1e-5)
        #expect(abs(cat[1].score - 0.24737033) < 1e-5)
        let both = index.search(terms: ["cat", "dog"], k: 10)
        #expect(both.map(\.chunkID) == [2, 3, 1])
        #expect(abs(both[0].score - 0.54393575) < 1e-5)
        #expect(abs(both[1].score - 0.26404698) < 1e-5)
        // A repeated query term counts twice.
        #expect(abs(index.search(terms: ["cat", "cat"], k: 10)[1].score - 0.49474066) < 1e-5)
        // Other parameters.
        #expect(abs(index.search(terms: ["cat"], k: 1, parameters: BM25Parameters(k1: 1.2, b: 0.75))[0].score - 0.26857350) < 1e-5)
        #expect(index.search(terms: ["unknown"], k: 10).isEmpty)
        #expect(index.search(terms: ["cat"], k: 1).map(\.chunkID) == [2])
        #expect(index.search(terms: ["cat"], k: 0).isEmpty)
        #expect(index.documentCount == 3)
        #expect(abs(index.idf("cat") - Float(log(1.6))) < 1e-6 && index.idf("unknown") == 0)
        #expect(index.contains(term: "dog") && !index.contains(term: "cow"))
    }

    @Test("a title match counts with its boost", arguments: LexicalBackend.allCases)
    func titleBoost(backend: LexicalBackend) throws {
        let index = try backend.make([
            LexicalDocument(chunkID: 10, textTerms: ["bird", "song"], titleTerms: ["cat"]),
            LexicalDocument(chunkID: 11, textTerms: ["cat", "song"]),
            LexicalDocument(chunkID: 12, textTerms: ["fish"]),
        ])
        // Equal boost: the shorter document 11 wins; boosted titles: 10 wins.
        #expect(index.search(terms: ["cat"], k: 2).map(\.chunkID) == [11, 10])
        #expect(index.search(terms: ["cat"], k: 2, parameters: BM25Parameters(titleBoost: 3)).map(\.chunkID) == [10, 11])
        #expect(index.search(terms: ["cat"], k: 2, parameters: BM25Parameters(titleBoost: 0)).map(\.chunkID) == [11])
    }

    @Test("the filter applies before ranking, and equal scores rank by chunk id", arguments: LexicalBackend.allCases)
    func filterAndTies(backend: LexicalBackend) throws {
        let documents = (1 ... 50).map { LexicalDocument(chunkID: Int64($0 * 2), textTerms: ["common", "word\($0 % 5)"]) }
        let index = try backend.make(documents)
        let all = index.search(terms: ["common"], k: 5)
        #expect(all.map(\.chunkID) == [2, 4, 6, 8, 10], "identical documents tie and rank by id")
        let allowed: Set<Int64> = [100, 60, 8, 3]
        let filtered = index.search(terms: ["common"], k: 10, parameters: BM25Parameters(), allowing: allowed)
        #expect(filtered.map(\.chunkID) == [8, 60, 100], "k allowed matches come back however selective the filter")
        #expect(index.search(terms: ["common"], k: 10, parameters: BM25Parameters(), allowing: []).isEmpty)
    }

    @Test("the file backend and the twin agree on a seeded 800-chunk corpus: scores to 1e-4, the same chunks above the cut-off")
    func twinsAgree() throws {
        var generator = SplitMix(seed: 7)
        let vocabulary = (0 ..< 300).map { "t\($0)" }
        func term() -> String {
            // A skewed draw, so some terms are frequent (low idf) and most are rare.
            let r = Double(generator.next() % 10_000) / 10_000
            return vocabulary[Int(r * r * Double(vocabulary.count))]
        }
        var documents: [LexicalDocument] = []
        for i in 0 ..< 800 {
            let text: [String] = (0 ..< (3 + i % 40)).map { _ in term() }
            let title: [String] = i % 4 == 0 ? (0 ..< 3).map { _ in term() } : []
            documents.append(LexicalDocument(chunkID: Int64(i * 3 + 1), textTerms: text, titleTerms: title))
        }
        let ids: [Int64] = documents.map { $0.chunkID }
        let file = try LexicalBackend.file.make(documents)
        let memory = try LexicalBackend.memory.make(documents)
        for q in 0 ..< 150 {
            let terms: [String] = (0 ..< (1 + q % 5)).map { _ in term() }
            let parameters = q % 3 == 0 ? BM25Parameters(k1: 1.2, b: 0.75, titleBoost: 2) : BM25Parameters()
            let allowed: Set<Int64>? = q % 4 == 0 ? Set(ids.filter { $0 % 5 == 1 }) : nil
            for k in [1, 10, 100] {
                let a = file.search(terms: terms, k: k, parameters: parameters, allowing: allowed)
                let b = memory.search(terms: terms, k: k, parameters: parameters, allowing: allowed)
                #expect(a.count == b.count, "query \(terms) k \(k)")
                for (x, y) in zip(a, b) { #expect(abs(x.score - y.score) < 1e-4, "query \(terms) k \(k)") }
                let cutoff: Float = (b.last?.score ?? 0) + 1e-4
                let above: Set<Int64> = Set(a.filter { $0.score > cutoff }.map { $0.chunkID })
                #expect(above == Set(b.filter { $0.score > cutoff }.map { $0.chunkID }))
            }
        }
        for term in vocabulary.prefix(50) {
            #expect(abs(file.idf(term) - memory.idf(term)) < 1e-6 && file.contains(term: term) == memory.contains(term: term))
        }
    }
}
