import Foundation
import QuarryCore
import QuarryWire

/// Strict grounding for a streamed answer: the model's tokens are held until the sentence
/// they belong to is complete (the next sentence has begun, so any citation after it has
/// arrived), then the sentence is checked and, when the passages back it, passed on whole.
/// A client of a strict stream thus sees verified sentences, one `token` event each, never
/// the model's raw tokens; the verdicts follow in the final answer.
public struct GroundedStream: Sendable {
    let check: GroundingCheck
    private var buffer = ""
    private var decided: [SentenceVerdict] = []
    /// Text passed on so far: the shown sentences, joined by spaces.
    public private(set) var shown = ""
    /// Sentences already shown (`GroundingCheck.key`): a repeat is not shown again.
    private var seen = Set<String>()
    /// Milliseconds spent checking.
    public private(set) var milliseconds = 0.0

    public init(check: GroundingCheck) {
        self.check = check
    }

    /// Adds a token; returns what may be shown now (empty while a sentence is open).
    public mutating func feed(_ token: String) throws -> String {
        buffer += token
        let sentences = try CitedSentences.split(buffer)
        // The last sentence may still grow or get its citation; so may the one before it
        // while the last holds no letter yet (a marker being written: "[1").
        guard let last = sentences.last, last.contains(where: \.isLetter), sentences.count - 1 > decided.count else { return "" }
        var out = ""
        for sentence in sentences[decided.count ..< sentences.count - 1] {
            out += try pass(sentence)
        }
        return out
    }

    /// The rest once the model has finished (with `rest`, its last text): the open
    /// sentences, checked.
    public mutating func finish(_ rest: String = "") throws -> String {
        buffer += rest
        let sentences = try CitedSentences.split(buffer)
        var out = ""
        for sentence in sentences.dropFirst(decided.count) {
            out += try pass(sentence)
        }
        return out
    }

    /// Every verdict so far, in order.
    public var verdicts: [SentenceVerdict] { decided }

    /// What strict shows, or nil when no sentence passed.
    public var shownText: String? { shown.isEmpty ? nil : shown }

    /// The verdicts, with `text` (the model's whole answer) kept as the unverified draft
    /// when what is shown differs from it in more than spacing.
    public func report(draft text: String) -> GroundingReport {
        GroundingReport(mode: GroundingMode.strict.rawValue, sentences: decided,
                        draft: GroundingCheck.sameWords(shownText, text) ? nil : text, milliseconds: milliseconds)
    }

    private mutating func pass(_ sentence: String) throws -> String {
        let start = DispatchTime.now().uptimeNanoseconds
        var verdict = try check.verdict(sentence)
        milliseconds += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
        if verdict.shown, !seen.insert(GroundingCheck.key(verdict.text)).inserted { verdict.shown = false }  // a repeat
        decided.append(verdict)
        guard verdict.shown else { return "" }
        let piece = (shown.isEmpty ? "" : " ") + verdict.text
        shown += piece
        return piece
    }
}
