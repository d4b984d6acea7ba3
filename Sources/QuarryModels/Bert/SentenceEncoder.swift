import Foundation
import QuarryCore

/// A sentence-transformers-style bi-encoder: BERT WordPiece tokenization (truncated at
/// `maxSequenceLength`), the BERT forward pass, mean pooling and L2 normalisation.
///
/// Texts are sorted by length and cut into batches under a token budget; batches run in
/// parallel on all cores with single-threaded BLAS calls (parallelism across batches keeps
/// the attention and element-wise work parallel too, which BLAS threading would not).
public final class SentenceEncoder: Sendable {
    public let model: BertModel
    public let tokenizer: BertTokenizer
    /// Longest input in tokens, specials included (256 for all-MiniLM-L6-v2: the value
    /// sentence-transformers uses, overriding tokenizer.json's 128).
    public let maxSequenceLength: Int
    /// Tokens per batch: bounds memory (activations are ~6 KB per token for MiniLM).
    public let batchTokenBudget: Int
    /// SHA-256 of model.safetensors, hashed once at load: part of the embedder's identity.
    public var weightsSHA256: String { model.weightsSHA256 }
    public var dimension: Int { model.configuration.hiddenSize }

    /// Loads a model folder in Hugging Face layout (config.json, model.safetensors, vocab.txt,
    /// optional tokenizer_config.json and sentence_bert_config.json).
    public init(modelDirectory: URL, maxSequenceLength: Int? = nil, batchTokenBudget: Int = 8192) throws {
        model = try BertModel(modelDirectory: modelDirectory)
        tokenizer = try BertTokenizer.load(modelDirectory: modelDirectory)
        let configured = Self.sentenceBertMaxLength(modelDirectory)
        self.maxSequenceLength = min(maxSequenceLength ?? configured ?? 256, model.configuration.maxPositions)
        self.batchTokenBudget = max(batchTokenBudget, self.maxSequenceLength)
        BLAS.setThreads(1)
    }

    static func sentenceBertMaxLength(_ directory: URL) -> Int? {
        guard let data = FileManager.default.contents(atPath: directory.appendingPathComponent("sentence_bert_config.json").path),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return nil }
        return object["max_seq_length"] as? Int
    }

    /// Embeddings of `texts`, in order.
    public func encode(_ texts: [String]) -> [[Float]] {
        let inputs = texts.map { tokenizer.encode($0, maxLength: maxSequenceLength) }
        return model.batched(inputs, tokenBudget: batchTokenBudget) { model, batch in model.embed(batch) }
    }
}

/// A cross-encoder reranker model: scores (query, passage) pairs with a BERT sequence
/// classifier (one logit = relevance).
public final class CrossEncoder: Sendable {
    public let model: BertModel
    public let tokenizer: BertTokenizer
    public let maxSequenceLength: Int

    public init(modelDirectory: URL, maxSequenceLength: Int = 512) throws {
        model = try BertModel(modelDirectory: modelDirectory)
        guard model.hasClassifier else {
            throw ModelError(.unsupported, "\(modelDirectory.path) has no classification head; a cross-encoder needs BertForSequenceClassification weights")
        }
        tokenizer = try BertTokenizer.load(modelDirectory: modelDirectory)
        self.maxSequenceLength = min(maxSequenceLength, model.configuration.maxPositions)
        BLAS.setThreads(1)
    }

    /// The first logit for each (query, passage) pair.
    public func score(query: String, passages: [String]) throws -> [Float] {
        let inputs = passages.map { tokenizer.encodePair(query, $0, maxLength: maxSequenceLength) }
        return try model.classify(inputs).map { $0.first ?? 0 }
    }
}
