/// What the grounding check (`generation.grounding`) found in a model's answer, sentence by
/// sentence: carried by the JSON answer, the SSE stream's `grounding` event and the
/// OpenAI-compatible chat's `quarry` field, so a client can show or audit each verdict.
public struct GroundingReport: Sendable, Codable, Equatable {
    /// `strict`, `annotate` or `off` (no report is made for off).
    public var mode: String
    public var sentences: [SentenceVerdict]
    /// The model's whole answer, unverified, when what is shown differs from it (strict
    /// dropped or re-cited a sentence, or fell back to the extractive answer).
    public var draft: String?
    /// Time the check took.
    public var milliseconds: Double

    public init(mode: String, sentences: [SentenceVerdict], draft: String?, milliseconds: Double) {
        self.mode = mode
        self.sentences = sentences
        self.draft = draft
        self.milliseconds = milliseconds
    }

    /// Sentences shown as supported (their own citations, or one the check added).
    public var supported: Int { sentences.filter { $0.status == .supported || $0.status == .attributed }.count }
}

/// One sentence of a model's answer and whether the passages back it.
public struct SentenceVerdict: Sendable, Codable, Equatable {
    public enum Status: String, Sendable, Codable {
        /// The passages it cites hold its content (and every number it states).
        case supported
        /// It cited nothing, or passages that do not back it, but one passage of the prompt
        /// does: that passage's citation replaces its own.
        case attributed
        /// It declines to answer ("the passages do not say"): no claim to check.
        case declines
        /// No passage of the prompt backs it.
        case unsupported
    }

    /// The sentence with the citations that follow it: as the model wrote it, or as shown
    /// when the check re-cited it (attributed) or took a citation off (declines).
    public var text: String
    public var status: Status
    /// The passages it cites as shown (after attribution).
    public var citations: [Int]
    /// Share of its content terms found in the cited (or attributed) passages.
    public var coverage: Double
    /// Content terms no cited passage holds (the first few), for unsupported sentences.
    public var missing: [String]
    /// Whether the answer shows it (strict hides unsupported sentences, and repeats of one
    /// already shown).
    public var shown: Bool

    public init(text: String, status: Status, citations: [Int], coverage: Double, missing: [String], shown: Bool) {
        self.text = text
        self.status = status
        self.citations = citations
        self.coverage = coverage
        self.missing = missing
        self.shown = shown
    }
}
