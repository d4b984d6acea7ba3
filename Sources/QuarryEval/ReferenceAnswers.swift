import Foundation

/// Reference answers for a suite: JSON lines with `_id` (a query id) and `answer`.
/// Every bad line is an error naming the file and the line.
enum ReferenceAnswers {
    static func read(_ url: URL) throws -> [String: String] {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw EvalError(file: url.path, "cannot read the reference answers")
        }
        var answers: [String: String] = [:]
        for (index, line) in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            guard let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any] else {
                throw EvalError(file: url.path, line: index + 1, "not a JSON object")
            }
            guard let id = object["_id"] as? String, !id.isEmpty else { throw EvalError(file: url.path, line: index + 1, "missing \"_id\"") }
            guard let answer = object["answer"] as? String, !answer.isEmpty else {
                throw EvalError(file: url.path, line: index + 1, "missing \"answer\"")
            }
            guard answers.updateValue(answer, forKey: id) == nil else {
                throw EvalError(file: url.path, line: index + 1, "duplicate answer for query \"\(id)\"")
            }
        }
        return answers
    }
}
