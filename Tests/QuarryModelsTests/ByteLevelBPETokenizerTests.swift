import Foundation
import QuarryModels
import QuarryTesting
import Testing

/// SmolLM2-135M-Instruct's byte-level BPE read from its GGUF metadata, against llama.cpp's
/// own tokenizer (`smollm2_tokens.jsonl`, scripts/fixtures/smollm2_tokens.py).
@Suite struct ByteLevelBPETokenizerTests {
    static let model = Fixtures.packageRoot().appendingPathComponent("models/SmolLM2-135M-Instruct/SmolLM2-135M-Instruct.Q4_1.gguf")
    static let loaded: Result<ByteLevelBPETokenizer, Error> = Result { try ByteLevelBPETokenizer(gguf: GGUFFile(path: model.path)) }

    func tokenizer() throws -> ByteLevelBPETokenizer {
        do {
            return try Self.loaded.get()
        } catch {
            Issue.record("SmolLM2-135M-Instruct is not in models/ (run scripts/fetch-model SmolLM2-135M-Instruct): \(error)")
            throw error
        }
    }

    @Test("87 texts (scripts, emoji, controls, chat turns, code, whitespace, digits) give llama.cpp's ids, and decode back")
    func referenceIDs() throws {
        let tokenizer = try tokenizer()
        #expect(tokenizer.preTokenizer == .smollm && tokenizer.addBOS == false && tokenizer.eosID == 2)
        let lines = try String(contentsOf: Fixtures.reference("smollm2_tokens.jsonl"), encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 87)
        var mismatches = 0
        for line in lines {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let text = try #require(object["text"] as? String)
            let want = try #require(object["input_ids"] as? [Int]).map(Int32.init)
            let got = tokenizer.encode(text)
            if got != want { mismatches += 1 }
            #expect(got == want, "row \(object["id"] ?? "?") (\(text.prefix(40).debugDescription))")
            // Decoding gives the text back (U+FFFD stays U+FFFD; nothing else is lost).
            #expect(tokenizer.decode(got) == text, "row \(object["id"] ?? "?")")
        }
        print("smollm2_tokens: \(lines.count - mismatches)/\(lines.count) rows equal")
    }

    @Test("control tokens are text when parseSpecial is off")
    func specialsAsText() throws {
        let tokenizer = try tokenizer()
        #expect(tokenizer.encode("<|im_end|>") == [2])
        #expect(!tokenizer.encode("<|im_end|>", parseSpecial: false).contains(2))
    }
}
