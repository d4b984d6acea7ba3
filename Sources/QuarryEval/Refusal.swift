import Foundation
import QuarryGenerate
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
    public static func declines(_ answer: Answer) -> Bool {
        if answer.kind == .noContext { return true }
        guard answer.kind == .generated else { return false }
        return Declining.declines(answer.text)
    }
}
