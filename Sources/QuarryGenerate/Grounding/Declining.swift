/// Whether a sentence declines to answer ("the passages do not say") — what a grounded
/// answerer should write when its passages do not hold the answer, and a sentence that
/// claims nothing, so the grounding check keeps it without a citation.
///
/// The ways English answers say so, matched case-insensitively: a lexical rule, so it misses
/// refusals worded otherwise and would count a sentence that quotes such a phrase.
public enum Declining {
    static let phrases = [
        "not mentioned", "isn't mentioned", "is not mentioned", "no information", "not enough information", "insufficient information",
        "cannot answer", "can't answer", "cannot be answered", "unable to answer", "unable to find", "cannot find", "can't find",
        "cannot determine", "can't determine", "does not say", "doesn't say", "do not say", "does not mention", "doesn't mention",
        "does not contain", "doesn't contain", "do not mention", "don't mention", "not in the passage", "does not provide", "doesn't provide", "do not contain", "do not provide",
        "not provided", "not specified", "not stated", "not given in", "no passage", "none of the passages", "i don't know",
        "i do not know", "there is no answer", "no answer in", "do not answer the question", "does not answer the question",
    ]

    /// The sentence the copy decoder may write instead of copying (and the check keeps).
    public static let sentence = "I cannot answer from the provided sources."

    public static func declines(_ text: String) -> Bool {
        let lowered = text.lowercased().replacingOccurrences(of: "\u{2019}", with: "'")
        return phrases.contains { lowered.contains($0) }
    }
}
