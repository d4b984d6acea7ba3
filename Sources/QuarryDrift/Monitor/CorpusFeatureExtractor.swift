import QuarryText

/// Turns sampled chunks into the features corpus drift is judged on:
///
/// | feature           | kind        | what                                                                |
/// |-------------------|-------------|---------------------------------------------------------------------|
/// | `chunk_length`    | numeric     | tokens per chunk, as the collection counted them                    |
/// | `vocabulary`      | categorical | every analysed term occurrence (the 100 most frequent terms; the rest pooled as `(other)`) |
/// | `script`          | categorical | the script most of the chunk's letters are in (ICU)                 |
/// | `chunk_embedding` | embedding   | the stored vector (only when both sides use one embedder)           |
///
/// Both sides are analysed with one analyzer (the reference's), so a term means the same on
/// each. Vocabulary rows are term occurrences, thousands per side, so the policy judges it with
/// the Jensen–Shannon distance of the term frequencies rather than a χ² test, which would
/// reject on any two real corpora.
public struct CorpusFeatureExtractor: Sendable {
    public static let length = "chunk_length"
    public static let vocabulary = "vocabulary"
    public static let script = "script"
    public static let embedding = "chunk_embedding"

    public let analyzer: any Analyzer

    public init(analyzer: any Analyzer) {
        self.analyzer = analyzer
    }

    /// The features of `sample`'s chunks; embeddings only when `includeEmbeddings`.
    public func extract(_ sample: CorpusSample, includeEmbeddings: Bool) throws -> FeatureTable {
        var table = FeatureTable(rowCount: sample.chunks.count)
        table.add(Self.length, "tokens per chunk", .numeric(sample.chunks.map { Double($0.tokenCount) }))
        table.add(Self.vocabulary, "analysed term occurrences (\(analyzer.name) analyzer)", .labels(try sample.chunks.map { try analyzer.terms($0.text) }))
        table.add(Self.script, "dominant script of the chunk's letters (ICU)", .categorical(sample.chunks.map { ScriptProfile($0.text).dominant ?? "none" }))
        if includeEmbeddings, let identity = sample.embedder {
            table.add(Self.embedding, "stored chunk embedding (\(identity))", .embedding(sample.chunks.map(\.vector)))
        } else {
            table.markUnavailable(Self.embedding, sample.embedder == nil ? "collection '\(sample.collection)' has no embeddings"
                                  : "the two sides were embedded with different embedders; their vectors are not comparable")
        }
        return table
    }
}
