import Foundation
import QuarryIndex
import QuarryTesting
import QuarryText
import Testing

@Suite struct BM25IndexTests {
    /// d1 "the cat sat" (3 terms), d2 "the cat cat dog" (4), d3 "a dog" (2): N = 3, avgdl = 3.
    func tinyIndex(_ dir: TemporaryDirectory) throws -> BM25Index {
        var builder = BM25Builder()
        try builder.add(LexicalDocument(chunkID: 1, textTerms: ["the", "cat", "sat"]))
        try builder.add(LexicalDocument(chunkID: 2, textTerms: ["the", "cat", "cat", "dog"]))
        try builder.add(LexicalDocument(chunkID: 3, textTerms: ["a", "dog"]))
        let bytes = BM25File.encode(generation: 7, analyzer: "standard", chunkIDs: builder.chunkIDs, lengths: builder.lengths,
                                    terms: builder.sortedTerms())
        let url = try dir.write("tiny.bm25", Data(bytes))
        return BM25Index(reader: try BM25Reader(path: url.path))
    }

    @Test("the header describes the file without loading it")
    func header() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let index = try tinyIndex(dir)
        let header = try BM25File.readHeader(at: index.reader.path)
        #expect(header.generation == 7)
        #expect(header.documentCount == 3)
        #expect(header.termCount == 5)
        #expect(header.analyzer == "standard")
        #expect(index.reader.documentFrequency("cat") == 2)
    }

    @Test("any flipped byte is detected on open", arguments: [0, 9, 20, 130, 300, -50, -1])
    func flippedByte(at position: Int) throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let index = try tinyIndex(dir)
        var data = try Data(contentsOf: URL(fileURLWithPath: index.reader.path))
        let offset = position >= 0 ? min(position, data.count - 1) : data.count + position
        data[offset] ^= 0x40
        let damaged = try dir.write("damaged.bm25", data)
        #expect(throws: IndexError.self) { try BM25Reader(path: damaged.path) }
        let truncated = try dir.write("truncated.bm25", data.prefix(data.count / 2))
        #expect(throws: IndexError.self) { try BM25Reader(path: truncated.path) }
        let empty = try dir.write("empty.bm25", Data())
        #expect(throws: IndexError.self) { try BM25Reader(path: empty.path) }
    }

    @Test("saving and loading gives identical results, and MaxScore equals exhaustive scoring on msmarco", Fixtures.needsShared)
    func msmarcoDifferential() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let corpus = Fixtures.shared().appendingPathComponent("corpora/msmarco/corpus.jsonl")
        let lines = try String(contentsOf: corpus, encoding: .utf8).split(separator: "\n").prefix(2000)
        let analyzer = EnglishAnalyzer()
        var builder = BM25Builder()
        var vocabulary: [String] = []
        for (i, line) in lines.enumerated() {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            let terms = try analyzer.terms(object["text"] as! String)
            if i % 7 == 0 { vocabulary += terms.prefix(3) }
            try builder.add(LexicalDocument(chunkID: Int64(i * 3 + 1), textTerms: terms))
        }
        let bytes = BM25File.encode(generation: 1, analyzer: "english", chunkIDs: builder.chunkIDs, lengths: builder.lengths, terms: builder.sortedTerms())
        let first = try dir.write("a.bm25", Data(bytes))
        let second = try dir.write("b.bm25", Data(try Data(contentsOf: first)))
        let a = BM25Index(reader: try BM25Reader(path: first.path))
        let b = BM25Index(reader: try BM25Reader(path: second.path))
        var generator = SplitMix(seed: 42)
        for q in 0 ..< 200 {
            let terms = (0 ..< (1 + q % 6)).map { _ in vocabulary[Int(generator.next() % UInt64(vocabulary.count))] }
            for k in [1, 10, 100] {
                let fast = a.search(terms: terms, k: k)
                #expect(fast == b.search(terms: terms, k: k))
                let exact = a.exhaustiveSearch(terms: terms, k: k)
                #expect(fast.count == exact.count)
                for (x, y) in zip(fast, exact) {
                    #expect(abs(x.score - y.score) < 1e-4, "query \(terms) k \(k)")
                }
                // Same set of chunks apart from ties at the cut-off.
                let cutoff = exact.last?.score ?? 0
                #expect(Set(fast.filter { $0.score > cutoff + 1e-4 }.map(\.chunkID)) == Set(exact.filter { $0.score > cutoff + 1e-4 }.map(\.chunkID)))
            }
        }
    }

    @Test("chunk ids must be added in increasing order")
    func order() throws {
        var builder = BM25Builder()
        try builder.add(LexicalDocument(chunkID: 5, textTerms: ["a"]))
        #expect(throws: IndexError.self) { try builder.add(LexicalDocument(chunkID: 5, textTerms: ["b"])) }
    }
}

/// A small seeded generator, so test queries are the same on every run.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
