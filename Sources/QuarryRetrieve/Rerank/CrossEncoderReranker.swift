import Foundation
import QuarryCore
import QuarryModels

/// The native reranker: a BERT cross-encoder (e.g. cross-encoder/ms-marco-MiniLM-L-6-v2)
/// in this process. The model runs on a dispatch thread, off the cooperative pool, like the
/// native embedder.
public struct CrossEncoderReranker: Reranker {
    public let model: CrossEncoder
    public let identity: String

    /// Loads a model folder in Hugging Face layout with a sequence-classification head.
    /// - Throws: `RetrieveError` naming the folder when it is missing; the model's own
    ///   errors when its weights or head are unusable.
    public init(modelDirectory: URL, maxSequenceLength: Int = 512) throws {
        guard FileManager.default.fileExists(atPath: modelDirectory.appendingPathComponent("model.safetensors").path) else {
            throw RetrieveError("no cross-encoder model at \(modelDirectory.path) (rerank.model must name a folder with model.safetensors, config.json and vocab.txt)")
        }
        model = try CrossEncoder(modelDirectory: modelDirectory, maxSequenceLength: maxSequenceLength)
        identity = "cross-encoder:\(modelDirectory.standardizedFileURL.lastPathComponent)"
    }

    public func scores(query: String, passages: [String]) async throws -> [Float] {
        let model = self.model
        return try await BlockingWork.run { try model.score(query: query, passages: passages) }
    }
}
