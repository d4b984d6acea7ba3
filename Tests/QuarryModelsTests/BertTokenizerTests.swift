import Foundation
import Testing

@testable import QuarryModels
import QuarryTesting

/// Checks `BertTokenizer` against the Hugging Face reference outputs: `minilm_tokens.jsonl`
/// (in Tests/Fixtures/reference, made with tokenizers 0.23.3 for all-MiniLM-L6-v2, with the
/// model scripts/fetch-model unpacks) and the tiny cross-encoder's pair encodings (in
/// Tests/Fixtures/reference/tiny-cross-encoder), plus hand-written cases.
@Suite struct BertTokenizerTests {
    struct TokenCase: Decodable {
        var id: Int
        var category: String
        var text: String
        var input_ids: [Int32]
        var n_tokens_untruncated: Int
        var truncated: Bool
    }

    struct PairCase: Decodable {
        var query: String
        var passage: String
        var input_ids: [Int32]
        var token_type_ids: [Int32]
    }

    static func readJSONLines<T: Decodable>(_ url: URL, as type: T.Type) throws -> [T] {
        let text = try String(contentsOf: url, encoding: .utf8)
        let decoder = JSONDecoder()
        return try text.split(separator: "\n").map { try decoder.decode(T.self, from: Data($0.utf8)) }
    }

    /// The all-MiniLM-L6-v2 tokenizer, from the model folder scripts/fetch-model unpacks (the
    /// cross-encoder fixture ships the same `vocab.txt`).
    static func miniLM() throws -> BertTokenizer {
        do {
            return try BertTokenizer.load(modelDirectory: miniLMDirectory)
        } catch {
            Issue.record("all-MiniLM-L6-v2 is not in models/ (run scripts/fetch-model): \(error)")
            throw error
        }
    }

    static func firstDifference(_ a: [Int32], _ b: [Int32]) -> Int {
        zip(a, b).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(a.count, b.count)
    }

    // MARK: - Reference fixtures

    @Test("every minilm_tokens.jsonl line reproduces input_ids at max_length 256")
    func miniLMFixture() throws {
        let tokenizer = try Self.miniLM()
        let cases = try Self.readJSONLines(Fixtures.reference("minilm_tokens.jsonl"), as: TokenCase.self)
        #expect(cases.count == 71)
        for item in cases {
            let encoded = tokenizer.encode(item.text, maxLength: 256)
            if encoded.ids != item.input_ids {
                let position = Self.firstDifference(encoded.ids, item.input_ids)
                let got = encoded.ids[position..<min(encoded.ids.count, position + 5)].map { tokenizer.vocabulary.token($0) }
                let expected = item.input_ids[position..<min(item.input_ids.count, position + 5)].map { tokenizer.vocabulary.token($0) }
                Issue.record("""
                    case \(item.id) (\(item.category)): first difference at position \(position) \
                    (\(encoded.ids.count) ids, expected \(item.input_ids.count)): got \(got), expected \(expected)
                    """)
            }
            #expect(encoded.typeIDs == [Int32](repeating: 0, count: encoded.count), "case \(item.id)")
            #expect(encoded.count == min(item.n_tokens_untruncated, 256), "case \(item.id)")
            #expect(item.truncated == (item.n_tokens_untruncated > 256))
        }
    }

    @Test("countTokens equals n_tokens_untruncated - 2 on every fixture line")
    func countTokensFixture() throws {
        let tokenizer = try Self.miniLM()
        let cases = try Self.readJSONLines(Fixtures.reference("minilm_tokens.jsonl"), as: TokenCase.self)
        for item in cases {
            #expect(tokenizer.countTokens(item.text) == item.n_tokens_untruncated - 2, "case \(item.id) (\(item.category))")
            #expect(tokenizer.wordPieces(item.text).count == item.n_tokens_untruncated - 2, "case \(item.id)")
        }
    }

    @Test("every cross-encoder pair reproduces input_ids and token_type_ids (longest_first at 128)")
    func crossEncoderPairs() throws {
        let tokenizer = try Self.miniLM()
        let pairs = try Self.readJSONLines(Fixtures.reference("tiny-cross-encoder/expected.jsonl"), as: PairCase.self)
        #expect(!pairs.isEmpty)
        for (index, pair) in pairs.enumerated() {
            let encoded = tokenizer.encodePair(pair.query, pair.passage, maxLength: 128)
            if encoded.ids != pair.input_ids {
                Issue.record("pair \(index): input_ids differ first at position \(Self.firstDifference(encoded.ids, pair.input_ids)) (\(encoded.ids.count) ids, expected \(pair.input_ids.count))")
            }
            if encoded.typeIDs != pair.token_type_ids {
                Issue.record("pair \(index): token_type_ids differ first at position \(Self.firstDifference(encoded.typeIDs, pair.token_type_ids))")
            }
        }
    }

    @Test("load reads the flags of tokenizer_config.json (strip_accents null follows do_lower_case)")
    func loadFlags() throws {
        let tokenizer = try Self.miniLM()
        #expect(tokenizer.lowercase)
        #expect(tokenizer.stripAccents)
        #expect(tokenizer.tokenizeChineseCharacters)
        #expect(tokenizer.maxInputCharactersPerWord == 100)
        #expect(tokenizer.vocabulary.count == 30522)
        #expect(tokenizer.vocabulary.clsID == 101)
        #expect(tokenizer.vocabulary.sepID == 102)
        #expect(tokenizer.vocabulary.padID == 0)
        #expect(tokenizer.vocabulary.unkID == 100)
        #expect(tokenizer.vocabulary.maskID == 103)

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("quarry-bert-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data(Self.toyTokens.joined(separator: "\n").utf8).write(to: directory.appendingPathComponent("vocab.txt"))
        // No tokenizer_config.json: defaults.
        let defaults = try BertTokenizer.load(modelDirectory: directory)
        #expect(defaults.lowercase && defaults.stripAccents && defaults.tokenizeChineseCharacters)
        try Data(#"{"do_lower_case": false, "strip_accents": null, "tokenize_chinese_chars": false, "model_max_length": 1000000000000000019884624838656}"#.utf8)
            .write(to: directory.appendingPathComponent("tokenizer_config.json"))
        let cased = try BertTokenizer.load(modelDirectory: directory)
        #expect(!cased.lowercase)
        #expect(!cased.stripAccents)
        #expect(!cased.tokenizeChineseCharacters)
        #expect(cased.wordPieces("Hello hello") == [Self.toy("[UNK]"), Self.toy("hello")])
    }

    // MARK: - Hand-written cases on the real vocabulary

    @Test("empty and whitespace-only texts give [CLS] [SEP]")
    func emptyText() throws {
        let tokenizer = try Self.miniLM()
        for text in ["", " ", "\t\n  \r\n", "\u{00A0}\u{2003}\u{3000}", "\u{200B}\u{FEFF}"] {
            #expect(tokenizer.encode(text, maxLength: 256) == TokenizedInput(ids: [101, 102], typeIDs: [0, 0]))
            #expect(tokenizer.countTokens(text) == 0)
        }
        #expect(tokenizer.encodePair("", "", maxLength: 128) == TokenizedInput(ids: [101, 102, 102], typeIDs: [0, 0, 1]))
    }

    @Test("a word longer than 100 characters is one [UNK]; 100 characters are still segmented")
    func longWord() throws {
        let tokenizer = try Self.miniLM()
        #expect(tokenizer.wordPieces(String(repeating: "a", count: 101)) == [100])
        #expect(tokenizer.wordPieces(String(repeating: "a", count: 101) + " word") == [100, tokenizer.vocabulary.id("word")!])
        let hundred = tokenizer.wordPieces(String(repeating: "a", count: 100))
        #expect(hundred.count > 1)
        #expect(!hundred.contains(100))
        // Accents are stripped before counting: 60 × "e + combining acute" is 60 characters.
        #expect(!tokenizer.wordPieces(String(repeating: "e\u{0301}", count: 60)).contains(100))
    }

    @Test("continuation pieces carry ##")
    func continuation() throws {
        let tokenizer = try Self.miniLM()
        let pieces = tokenizer.wordPieces("BM25 backtick").map { tokenizer.vocabulary.token($0) }
        #expect(pieces == ["b", "##m", "##25", "back", "##tick"])
    }

    @Test("special-token strings in the text are matched case-sensitively before normalisation")
    func specialTokensInText() throws {
        let tokenizer = try Self.miniLM()
        let hello = tokenizer.vocabulary.id("hello")!, world = tokenizer.vocabulary.id("world")!
        #expect(tokenizer.wordPieces("hello[SEP]world") == [hello, 102, world])
        #expect(tokenizer.wordPieces("[MASK][PAD]") == [103, 0])
        #expect(!tokenizer.wordPieces("[sep]").contains(102))
    }

    @Test("single sequences keep the first maxLength - 2 pieces")
    func singleTruncation() throws {
        let tokenizer = try Self.miniLM()
        let hello = tokenizer.vocabulary.id("hello")!
        let encoded = tokenizer.encode("hello hello hello hello", maxLength: 4)
        #expect(encoded.ids == [101, hello, hello, 102])
        #expect(encoded.typeIDs == [0, 0, 0, 0])
        #expect(tokenizer.encode("hello", maxLength: 0).ids == [101, 102])
    }

    @Test("pairs: longest_first keeps what tokenizers' truncate_encodings keeps")
    func pairTruncation() throws {
        // (first, second) -> kept, at a budget of 7 pieces: the table of tokenizers' own unit test.
        let table: [(Int, Int, Int, Int)] = [
            (0, 0, 0, 0), (0, 2, 0, 2), (0, 4, 0, 4), (0, 8, 0, 7), (2, 0, 2, 0), (2, 2, 2, 2), (2, 4, 2, 4), (2, 8, 2, 5),
            (4, 0, 4, 0), (4, 2, 4, 2), (4, 4, 3, 4), (4, 8, 3, 4), (8, 0, 7, 0), (8, 2, 5, 2), (8, 4, 4, 3), (8, 8, 3, 4),
        ]
        for (first, second, keepFirst, keepSecond) in table {
            let kept = BertTokenizer.longestFirst(first, second, budget: 7)
            #expect(kept.0 == keepFirst && kept.1 == keepSecond, "\(first), \(second) -> \(kept)")
        }
        let tokenizer = try Self.miniLM()
        let hello = tokenizer.vocabulary.id("hello")!, world = tokenizer.vocabulary.id("world")!
        let encoded = tokenizer.encodePair("hello hello hello", "world world world world", maxLength: 8)
        #expect(encoded.ids == [101, hello, hello, 102, world, world, world, 102])
        #expect(encoded.typeIDs == [0, 0, 0, 0, 1, 1, 1, 1])
    }

    // MARK: - Toy vocabulary

    static let toyTokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "un", "##aff", "##able", "##a", "##ff", "hello", ",", "he", "##llo", "cafe"]

    static func toy(_ token: String) -> Int32 { Int32(toyTokens.firstIndex(of: token)!) }

    @Test("greedy longest-match-first, with [UNK] for a word that cannot be segmented")
    func greedyLongestMatch() throws {
        let tokenizer = BertTokenizer(vocabulary: try WordPieceVocabulary(tokens: Self.toyTokens))
        #expect(tokenizer.wordPieces("unaffable") == [Self.toy("un"), Self.toy("##aff"), Self.toy("##able")])
        #expect(tokenizer.wordPieces("Hello, UNAFFABLE!") == [
            Self.toy("hello"), Self.toy(","), Self.toy("un"), Self.toy("##aff"), Self.toy("##able"), Self.toy("[UNK]"),
        ])
        #expect(tokenizer.wordPieces("unaffablex") == [Self.toy("[UNK]")])
        #expect(tokenizer.wordPieces("Café") == [Self.toy("cafe")])
        let short = BertTokenizer(vocabulary: try WordPieceVocabulary(tokens: Self.toyTokens), maxInputCharactersPerWord: 5)
        #expect(short.wordPieces("unaffable hello") == [Self.toy("[UNK]"), Self.toy("hello")])
    }

    @Test("the vocabulary maps ids both ways and rejects files without the BERT specials")
    func vocabulary() throws {
        let vocabulary = try WordPieceVocabulary(tokens: Self.toyTokens)
        #expect(vocabulary.count == Self.toyTokens.count)
        #expect(vocabulary.id("##aff") == 6)
        #expect(vocabulary.id("aff") == nil)
        #expect(vocabulary.token(6) == "##aff")
        #expect(vocabulary.token(999) == "[UNK]")

        #expect(throws: TokenizerError.self) { try WordPieceVocabulary(tokens: ["[PAD]", "[UNK]", "[SEP]"]) }
        do {
            _ = try WordPieceVocabulary(tokens: ["[PAD]", "[UNK]", "[SEP]"])
        } catch let error as TokenizerError {
            #expect(error.code == .missingSpecialToken)
            #expect(error.description.contains("[CLS]"))
        }
        let missing = URL(fileURLWithPath: "/nonexistent-quarry-\(UUID().uuidString)/vocab.txt")
        do {
            _ = try WordPieceVocabulary(contentsOf: missing)
            Issue.record("loading a missing vocabulary did not throw")
        } catch let error as TokenizerError {
            #expect(error.code == .missingFile)
        }
    }
}

@Suite struct ReferenceFixtureCopyTests {
    @Test("the reference fixtures in the repository are byte for byte the ones in ../shared", Fixtures.needsShared)
    func sameAsShared() throws {
        let shared = Fixtures.shared()
        for (name, source) in [("minilm_tokens.jsonl", "fixtures/minilm_tokens.jsonl"), ("minilm_embeddings.jsonl", "fixtures/minilm_embeddings.jsonl"),
                               ("msmarco_bm25_run.trec", "fixtures/msmarco_bm25_run.trec"), ("metrics_reference.json", "fixtures/metrics_reference.json"),
                               ("msmarco_qrels_test.tsv", "corpora/msmarco/qrels/test.tsv")]
            + ["config.json", "tokenizer_config.json", "vocab.txt", "expected.jsonl"].map { ("tiny-cross-encoder/\($0)", "fixtures/tiny-cross-encoder/\($0)") } {
            let copy = try Data(contentsOf: Fixtures.reference(name))
            #expect(copy == (try Data(contentsOf: shared.appendingPathComponent(source))), "\(name) differs from ../shared/\(source)")
        }
    }
}
