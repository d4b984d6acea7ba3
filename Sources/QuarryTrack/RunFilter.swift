import Foundation

/// Conditions on runs, all of which must hold: `metrics.ndcg@10 > 0.3 and params.analyzer =
/// english and tags.suite = msmarco and status = finished`. A metric condition reads the
/// metric's latest value; a run without the metric, param or tag does not match.
public struct RunFilter: Sendable, Equatable {
    public enum Field: Sendable, Equatable {
        case metric(String), param(String), tag(String), status, name
    }

    public struct Condition: Sendable, Equatable {
        public var field: Field
        public var op: String
        public var value: String
    }

    public var conditions: [Condition]

    public init(_ conditions: [Condition] = []) {
        self.conditions = conditions
    }

    static let operators = [">=", "<=", "!=", "=", ">", "<"]

    /// Parses conditions joined by `and`.
    /// - Throws: `TrackingError(.invalidValue)` quoting the condition.
    public static func parse(_ text: String) throws -> RunFilter {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { return RunFilter() }
        var conditions: [Condition] = []
        for part in trimmed.components(separatedBy: " and ") where !part.trimmingCharacters(in: .whitespaces).isEmpty {
            conditions.append(try parseCondition(part.trimmingCharacters(in: .whitespaces)))
        }
        return RunFilter(conditions)
    }

    static func parseCondition(_ text: String) throws -> Condition {
        func fail(_ why: String) -> TrackingError {
            TrackingError(.invalidValue, "filter \"\(text)\": \(why) (e.g. metrics.ndcg@10 > 0.3, params.analyzer = english, tags.suite = demo, status = finished)")
        }
        // The first operator after the field name; fields hold no spaces or operator characters.
        var found: (String, Range<String.Index>)?
        for op in operators {
            guard let range = text.range(of: op) else { continue }
            if let best = found, best.1.lowerBound < range.lowerBound || (best.1.lowerBound == range.lowerBound && best.0.count >= op.count) {
                continue
            }
            found = (op, range)
        }
        guard let opRange = found else { throw fail("no operator") }
        let lhs = text[..<opRange.1.lowerBound].trimmingCharacters(in: .whitespaces)
        var value = text[opRange.1.upperBound...].trimmingCharacters(in: .whitespaces)
        if value.count >= 2, let first = value.first, first == value.last, first == "'" || first == "\"" {
            value = String(value.dropFirst().dropLast())
        }
        guard !value.isEmpty else { throw fail("no value") }
        let field: Field
        if lhs.hasPrefix("metrics.") {
            field = .metric(String(lhs.dropFirst(8)))
            guard Double(value) != nil else { throw fail("a metric compares with a number") }
        } else if lhs.hasPrefix("params.") {
            field = .param(String(lhs.dropFirst(7)))
        } else if lhs.hasPrefix("tags.") {
            field = .tag(String(lhs.dropFirst(5)))
        } else if lhs == "status" {
            guard RunStatus(rawValue: value) != nil else { throw fail("status is running, finished, failed or killed") }
            field = .status
        } else if lhs == "name" {
            field = .name
        } else {
            throw fail("unknown field \"\(lhs)\"")
        }
        switch field {
        case .metric(let key), .param(let key), .tag(let key): try TrackingNames.check(key, kind: "field")
        default: break
        }
        // Ordering comparisons need numbers (metrics always are).
        if [">=", "<=", ">", "<"].contains(opRange.0), Double(value) == nil { throw fail("\(opRange.0) needs a number") }
        return Condition(field: field, op: opRange.0, value: value)
    }

    /// The SQL condition on `runs r` and its arguments.
    func sql() -> (String, [String]) {
        var clauses: [String] = []
        var arguments: [String] = []
        for condition in conditions {
            let op = condition.op == "!=" ? "<>" : condition.op
            switch condition.field {
            case .metric(let key):
                clauses.append("(SELECT m.value FROM metrics m WHERE m.run_id = r.id AND m.key = ? ORDER BY m.seq DESC LIMIT 1) \(op) CAST(? AS REAL)")
                arguments += [key, condition.value]
            case .param(let key):
                clauses.append(Self.textClause("(SELECT p.value FROM params p WHERE p.run_id = r.id AND p.key = ?)", op, condition.value))
                arguments += [key, condition.value]
            case .tag(let key):
                clauses.append(Self.textClause("(SELECT t.value FROM tags t WHERE t.run_id = r.id AND t.key = ?)", op, condition.value))
                arguments += [key, condition.value]
            case .status:
                clauses.append("r.status \(op) ?")
                arguments.append(condition.value)
            case .name:
                clauses.append(Self.textClause("r.name", op, condition.value))
                arguments.append(condition.value)
            }
        }
        return (clauses.isEmpty ? "1" : clauses.joined(separator: " AND "), arguments)
    }

    /// Numbers compare as numbers (`params.k >= 10`), text as text.
    static func textClause(_ expression: String, _ op: String, _ value: String) -> String {
        Double(value) != nil && op != "=" && op != "<>" ? "CAST(\(expression) AS REAL) \(op) CAST(? AS REAL)" : "\(expression) \(op) ?"
    }
}

extension RunFilter {
    /// Whether a run meets every condition, with the semantics `sql()` has in SQLite, for
    /// backends that filter in memory: a metric compares its latest value as a number; a
    /// param, tag or name compares as a number when the condition's value is one and the
    /// operator orders (`params.k >= 10`; text is read as SQLite's CAST reads it), else as
    /// text, byte for byte; a missing metric, param or tag never matches.
    func matches(_ run: RunInfo, params: [String: String], latestMetrics: [String: Double]) -> Bool {
        conditions.allSatisfy { condition in
            switch condition.field {
            case .metric(let key):
                guard let value = latestMetrics[key] else { return false }
                // The bound as SQLite's CAST(? AS REAL) reads it (`inf`, `0x1p3` are 0 there).
                return Self.compare(value, condition.op, Self.castToReal(condition.value))
            case .param(let key):
                return params[key].map { Self.matches(text: $0, condition) } ?? false
            case .tag(let key):
                return run.tags[key].map { Self.matches(text: $0, condition) } ?? false
            case .status:
                return Self.matches(text: run.status.rawValue, condition, numeric: false)
            case .name:
                return Self.matches(text: run.name, condition)
            }
        }
    }

    static func matches(text: String, _ condition: Condition, numeric: Bool = true) -> Bool {
        if numeric, Double(condition.value) != nil, condition.op != "=", condition.op != "!=" {
            return compare(castToReal(text), condition.op, castToReal(condition.value))
        }
        let same = text.utf8.elementsEqual(condition.value.utf8)
        return condition.op == "=" ? same : condition.op == "!=" ? !same : false
    }

    static func compare(_ a: Double, _ op: String, _ b: Double) -> Bool {
        switch op {
        case ">=": a >= b
        case "<=": a <= b
        case ">": a > b
        case "<": a < b
        case "=": a == b
        default: a != b
        }
    }

    /// SQLite's `CAST(text AS REAL)`: the longest leading number (after spaces), else 0.
    static func castToReal(_ text: String) -> Double {
        let scalars = Array(text.unicodeScalars.drop { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" })
        func digits(from start: Int) -> Int {
            var end = start
            while end < scalars.count, ("0" ... "9").contains(scalars[end]) { end += 1 }
            return end
        }
        var end = 0
        if end < scalars.count, scalars[end] == "+" || scalars[end] == "-" { end += 1 }
        let integer = digits(from: end)
        var mantissa = integer
        if mantissa < scalars.count, scalars[mantissa] == "." { mantissa = digits(from: mantissa + 1) }
        guard mantissa > end, mantissa - end > (integer == end ? 1 : 0) else { return 0 }
        end = mantissa
        if end < scalars.count, scalars[end] == "e" || scalars[end] == "E" {
            var exponent = end + 1
            if exponent < scalars.count, scalars[exponent] == "+" || scalars[exponent] == "-" { exponent += 1 }
            let exponentEnd = digits(from: exponent)
            if exponentEnd > exponent { end = exponentEnd }
        }
        var prefix = String.UnicodeScalarView()
        prefix.append(contentsOf: scalars[0 ..< end])
        return Double(String(prefix)) ?? 0
    }
}
