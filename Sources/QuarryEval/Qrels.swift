import Foundation
import QuarryCore

/// Relevance judgements: query id → document id → graded relevance.
///
/// Reads BEIR `qrels/*.tsv` (`query-id corpus-id score`, with or without the header line)
/// and TREC qrels (`qid iteration docid rel`), separated by tabs or spaces. A malformed line
/// or a judgement given twice is an error naming the file and line: silently keeping one of
/// two grades would change every metric computed from them.
public struct Qrels: Sendable, Equatable {
    public var judgements: [String: [String: Int]]
    /// The line each judgement came from (query → document → line), for error messages.
    public var lines: [String: [String: Int]] = [:]

    public init(judgements: [String: [String: Int]]) {
        self.judgements = judgements
    }

    public static func read(_ url: URL) throws -> Qrels {
        guard let data = FileManager.default.contents(atPath: url.path), let text = String(data: data, encoding: .utf8) else {
            throw EvalError(file: url.path, "cannot read the qrels file (missing or not UTF-8)")
        }
        var judgements: [String: [String: Int]] = [:]
        var lines: [String: [String: Int]] = [:]
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let fields = raw.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
            if fields.isEmpty { continue }
            if index == 0, fields.first == "query-id" { continue }
            let (query, document, grade): (Substring, Substring, Substring)
            switch fields.count {
            case 3: (query, document, grade) = (fields[0], fields[1], fields[2])
            case 4: (query, document, grade) = (fields[0], fields[2], fields[3])
            default: throw EvalError(file: url.path, line: index + 1, "expected 3 (BEIR) or 4 (TREC) fields, found \(fields.count)")
            }
            guard let value = Double(grade), value.isFinite, value == value.rounded(), abs(value) < 1_000_000 else {
                throw EvalError(file: url.path, line: index + 1, "relevance \"\(grade)\" is not an integer")
            }
            let q = String(query), d = DocumentID.normalize(String(document))
            if let previous = judgements[q]?[d] {
                throw EvalError(file: url.path, line: index + 1, "document \(d) is judged twice for query \(q) (\(previous) and \(Int(value)))")
            }
            judgements[q, default: [:]][d] = Int(value)
            lines[q, default: [:]][d] = index + 1
        }
        var qrels = Qrels(judgements: judgements)
        qrels.lines = lines
        return qrels
    }
}

/// A TREC run: for each query, documents with scores (`qid Q0 docid rank score tag`).
public struct Run: Sendable, Equatable {
    public var results: [String: [(document: String, score: Double)]]

    public init(results: [String: [(document: String, score: Double)]]) {
        self.results = results
    }

    public static func == (a: Run, b: Run) -> Bool {
        a.results.keys == b.results.keys && a.results.allSatisfy { key, value in
            guard let other = b.results[key], other.count == value.count else { return false }
            return zip(value, other).allSatisfy { $0.document == $1.document && $0.score == $1.score }
        }
    }

    public static func read(_ url: URL) throws -> Run {
        guard let data = FileManager.default.contents(atPath: url.path), let text = String(data: data, encoding: .utf8) else {
            throw EvalError(file: url.path, "cannot read the run file (missing or not UTF-8)")
        }
        var results: [String: [(document: String, score: Double)]] = [:]
        var seen: [String: Set<String>] = [:]
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let fields = raw.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
            if fields.isEmpty { continue }
            guard fields.count == 6 else {
                throw EvalError(file: url.path, line: index + 1, "expected 6 fields (qid Q0 docid rank score tag), found \(fields.count)")
            }
            guard let score = Double(fields[4]), score.isFinite else {
                throw EvalError(file: url.path, line: index + 1, "score \"\(fields[4])\" is not a finite number")
            }
            let q = String(fields[0]), d = DocumentID.normalize(String(fields[2]))
            guard seen[q, default: []].insert(d).inserted else {
                throw EvalError(file: url.path, line: index + 1, "document \(d) appears twice for query \(q)")
            }
            results[q, default: []].append((d, score))
        }
        return Run(results: results)
    }
}
