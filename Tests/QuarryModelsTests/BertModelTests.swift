import Foundation
import QuarryModels
import QuarryTesting
import Testing

/// The model folder scripts/fetch-model unpacks (CI runs it before the tests).
let miniLMDirectory = Fixtures.packageRoot().appendingPathComponent("models/all-MiniLM-L6-v2")

@Suite struct BertModelTests {
    static let encoder: Result<SentenceEncoder, Error> = Result { try SentenceEncoder(modelDirectory: miniLMDirectory) }

    func encoder() throws -> SentenceEncoder {
        do {
            return try Self.encoder.get()
        } catch {
            Issue.record("all-MiniLM-L6-v2 is not in models/ (run scripts/fetch-model): \(error)")
            throw error
        }
    }

    @Test("every reference embedding is reproduced (cosine ≥ 0.9999)")
    func referenceEmbeddings() throws {
        let encoder = try encoder()
        let lines = try String(contentsOf: Fixtures.reference("minilm_embeddings.jsonl"), encoding: .utf8)
            .split(separator: "\n")
        var texts: [String] = []
        var expected: [[Float]] = []
        for line in lines {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            texts.append(try #require(object["text"] as? String))
            expected.append(try #require(object["embedding"] as? [Double]).map(Float.init))
        }
        let vectors = encoder.encode(texts)
        var worstCosine: Float = 1
        var worstAbs: Float = 0
        for (i, (got, want)) in zip(vectors, expected).enumerated() {
            #expect(got.count == 384)
            let cosine = zip(got, want).reduce(Float(0)) { $0 + $1.0 * $1.1 }
            let maxAbs = zip(got, want).map { abs($0 - $1) }.max() ?? 0
            worstCosine = min(worstCosine, cosine)
            worstAbs = max(worstAbs, maxAbs)
            #expect(cosine >= 0.9999, "text \(i) (\(texts[i].prefix(40))): cosine \(cosine)")
        }
        print("minilm_embeddings: \(vectors.count) texts, worst cosine \(worstCosine), max |Δ| \(worstAbs)")
        #expect(worstAbs < 1e-4)
    }

    @Test("batching does not change embeddings")
    func batchingInvariant() throws {
        let encoder = try encoder()
        let texts = ["short", "a somewhat longer sentence about retrieval and embeddings", "", "Paris is the capital of France."]
        let together = encoder.encode(texts)
        for (text, vector) in zip(texts, together) {
            let alone = encoder.encode([text])[0]
            #expect(zip(alone, vector).map { abs($0 - $1) }.max()! < 1e-5)
        }
    }

    @Test("the tiny cross-encoder reproduces PyTorch's logits to 1e-4")
    func crossEncoder() throws {
        let directory = try Fixtures.tinyCrossEncoder()
        let model = try CrossEncoder(modelDirectory: directory, maxSequenceLength: 128)
        let lines = try String(contentsOf: directory.appendingPathComponent("expected.jsonl"), encoding: .utf8).split(separator: "\n")
        #expect(!lines.isEmpty)
        for line in lines {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let query = try #require(object["query"] as? String)
            let passage = try #require(object["passage"] as? String)
            let logit = try #require(object["logit"] as? Double)
            let score = try model.score(query: query, passages: [passage])[0]
            #expect(abs(Double(score) - logit) < 1e-4, "\(query) / \(passage.prefix(30)): \(score) vs \(logit)")
        }
    }

    @Test("a model folder without weights or with a damaged header is a clear error")
    func badFolders() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        #expect(throws: ModelError.self) { try BertModel(modelDirectory: dir.url) }
        try dir.write("config.json", try String(contentsOf: miniLMDirectory.appendingPathComponent("config.json"), encoding: .utf8))
        try dir.write("model.safetensors", Data([0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0, 0x7B]))
        let error = #expect(throws: ModelError.self) { try BertModel(modelDirectory: dir.url) }
        #expect(error?.code == .invalidFile)
    }

    @Test("OpenBLAS runs a kernel the CPU supports and says which")
    func blasKernel() throws {
        try BLAS.load()
        #expect(BLAS.kernelDescription.hasPrefix("OpenBLAS kernel "))
        print(BLAS.kernelDescription)
    }
}
