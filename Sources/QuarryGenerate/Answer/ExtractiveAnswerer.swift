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
        /// Share of the question's idf mass the sentence holds.
        var coverage: Double
    }

    /// What an extractive answer is made of, best first: short spans (a factoid question
    /// with a span of its kind found) or whole sentences, each with its passage.
    public struct Choices: Sendable {
        public var spans: Bool
        public var items: [(text: String, passage: Int)]
        /// Share of the question's idf mass the best-covering sentence holds (0 … 1).
        public var coverage: Double
    }

    /// The answer text (sentences followed by their `[n]`), or nil for an empty context.
    public func answer(question: String, context: AssembledContext) throws -> String? {
        try choices(question: question, context: context, limit: sentences).flatMap(text)
    }

    /// The answer `choices` make: the best span, or the best `sentences` sentences, each cited.
    public func text(_ choices: Choices) -> String? {
        let parts = choices.items.prefix(choices.spans ? 1 : sentences).map { "\(clip($0.text)) [\($0.passage)]" }
        return parts.isEmpty ? nil : parts.joined(separator: " ")
    }

    /// The ranked spans or sentences an answer to `question` may quote (at most `limit`),
    /// or nil for an empty context. `reading` is the passages read in their language (made
    /// here when not given).
    public func choices(question: String, context: AssembledContext, limit: Int, reading: SupportTest? = nil) throws -> Choices? {
        guard !context.passages.isEmpty else { return nil }
        let questionTerms = Set(try analyzer.terms(question))
        // A term the collection lacks weighs as much as its rarest known term: what the
        // passages lack is what they cannot answer.
        let known = questionTerms.map { Double(idf($0)) }.filter { $0 > 0 }
        let unseen = max(known.max() ?? 1, 1)
        let questionMass = questionTerms.reduce(0.0) { $0 + (idf($1) > 0 ? Double(idf($1)) : unseen) }
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
                let coverage = questionMass > 0 ? score / questionMass : 0
                score /= 1 + 0.15 * Double(passage.number - 1)
                candidates.append(Candidate(text: sentence, passage: passage.number, order: candidates.count, score: score, coverage: coverage))
            }
        }
        let coverage = candidates.map(\.coverage).max() ?? 0
        var chosen = candidates.filter { $0.score > 0 }
            .sorted { $0.score > $1.score || ($0.score == $1.score && $0.order < $1.order) }
        if form == .auto, let kind = ShortAnswer.kind(of: question) {
            let top = chosen.prefix(5).map { (text: $0.text, passage: $0.passage, score: $0.score) }
            let spans = try ShortAnswer.ranked(kind, sentences: top, question: question,
                                               reading: reading ?? SupportTest(analyzer: analyzer).reading(context.passages))
            if !spans.isEmpty { return Choices(spans: true, items: Array(spans.prefix(limit)), coverage: coverage) }
        }
        if chosen.isEmpty, let first = candidates.first { chosen = [first] }
        var seen = Set<String>()
        var items: [(text: String, passage: Int)] = []
        // Headings and fragments ("Catadioptric Telescopes") say too little to quote, unless nothing else is there.
        let sayable = chosen.filter { $0.text.split(whereSeparator: \.isWhitespace).count >= 4 }
        for candidate in sayable.isEmpty ? chosen : sayable where items.count < limit {
            guard seen.insert(candidate.text.lowercased()).inserted else { continue }
            items.append((candidate.text, candidate.passage))
        }
        return Choices(spans: false, items: items, coverage: coverage)
    }

    func clip(_ sentence: String) -> String {
        guard sentence.count > maxSentenceCharacters else { return sentence }
        var cut = String(sentence.prefix(maxSentenceCharacters))
        if let space = cut.lastIndex(where: \.isWhitespace) { cut = String(cut[..<space]) }
        return cut + " …"
    }
}
