import Foundation
import QuarryGenerate
import QuarryText
import QuarryWire

/// Answer quality against reference answers, per query.
///
/// - `answer_em`: exact match after SQuAD's normalisation (lower case, `[n]` citations,
///   punctuation and the articles a/an/the removed, spaces collapsed): 1 or 0. Strict by
///   design; reference answers are sentences, so it is near 0 for free-form answers.
/// - `answer_f1`: SQuAD's token F1 between the normalised answer and reference (bag of
///   whitespace tokens; precision = shared / answer tokens, recall = shared / reference tokens).
/// - `citation_precision`: of the distinct passages the answer cites, the share whose
///   document the qrels judge relevant (> 0) for the query. An answer that cites nothing
///   scores 0: an uncited answer is not grounded.
/// - With several reference answers (SQuAD-style sets list the spans annotators marked),
///   exact match and F1 are the best over them, as SQuAD's script scores.
/// - `refusal_rate` (`Refusal`): of the answers given when no passage in the context is
///   relevant (or to a suite's `unanswerable` questions), the share that decline.
/// - `support_rate`: the share of answer sentences whose content terms (the collection's
///   analyzer, so stop words drop out and stems match) appear, at least 80 % of them, in the
///   passages the sentence cites (or, for a sentence without a citation, in any passage the
///   answer cites). A lexical proxy for faithfulness: an extractive answer scores 1 by
///   construction; a generated sentence that says something its sources do not scores 0.
public enum AnswerMetrics {
    public static let names = ["answer_em", "answer_f1", "citation_precision", "support_rate"]
    /// Scored only for answers whose context holds no relevant passage.
    public static let refusalRate = "refusal_rate"

    /// The four values for one answer.
    public static func score(_ answer: Answer, reference: String, relevant: Set<String>, analyzer: any Analyzer) throws -> [String: Double] {
        try score(answer, references: [reference], relevant: relevant, analyzer: analyzer)
    }

    /// The four values for one answer against any of `references` (the best match counts).
    public static func score(_ answer: Answer, references: [String], relevant: Set<String>, analyzer: any Analyzer) throws -> [String: Double] {
        [
            "answer_em": references.map { exactMatch(answer.text, $0) }.max() ?? 0,
            "answer_f1": references.map { tokenF1(answer.text, $0) }.max() ?? 0,
            "citation_precision": citationPrecision(answer.citations, relevant: relevant),
            "support_rate": try supportRate(answer.text, sources: answer.sources, analyzer: analyzer),
        ]
    }

    public static func normalize(_ text: String) -> [String] {
        var cleaned = ""
        var index = text.startIndex
        // Drop citation markers first so "[1]" does not leave a stray "1".
        while index < text.endIndex {
            if text[index] == "[", let close = text[index...].firstIndex(of: "]"),
               text[text.index(after: index) ..< close].allSatisfy({ $0.isNumber || $0 == "," || $0 == " " || $0 == "-" }) {
                index = text.index(after: close)
                cleaned.append(" ")
                continue
            }
            let character = text[index]
            cleaned.append(character.isPunctuation || character.isSymbol ? " " : character)
            index = text.index(after: index)
        }
        return cleaned.lowercased().split(whereSeparator: \.isWhitespace).map(String.init).filter { !["a", "an", "the"].contains($0) }
    }

    public static func exactMatch(_ prediction: String, _ reference: String) -> Double {
        normalize(prediction) == normalize(reference) ? 1 : 0
    }

    public static func tokenF1(_ prediction: String, _ reference: String) -> Double {
        let predicted = normalize(prediction), expected = normalize(reference)
        if predicted.isEmpty || expected.isEmpty { return predicted == expected ? 1 : 0 }
        var counts: [String: Int] = [:]
        for token in expected { counts[token, default: 0] += 1 }
        var shared = 0
        for token in predicted where (counts[token] ?? 0) > 0 {
            counts[token]! -= 1
            shared += 1
        }
        guard shared > 0 else { return 0 }
        let precision = Double(shared) / Double(predicted.count), recall = Double(shared) / Double(expected.count)
        return 2 * precision * recall / (precision + recall)
    }

    /// The sentences of `text`, each with the citation markers that follow it: ICU ends a
    /// sentence after "light." in "… light. [1] Next …", so leading markers move back to the
    /// sentence before them.
    static func citedSentences(_ text: String) throws -> [String] {
        let units = UTF16Text(text)
        var sentences: [String] = []
        for segment in try Segmenter().sentences(units) {
            var sentence = Substring(units.string(segment.range))
            var moved = ""
            while true {
                let trimmed = sentence.drop(while: \.isWhitespace)
                guard trimmed.first == "[", let close = trimmed.firstIndex(of: "]"),
                      !CitationParser.numbers(in: String(trimmed[...close])).isEmpty else { break }
                moved += trimmed[...close]
                sentence = trimmed[trimmed.index(after: close)...]
            }
            if !moved.isEmpty, !sentences.isEmpty { sentences[sentences.count - 1] += " " + moved }
            if sentence.contains(where: { $0.isLetter || $0.isNumber }) { sentences.append(String(sentence)) }
        }
        return sentences
    }

    public static func citationPrecision(_ citations: [Citation], relevant: Set<String>) -> Double {
        guard !citations.isEmpty else { return 0 }
        return Double(citations.filter { relevant.contains($0.docID) }.count) / Double(citations.count)
    }

    public static func supportRate(_ text: String, sources: [ContextPassage], analyzer: any Analyzer, threshold: Double = 0.8) throws -> Double {
        let sentences = try citedSentences(text)
        guard !sentences.isEmpty else { return 0 }
        var passageTerms: [Int: Set<String>] = [:]
        for source in sources { passageTerms[source.number] = Set(try analyzer.terms(source.text)) }
        let citedAnywhere = Set(CitationParser.numbers(in: text))
        var supported = 0
        for sentence in sentences {
            let cited = CitationParser.numbers(in: sentence)
            let pool = (cited.isEmpty ? Array(citedAnywhere) : cited).reduce(into: Set<String>()) { $0.formUnion(passageTerms[$1] ?? []) }
            let terms = Set(try analyzer.terms(sentence)).filter { !$0.allSatisfy(\.isNumber) || $0.count > 1 }
            guard !terms.isEmpty else { continue }
            let covered = Double(terms.filter(pool.contains).count) / Double(terms.count)
            if covered >= threshold { supported += 1 }
        }
        return Double(supported) / Double(sentences.count)
    }
}
