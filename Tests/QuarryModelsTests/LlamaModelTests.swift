import Foundation
import QuarryModels
import QuarryTesting
import Testing

/// SmolLM2-135M-Instruct's decoder against llama.cpp's greedy continuations
/// (`smollm2_greedy.jsonl`, scripts/fixtures/smollm2_greedy.py).
@Suite struct LlamaModelTests {
    static let path = Fixtures.packageRoot().appendingPathComponent("models/SmolLM2-135M-Instruct/SmolLM2-135M-Instruct.Q4_1.gguf").path
    static let loaded: Result<LlamaModel, Error> = Result { try LlamaModel(gguf: GGUFFile(path: path)) }

    /// The decoder does llama.cpp's x86 arithmetic in its order (CKernels' qllama), so it must
    /// give llama.cpp's tokens, not just similar ones: this 135M model's greedy path flips on
    /// one rounding (llama.cpp itself changes 11 of these 20 continuations when its flash
    /// attention is switched on). Every prompt's whole answer (up to 64 tokens) must be
    /// llama.cpp's, and the top-3 log-probabilities at every position, teacher-forced on
    /// llama.cpp's tokens, within 1e-3 (measured: 1.2e-4). `QUARRY_LLAMA_PROMPTS` sets how
    /// many of the 20 prompts run (default 6).
    @Test("greedy decoding gives llama.cpp's tokens and log-probabilities")
    func greedy() throws {
        let model: LlamaModel
        do {
            model = try Self.loaded.get()
        } catch {
            Issue.record("SmolLM2-135M-Instruct is not in models/ (run scripts/fetch-model SmolLM2-135M-Instruct): \(error)")
            return
        }
        let lines = try String(contentsOf: Fixtures.reference("smollm2_greedy.jsonl"), encoding: .utf8).split(separator: "\n")
        let limit = Int(ProcessInfo.processInfo.environment["QUARRY_LLAMA_PROMPTS"] ?? "") ?? 6
        var equal = 0, checked = 0
        var worst = 0.0
        for line in lines.prefix(limit) {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let row = object["id"] as? Int ?? -1
            let prompt = try #require(object["prompt_ids"] as? [Int]).map(Int32.init)
            let want = try #require(object["generated_ids"] as? [Int]).map(Int32.init)
            let steps = try #require(object["top_logprobs"] as? [[[Double]]])
            // Teacher-forced on llama.cpp's tokens: the log-probabilities at every position.
            var cache = model.makeCache()
            var logits = try model.forward(prompt, cache: &cache)
            for (i, top) in steps.enumerated() {
                let maximum = logits.max()!
                let logSum = log(logits.reduce(Float(0)) { $0 + exp($1 - maximum) }) + maximum
                for entry in top {
                    let difference = abs(Double(logits[Int(entry[0])] - logSum) - entry[1])
                    worst = max(worst, difference)
                    #expect(difference < 1e-3, "row \(row) position \(i) token \(Int(entry[0]))")
                }
                if i + 1 < steps.count { logits = try model.forward([want[i]], cache: &cache) }
            }
            // Free-running: up to 64 tokens or the end of the turn (<|im_end|> 2, <|endoftext|> 0), as llama.cpp stopped.
            let got = try model.greedy(prompt, count: 64, stop: [0, 2])
            if got == want { equal += 1 }
            let at = zip(got, want).prefix { $0 == $1 }.count
            #expect(got == want, "row \(row) differs at token \(at) of \(want.count)")
            checked += 1
        }
        print("smollm2_greedy: \(equal)/\(checked) prompts give llama.cpp's whole answer; log-probabilities within \(worst)")
    }

    @Test("a file that is no Llama model, a prompt over the context and an unknown token id are clear errors")
    func errors() throws {
        let tiny = #expect(throws: ModelError.self) { try LlamaModel(gguf: GGUFFile(path: Fixtures.reference("gguf/tiny.gguf").path)) }
        #expect(tiny?.description.contains("llama.") == true, "\(String(describing: tiny))")
        guard let model = try? Self.loaded.get() else { return }
        var cache = model.makeCache()
        let long = #expect(throws: ModelError.self) { try model.forward([Int32](repeating: 1, count: model.configuration.contextLength + 1), cache: &cache) }
        #expect(long?.description.contains("positions") == true)
        let unknown = #expect(throws: ModelError.self) { try model.forward([1, Int32(model.configuration.vocabulary)], cache: &cache) }
        #expect(unknown?.description.contains("outside the vocabulary") == true)
        #expect(cache.count == 0, "a refused call leaves the cache as it was")
    }
}
