import Foundation
import QuarryWire

/// Whether an answer declines to answer: what a grounded answerer should do when its
/// passages do not hold the answer.
///
/// A `no_context` answer declines by construction. Otherwise the text is matched against the
/// ways English answers say so ("not mentioned", "no information", "cannot answer", "does
/// not say", …), case-insensitively — a lexical rule, so it undercounts refusals worded
/// otherwise and would count an answer that quotes such a phrase; the report names it a
/// proxy. An extractive answer never declines (it quotes the passages it has).
public enum Refusal {
    static let phrases = [
        "not mentioned", "isn't mentioned", "is not mentioned", "no information", "not enough information", "insufficient information",
        "cannot answer", "can't answer", "cannot be answered", "unable to answer", "unable to find", "cannot find", "can't find",
        "cannot determine", "can't determine", "does not say", "doesn't say", "do not say", "does not mention", "doesn't mention",
        "does not contain", "doesn't contain", "do not mention", "don't mention", "not in the passage", "does not provide", "doesn't provide", "do not contain", "do not provide",
        "not provided", "not specified", "not stated", "not given in", "no passage", "none of the passages", "i don't know",
        "i do not know", "there is no answer", "no answer in",
    ]

    public static func declines(_ answer: Answer) -> Bool {
        if answer.kind == .noContext { return true }
        guard answer.kind == .generated else { return false }
        let text = answer.text.lowercased().replacingOccurrences(of: "\u{2019}", with: "'")
        return phrases.contains { text.contains($0) }
    }
}
