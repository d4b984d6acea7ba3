/// Settings with a fixed set of values, typed: the configuration loader parses each once,
/// naming the key and the choices on a bad value, and every module switches over the enum
/// instead of re-parsing a string it was handed.
public protocol SettingChoice: RawRepresentable, CaseIterable, Sendable, Equatable, Codable where RawValue == String {}

extension SettingChoice {
    /// "a, b or c", for error messages.
    public static var choices: String {
        let names = allCases.map(\.rawValue)
        return names.count < 2 ? names.joined() : names.dropLast().joined(separator: ", ") + " or " + names.last!
    }
}

/// How a query retrieves (`retrieval.mode`, `--mode`, `"mode"`).
public enum SearchMode: String, SettingChoice {
    /// BM25 over the collection's analyzer.
    case lexical
    /// Nearest neighbours of the query embedding (HNSW).
    case dense
    /// Lexical and dense top-n fused (by default `auto`: the dense list weighted by how well
    /// the embedder reads the query's script and the collection's and query's words).
    case hybrid
}

/// How hybrid retrieval fuses its two lists (`retrieval.fusion`).
public enum FusionMethod: String, SettingChoice {
    /// The default: a convex combination of min-max scaled scores whose dense weight follows
    /// how well the embedder reads the collection and the query (`Fusion.auto`).
    case auto
    /// Reciprocal rank fusion.
    case rrf
    /// A weighted sum of normalised scores.
    case convex
}

/// How an HNSW index holds its vectors while it serves searches
/// (`retrieval.vector_quantization`).
public enum VectorQuantization: String, SettingChoice {
    /// Float32 vectors in memory: exact distances everywhere.
    case none
    /// One byte per component in memory (SQ8 codes) steers the graph search; the float
    /// vectors stay in the mapped index file and are read only to rescore the beam's
    /// candidates, so results stay close to float search at the same ef while the resident
    /// vectors are a quarter of the float size.
    case int8
}

/// How convex fusion puts scores on one scale (`retrieval.normalization`).
public enum ScoreNormalization: String, SettingChoice {
    case minMax = "minmax"
    case zScore = "zscore"
}

/// What embeds chunks and queries (`embedding.provider`).
public enum EmbeddingProvider: String, SettingChoice {
    /// BERT in-process.
    case native
    /// An OpenAI-compatible /v1/embeddings endpoint.
    case http
    /// No embeddings: lexical search only.
    case none
}

/// What reranks (`rerank.provider`).
public enum RerankProvider: String, SettingChoice {
    case none
    /// A cross-encoder model folder, in-process.
    case native
    /// A /rerank endpoint.
    case http
}

/// The request and response shapes of an HTTP reranker (`rerank.api`).
public enum RerankAPI: String, SettingChoice {
    case cohere, jina, tei
}

/// What writes answers (`llm.provider`).
public enum LLMProvider: String, SettingChoice {
    /// Extractive answers only.
    case none
    /// Any OpenAI-compatible chat completions server.
    case openai
    /// A GGUF chat model run in this process (`llm.model`: the file or its folder).
    case native
    /// `native` when the model file is there (by default SmolLM2-135M-Instruct, which
    /// `scripts/fetch-model` puts in models/), else extractive answers.
    case auto
}

/// What happens to an answer's sentences that its passages do not support
/// (`generation.grounding`).
public enum GroundingMode: String, SettingChoice {
    /// Unsupported sentences are never shown; when none is left, the extractive answer is,
    /// with the model's draft marked unverified.
    case strict
    /// Every sentence is shown, each with its verdict.
    case annotate
    /// No check (the answer as the model wrote it).
    case off
}

/// How the native model may write (`generation.decoding`).
public enum DecodingMode: String, SettingChoice {
    /// Any token the model likes.
    case free
    /// Only copies — of the spans or sentences an extractive answer would quote, chosen
    /// and ordered by the model, each followed by its passage's citation — or the refusal
    /// sentence: grounded by construction.
    case copy
}

/// How long an answer is (`generation.answer_form`).
public enum AnswerForm: String, SettingChoice {
    /// A short span ("Kawann Short [1]") when the question asks for a fact (who, when, how
    /// many, …) and a span of that kind is found; whole sentences otherwise.
    case auto
    /// Whole sentences.
    case sentences
}
