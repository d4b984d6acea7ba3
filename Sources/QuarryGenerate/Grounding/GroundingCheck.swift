import Foundation
import QuarryCore
import QuarryText
import QuarryWire

/// Checks a model's answer sentence by sentence against the passages of its prompt and
/// decides what is shown (`generation.grounding`).
///
/// Each sentence gets a verdict (`SentenceVerdict.Status`):
/// - supported: the passages it cites back it (`SupportTest`);
/// - attributed: it cites nothing, or passages that do not back it, but one passage of the
///   prompt does — its markers are replaced by that passage's (the best-covering one), so
///   every shown sentence carries a citation that backs it;
/// - declines: no passage backs it, it says the passages do not answer (`Declining`), and
///   it says nothing else — its words are the passages', the question's or about the
///   sources, its numbers the passages' (its citations, if any, are taken off);
/// - unsupported: nothing in the prompt backs it.
///
/// strict shows the first three kinds, in order, once each, and hides unsupported ones (the answer
/// falls back to the extractive one when nothing is left); annotate shows the model's text
/// unchanged with the verdicts beside it.
public struct GroundingCheck: Sendable {
    public let test: SupportTest
    public let passages: [ContextPassage]
    private let pools: [Int: Set<String>]
    /// What a refusal may restate.
    private let question: String

    /// Words a refusal uses about the sources ("the provided passages do not …"), beside
    /// the refusal phrases' own.
    static let refusalWords = "passage passages source sources text texts context document documents provided given information answer question"

    /// Reads each passage's terms once (for one answer); `question` is what a refusal may restate.
    public init(test: SupportTest, passages: [ContextPassage], question: String = "") throws {
        let test = test.reading(passages)
        self.test = test
        self.passages = passages
        var pools: [Int: Set<String>] = [:]
        for passage in passages { pools[passage.number] = try test.terms(passage.text) }
        self.pools = pools
        self.question = question
    }

    /// What a refusal may mention without claiming anything: the passages' words, the
    /// question's, and words about the sources. Read only when a sentence sounds like a refusal.
    func refusalPool() throws -> Set<String> {
        let refusing = question + " " + Self.refusalWords + " " + Declining.phrases.joined(separator: " ")
        return pools.values.reduce(into: try test.terms(refusing)) { $0.formUnion($1) }
    }

    /// The verdict on one sentence (with the citations that follow it).
    public func verdict(_ sentence: String) throws -> SentenceVerdict {
        let cited = CitationParser.numbers(in: sentence)
        let terms = try test.terms(sentence)
        let known = cited.filter { pools[$0] != nil }
        let ownPool = known.reduce(into: Set<String>()) { $0.formUnion(pools[$1]!) }
        let own = test.judge(terms, against: ownPool)
        if !known.isEmpty, own.supported, known.count == cited.count {
            return SentenceVerdict(text: sentence, status: .supported, citations: known, coverage: own.coverage, missing: [], shown: true)
        }
        if !own.empty {
            // The passage that backs it best, earlier passages first on a tie.
            var best: (number: Int, coverage: Double)?
            for passage in passages {
                let outcome = test.judge(terms, against: pools[passage.number]!)
                if outcome.supported, outcome.coverage > (best?.coverage ?? -1) { best = (passage.number, outcome.coverage) }
            }
            if let best {
                let text = Self.tidy(CitationParser.removingMarkers(sentence)) + " [\(best.number)]"
                return SentenceVerdict(text: text, status: .attributed, citations: [best.number], coverage: best.coverage, missing: [], shown: true)
            }
        }
        // A refusal claims nothing, so it needs no citation (one on it backs nothing and is
        // taken off) — as long as it says nothing else: every word of it must be the
        // passages', the question's or about the sources, and every number the passages'.
        if Declining.declines(sentence), test.judge(terms, against: try refusalPool()).supported {
            return SentenceVerdict(text: cited.isEmpty ? sentence : Self.tidy(CitationParser.removingMarkers(sentence)), status: .declines,
                                   citations: [], coverage: 1, missing: [], shown: true)
        }
        return SentenceVerdict(text: sentence, status: .unsupported, citations: cited, coverage: own.coverage,
                               missing: Array(own.missing.prefix(8)), shown: false)
    }

    /// `text` with the spaces removed markers leave: none before closing punctuation, one between words.
    static func tidy(_ text: String) -> String {
        var out = ""
        for character in text {
            if character.isWhitespace {
                if !out.isEmpty, out.last != " " { out.append(" ") }
            } else {
                if ".,;:!?)".contains(character), out.last == " " { out.removeLast() }
                out.append(character)
            }
        }
        return out.trimmingCharacters(in: .whitespaces)
    }

    /// The verdicts on every sentence of `text`.
    public func verdicts(_ text: String) throws -> [SentenceVerdict] {
        try CitedSentences.split(text).map(verdict)
    }

    /// What `mode` shows of `text`: the text (nil under strict when no sentence is left)
    /// and the report (nil under off).
    public func apply(_ mode: GroundingMode, to text: String) throws -> (shown: String?, report: GroundingReport?) {
        switch mode {
        case .off:
            return (text, nil)
        case .annotate:
            let start = DispatchTime.now().uptimeNanoseconds
            var sentences = try verdicts(text)
            for i in sentences.indices { sentences[i].shown = true }
            let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
            return (text, GroundingReport(mode: mode.rawValue, sentences: sentences, draft: nil, milliseconds: elapsed))
        case .strict:
            // The same path as a streamed answer, all text at once: one rule for what strict shows.
            var stream = GroundedStream(check: self)
            _ = try stream.finish(text)
            return (stream.shownText, stream.report(draft: text))
        }
    }

    /// Whether two texts differ only in spacing (a draft is kept only when strict changed words).
    static func sameWords(_ a: String?, _ b: String) -> Bool {
        guard let a else { return false }
        return a.split(whereSeparator: \.isWhitespace) == b.split(whereSeparator: \.isWhitespace)
    }

    /// What makes two sentences the same one: their words, markers and case aside.
    static func key(_ sentence: String) -> String {
        CitationParser.removingMarkers(sentence).lowercased().split(whereSeparator: { !$0.isLetter && !$0.isNumber }).joined(separator: " ")
    }

    /// The share of `text`'s sentences the passages they cite back (the eval's
    /// `support_rate`): attribution does not count, since the text read does not carry the
    /// citation — under strict the shown text carries it, so it counts there. A sentence that
    /// declines claims nothing and is not counted; 1 when every sentence declines, 0 for an
    /// empty text.
    public func supportRate(_ text: String) throws -> Double {
        let sentences = try verdicts(text)
        let claims = sentences.filter { $0.status != .declines }
        guard !sentences.isEmpty else { return 0 }
        guard !claims.isEmpty else { return 1 }
        return Double(claims.filter { $0.status == .supported }.count) / Double(claims.count)
    }
}
