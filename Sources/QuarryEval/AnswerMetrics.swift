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
/// - `support_rate`: the share of the shown answer's sentences that the passages they cite
///   back — the grounding check's own test (`GroundingCheck`, `SupportTest`: at least 80 %
///   of the content terms and every number in the cited passages); an uncited sentence is
///   not supported; sentences that decline are not counted, and a `no_context` answer
///   (nothing retrieved, or the passages declined as not answering) scores 1. A lexical proxy for faithfulness: an extractive
///   answer scores 1 by construction; a sentence that says something its sources do not, 0.
public enum AnswerMetrics {
    public static let names = ["answer_em", "answer_f1", "citation_precision", "support_rate"]
    /// Scored only for answers whose context holds no relevant passage.
    public static let refusalRate = "refusal_rate"
    /// Scored for questions asked over the corpus without their relevant documents
    /// (a suite's `removed_passages`).
    public static let removedRefusalRate = "removed_refusal_rate"

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
            // A no-context answer declines by construction (`Refusal`): it claims nothing.
            "support_rate": answer.kind == .noContext ? 1 : try supportRate(answer.text, sources: answer.sources, analyzer: analyzer),
        ]
    }

    public static func normalize(_ text: String) -> [String] {
        // Citation markers go first, so "[1]" does not leave a stray "1".
        let cleaned = String(CitationParser.removingMarkers(text).map { $0.isPunctuation || $0.isSymbol ? " " : $0 })
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

    public static func citationPrecision(_ citations: [Citation], relevant: Set<String>) -> Double {
        guard !citations.isEmpty else { return 0 }
        return Double(citations.filter { relevant.contains($0.docID) }.count) / Double(citations.count)
    }

    /// `GroundingCheck.supportRate`: the same test the answer-time check applies.
    public static func supportRate(_ text: String, sources: [ContextPassage], analyzer: any Analyzer) throws -> Double {
        try GroundingCheck(test: SupportTest(analyzer: analyzer), passages: sources).supportRate(text)
    }
}
