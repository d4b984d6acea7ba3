import Foundation

/// Reference answers for a suite, one or more per query id: JSON lines with `_id` (a query
/// id) and `answer` (a string, or a list of strings: any of them counts, as SQuAD scores).
/// `answers: queries` in a suite reads them from the queries file's `metadata.answers`
/// instead (BEIR exports of SQuAD-style sets such as xquad carry them there). Every bad
/// line is an error naming the file and the line.
enum ReferenceAnswers {
    static func read(_ url: URL) throws -> [String: [String]] {
        try lines(url) { object, line in
            guard let answers = strings(object["answer"]) else {
                throw EvalError(file: url.path, line: line, "missing \"answer\" (a string or a list of strings)")
            }
            return answers
        }
    }

    /// From a queries file: each query's `metadata.answers`; queries without any are skipped.
    static func fromQueries(_ url: URL) throws -> [String: [String]] {
        try lines(url) { object, _ in strings((object["metadata"] as? [String: Any])?["answers"]) }
    }

    private static func strings(_ value: Any?) -> [String]? {
        if let one = value as? String { return one.isEmpty ? nil : [one] }
        let many = (value as? [Any])?.compactMap { $0 as? String }.filter { !$0.isEmpty } ?? []
        return many.isEmpty ? nil : many
    }

    private static func lines(_ url: URL, _ answers: ([String: Any], Int) throws -> [String]?) throws -> [String: [String]] {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw EvalError(file: url.path, "cannot read the reference answers")
        }
        var out: [String: [String]] = [:]
        for (index, line) in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            guard let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any] else {
                throw EvalError(file: url.path, line: index + 1, "not a JSON object")
            }
            guard let id = object["_id"] as? String, !id.isEmpty else { throw EvalError(file: url.path, line: index + 1, "missing \"_id\"") }
            guard let found = try answers(object, index + 1) else { continue }
            guard out.updateValue(found, forKey: id) == nil else {
                throw EvalError(file: url.path, line: index + 1, "duplicate answer for query \"\(id)\"")
            }
        }
        return out
    }
}
