import Foundation
import QuarryCore
import QuarryText

/// The answer when there is no LLM, or the LLM failed: the sentences of the top passages
/// that best match the question, each cited, in order of how well they match.
///
/// A sentence scores the sum of the BM25 idf of the distinct question terms it contains
/// (the collection's analyzer on both sides, so "running" meets "run" in English
/// collections), damped by its passage's rank (1 / (1 + 0.15·(rank − 1))) so that ties go
/// to better passages. Questions are skipped: they restate rather than answer. Sentences sharing no term with the question are used only when no
/// sentence shares one; then the top passage's first sentence stands in. It is a
/// selection, not a summary: every word of it is quoted from a cited passage. A factoid
/// question ("Who …?", "How many …?") gets the span that answers it instead, when
/// `ShortAnswer` finds one in those sentences.
public struct ExtractiveAnswerer: Sendable {
    public var sentences: Int
    public let analyzer: any Analyzer
    public let idf: @Sendable (String) -> Float
    /// Longest sentence quoted whole, in characters; longer ones are cut at a word end.
    public var maxSentenceCharacters = 400
    /// `auto`: a short span for a factoid question when one is found (`ShortAnswer`).
    public var form: AnswerForm = .auto

    public init(sentences: Int = 3, analyzer: any Analyzer, idf: @escaping @Sendable (String) -> Float) {
        self.sentences = sentences
        self.analyzer = analyzer
        self.idf = idf
    }

    struct Candidate {
        var text: String
        var passage: Int
        var order: Int
        var score: Double
    }

    /// The answer text (sentences followed by their `[n]`), or nil for an empty context.
    public func answer(question: String, context: AssembledContext) throws -> String? {
        guard !context.passages.isEmpty else { return nil }
        let questionTerms = Set(try analyzer.terms(question))
        let segmenter = Segmenter()
        var candidates: [Candidate] = []
        for passage in context.passages {
            let text = UTF16Text(passage.text)
            for segment in try segmenter.sentences(text) {
                let sentence = text.string(segment.range).trimmingCharacters(in: .whitespacesAndNewlines)
                guard sentence.contains(where: { $0.isLetter || $0.isNumber }) else { continue }
                // A question restates, it does not answer (a FAQ heading, a quoted query).
                if sentence.trimmingCharacters(in: CharacterSet(charactersIn: "\"'”’)]»")).hasSuffix("?") { continue }
                let terms = Set(try analyzer.terms(sentence))
                var score = 0.0
                for term in terms.intersection(questionTerms) { score += Double(max(idf(term), 0.01)) }
                score /= 1 + 0.15 * Double(passage.number - 1)
                candidates.append(Candidate(text: sentence, passage: passage.number, order: candidates.count, score: score))
            }
        }
        var chosen = candidates.filter { $0.score > 0 }
            .sorted { $0.score > $1.score || ($0.score == $1.score && $0.order < $1.order) }
        if form == .auto, let kind = ShortAnswer.kind(of: question) {
            let top = chosen.prefix(5).map { (text: $0.text, passage: $0.passage, score: $0.score) }
            if let span = try ShortAnswer.best(kind, sentences: top, question: question,
                                               reading: SupportTest(analyzer: analyzer).reading(context.passages)) {
                return "\(span.text) [\(span.passage)]"
            }
        }
        if chosen.isEmpty, let first = candidates.first { chosen = [first] }
        var seen = Set<String>()
        var parts: [String] = []
        for candidate in chosen where parts.count < sentences {
            let key = candidate.text.lowercased()
            guard seen.insert(key).inserted else { continue }
            parts.append("\(clip(candidate.text)) [\(candidate.passage)]")
        }
        return parts.isEmpty ? nil : parts.joined(separator: " ")
    }

    func clip(_ sentence: String) -> String {
        guard sentence.count > maxSentenceCharacters else { return sentence }
        var cut = String(sentence.prefix(maxSentenceCharacters))
        if let space = cut.lastIndex(where: \.isWhitespace) { cut = String(cut[..<space]) }
        return cut + " …"
    }
}
