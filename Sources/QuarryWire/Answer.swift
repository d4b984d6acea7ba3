// QuarryWire — what the HTTP API and `--json` output carry.

import QuarryCore

/// A grounded answer: the text, what it cites, where the passages came from and what each
/// stage took. `quarry query --json` prints it; the server returns it.
public struct Answer: Sendable, Codable {
    public enum Kind: String, Sendable, Codable {
        /// Written by the LLM.
        case generated
        /// Sentences quoted from the passages (no LLM configured, or the LLM failed).
        case extractive
        /// No passage matched, so nothing was generated.
        case noContext = "no_context"
    }

    public var question: String
    public var text: String
    public var kind: Kind
    /// Why there is no LLM answer (kind extractive): "no LLM is configured" or the failure.
    public var fallbackReason: String?
    public var citations: [Citation]
    /// `[n]` in the answer that names no passage (a model's mistake, reported not hidden).
    public var unknownCitations: [Int]
    /// The numbered passages the answer could cite.
    public var sources: [ContextPassage]
    /// The retrieved hits, with per-stage scores.
    public var hits: [SearchHit]
    /// The prompt template id (`NAME@sha256:…`).
    public var prompt: String
    /// The LLM's identity, when one was called.
    public var model: String?
    public var mode: SearchMode
    public var denseTrust: Double?
    public var reranker: String?
    /// Milliseconds per stage (retrieval stages, then assembly and generation).
    public var timings: [String: Double]
    public var notes: [String]
    /// How a language-aware analyzer read the question ("query language de (reliable, 97%):
    /// german chain"); nil for the other analyzers and dense-only retrieval.
    public var queryAnalysis: String? = nil
    /// How the lexical and dense lists were fused and how far the dense one was trusted, and
    /// why (hybrid only).
    public var fusion: String? = nil
    /// Tokens the LLM read and wrote, when it says (not for streamed answers from servers
    /// that do not report them), and why it stopped (`stop`, or `length`: the answer is cut).
    public var promptTokens: Int? = nil
    public var completionTokens: Int? = nil
    public var finishReason: String? = nil
    /// The grounding check's verdict per sentence of the model's answer (`generation.grounding`
    /// strict or annotate; nil under off and when no model wrote). An extractive answer
    /// carries one only when strict hid the model's whole answer: its draft is there, unverified.
    public var grounding: GroundingReport? = nil

    public init(question: String, text: String, kind: Kind, fallbackReason: String?, citations: [Citation], unknownCitations: [Int],
                sources: [ContextPassage], hits: [SearchHit], prompt: String, model: String?, mode: SearchMode, denseTrust: Double?,
                reranker: String?, timings: [String: Double], notes: [String]) {
        self.question = question
        self.text = text
        self.kind = kind
        self.fallbackReason = fallbackReason
        self.citations = citations
        self.unknownCitations = unknownCitations
        self.sources = sources
        self.hits = hits
        self.prompt = prompt
        self.model = model
        self.mode = mode
        self.denseTrust = denseTrust
        self.reranker = reranker
        self.timings = timings
        self.notes = notes
    }

    enum CodingKeys: String, CodingKey {
        case question, text, kind, fallbackReason = "fallback_reason", citations, unknownCitations = "unknown_citations"
        case sources, hits, prompt, model, mode, denseTrust = "dense_trust", reranker, timings = "timings_ms", notes, queryAnalysis = "query_analysis", fusion
        case promptTokens = "prompt_tokens", completionTokens = "completion_tokens", finishReason = "finish_reason", grounding
    }
}
