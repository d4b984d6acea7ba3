import Foundation
import QuarryStore

/// Conditions on the JSON metadata given at ingest (a BEIR corpus's `metadata` object, a
/// Markdown file's front matter), all of which a document must meet. Hybrid search turns
/// the filter into the set of allowed chunks once per query and hands it to both sides, so
/// the lexical and the dense top-n are each taken among allowed chunks only: filtering after
/// top-k would return fewer than k hits, or none, when the filter is selective.
///
/// Text form (the CLI's `--filter`, repeatable, conditions ANDed):
/// `lang=en`, `tag in news|sports`, `year>=2020`, `year<2024`, `score>0.5`, `draft!=true`.
/// A nested field is written with dots (`source.site=wiki`). A value that reads as a number
/// or a boolean also matches the JSON number or boolean, so `year=2020` matches both
/// `"year": 2020` and `"year": "2020"`.
public struct MetadataFilter: Sendable, Equatable {
    /// One condition; the store evaluates it (`CollectionReader.chunkIDs(matching:)`).
    public typealias Condition = MetadataCondition

    public var conditions: [Condition]

    public init(_ conditions: [Condition] = []) {
        self.conditions = conditions
    }

    public var isEmpty: Bool { conditions.isEmpty }

    /// Most conditions in one filter (they are ANDed; SQLite bounds an expression's depth).
    public static let maxConditions = 64
    /// Most values in one `field in a|b|…` list.
    public static let maxValues = 1024

    /// Parses `--filter` expressions.
    /// - Throws: `RetrieveError` quoting the expression and what is wrong with it, or naming
    ///   the limit a filter exceeds (`maxConditions`, `maxValues`).
    public static func parse(_ expressions: [String]) throws -> MetadataFilter {
        guard expressions.count <= maxConditions else {
            throw RetrieveError("a filter has at most \(maxConditions) conditions; this one has \(expressions.count) (use 'field in a|b|c' for alternatives)")
        }
        return MetadataFilter(try expressions.map(parseOne))
    }

    static func parseOne(_ raw: String) throws -> Condition {
        let expression = raw.trimmingCharacters(in: .whitespaces)
        func fail(_ why: String) -> RetrieveError {
            RetrieveError("filter \"\(raw)\": \(why) (forms: field=value, field!=value, field in a|b, field>=n, field>n, field<=n, field<n)")
        }
        if let range = expression.range(of: " in ") {
            let field = try checkedField(String(expression[..<range.lowerBound]), raw)
            let values = expression[range.upperBound...].split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            guard !values.isEmpty, !values.contains(where: \.isEmpty) else { throw fail("empty value in the list") }
            guard values.count <= maxValues else { throw fail("at most \(maxValues) values in one list, not \(values.count)") }
            return .oneOf(field: field, values: values)
        }
        for op in ["!=", ">=", "<=", "=", ">", "<"] {
            guard let range = expression.range(of: op) else { continue }
            let field = try checkedField(String(expression[..<range.lowerBound]), raw)
            let value = expression[range.upperBound...].trimmingCharacters(in: .whitespaces)
            guard !value.isEmpty else { throw fail("no value after \(op)") }
            switch op {
            case "=": return .oneOf(field: field, values: [value])
            case "!=": return .notEqual(field: field, value: value)
            default:
                guard let number = Double(value), number.isFinite else { throw fail("\(op) needs a number, not \"\(value)\"") }
                switch op {
                case ">=": return .range(field: field, lower: number, lowerInclusive: true, upper: nil, upperInclusive: false)
                case ">": return .range(field: field, lower: number, lowerInclusive: false, upper: nil, upperInclusive: false)
                case "<=": return .range(field: field, lower: nil, lowerInclusive: false, upper: number, upperInclusive: true)
                default: return .range(field: field, lower: nil, lowerInclusive: false, upper: number, upperInclusive: false)
                }
            }
        }
        throw fail("no operator")
    }

    /// Field names are letters, digits, `_`, `-` and dots between parts: they become a JSON
    /// path, and nothing in them may reach the SQL text.
    static func checkedField(_ raw: String, _ expression: String) throws -> String {
        let field = raw.trimmingCharacters(in: .whitespaces)
        let parts = field.split(separator: ".", omittingEmptySubsequences: false)
        guard !field.isEmpty, field.count <= 128, parts.allSatisfy({ part in
            !part.isEmpty && part.unicodeScalars.allSatisfy { $0.properties.isAlphabetic || ("0" ... "9").contains($0) || $0 == "_" || $0 == "-" }
        }) else {
            throw RetrieveError("filter \"\(expression)\": field \"\(field)\" must be letters, digits, _ or -, with dots between nested names")
        }
        return field
    }

    /// The ids of the chunks whose documents meet every condition.
    public func allowedChunks(in collection: CollectionReader) throws -> Set<Int64> {
        try collection.chunkIDs(matching: conditions)
    }
}
