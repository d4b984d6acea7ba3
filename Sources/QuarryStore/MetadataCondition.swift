import Foundation
import GRDB

/// One condition on a document's JSON metadata, as the store evaluates it. The query language
/// that produces these (`lang=en`, `tag in a|b`, `year>=2020`) is QuarryRetrieve's
/// `MetadataFilter`; how they become SQL over `documents.metadata` is the store's.
///
/// A value that reads as a number or a boolean also matches the JSON number or boolean, so
/// `year=2020` matches both `"year": 2020` and `"year": "2020"`.
public enum MetadataCondition: Sendable, Equatable {
    /// The field equals one of the values (one value for `=`).
    case oneOf(field: String, values: [String])
    /// The field is absent or differs from the value.
    case notEqual(field: String, value: String)
    /// A numeric comparison; the field must hold a number (or a numeric string).
    case range(field: String, lower: Double?, lowerInclusive: Bool, upper: Double?, upperInclusive: Bool)

    /// `$."a"."b"` for `a.b` (field names are checked by the parser: letters, digits, `_`,
    /// `-` and dots, so nothing in them reaches the SQL text).
    static func jsonPath(_ field: String) -> String {
        "$" + field.split(separator: ".").map { ".\"\($0)\"" }.joined()
    }

    /// The SQL condition on `documents d` and its arguments. Alternatives are one IN list, not
    /// a chain of ORs, so the expression depth does not grow with the number of values.
    static func sql(_ conditions: [MetadataCondition]) -> (String, [DatabaseValueConvertible]) {
        var clauses: [String] = []
        var arguments: [DatabaseValueConvertible] = []
        for condition in conditions {
            switch condition {
            case .oneOf(let field, let values):
                let candidates = values.flatMap(typedValues)
                clauses.append("json_extract(d.metadata, ?) IN (" + CollectionReader.placeholders(candidates.count) + ")")
                arguments.append(jsonPath(field))
                arguments += candidates
            case .notEqual(let field, let value):
                let candidates = typedValues(value)
                clauses.append("(json_extract(d.metadata, ?) IS NULL OR json_extract(d.metadata, ?) NOT IN ("
                    + CollectionReader.placeholders(candidates.count) + "))")
                arguments.append(jsonPath(field))
                arguments.append(jsonPath(field))
                arguments += candidates
            case .range(let field, let lower, let lowerInclusive, let upper, let upperInclusive):
                let value = "CAST(json_extract(d.metadata, ?) AS REAL)"
                var parts = ["json_type(d.metadata, ?) IN ('integer', 'real', 'text')"]
                arguments.append(jsonPath(field))
                if let lower {
                    parts.append("\(value) \(lowerInclusive ? ">=" : ">") ?")
                    arguments.append(jsonPath(field))
                    arguments.append(lower)
                }
                if let upper {
                    parts.append("\(value) \(upperInclusive ? "<=" : "<") ?")
                    arguments.append(jsonPath(field))
                    arguments.append(upper)
                }
                clauses.append("(" + parts.joined(separator: " AND ") + ")")
            }
        }
        return (clauses.isEmpty ? "1" : clauses.joined(separator: " AND "), arguments)
    }

    /// The text, and the number or boolean it also reads as (SQLite's json_extract gives
    /// JSON true/false as 1/0).
    static func typedValues(_ value: String) -> [DatabaseValueConvertible] {
        var values: [DatabaseValueConvertible] = [value]
        switch value {
        case "true": values.append(1)
        case "false": values.append(0)
        default:
            if let integer = Int64(value) { values.append(integer) } else if let number = Double(value), number.isFinite { values.append(number) }
        }
        return values
    }
}
