/// Scores (query, passage) pairs jointly, after retrieval: a cross-encoder reads both texts
/// together, so it judges relevance better than the bi-encoder or BM25 that found the
/// candidates, at a cost per pair that limits it to the top few dozen fused hits.
///
/// Implementations: `CrossEncoderReranker` (the native cross-encoder in this process) and
/// `HTTPReranker` (Cohere, Jina and Hugging Face TEI `/rerank` APIs).
public protocol Reranker: Sendable {
    /// What scored the pairs (kind, model, checksum or endpoint), recorded with results.
    var identity: String { get }

    /// One relevance score per passage, in the order given; higher is more relevant. Scores
    /// are comparable within one call only.
    /// - Throws: when the model or the endpoint fails; callers report it, never drop it.
    func scores(query: String, passages: [String]) async throws -> [Float]
}
