import Foundation
import QuarryTesting

/// Checks a response against Sources/QuarryServer/Resources/openapi.json: the operation must document the status
/// (or a default), the media type, and a JSON body must match the schema. Enough of JSON
/// Schema for this document: $ref, type (also lists), properties, required,
/// additionalProperties, items, enum, oneOf/anyOf/allOf.
struct OpenAPIValidator: @unchecked Sendable {
    static let shared = OpenAPIValidator()

    let document: [String: Any]
    private let templates: [(segments: [Substring], path: String)]

    init() {
        let url = Fixtures.packageRoot().appendingPathComponent("Sources/QuarryServer/Resources/openapi.json")
        let data = (try? Data(contentsOf: url)) ?? Data("{}".utf8)
        document = ((try? JSONSerialization.jsonObject(with: data)) as? [String: Any]) ?? [:]
        let paths = (document["paths"] as? [String: Any]) ?? [:]
        templates = paths.keys.sorted().map { ($0.split(separator: "/"), $0) }
    }

    /// What in the response disagrees with the document (empty when it matches). Paths and
    /// methods the document does not have are the routing tests' business, not violations.
    func violations(method: String, url: String, status: Int, contentType: String?, body: Data) -> [String] {
        let path = String(url.split(separator: "?", maxSplits: 1).first ?? "")
        let parts = path.split(separator: "/")
        guard let template = templates.first(where: { t in
            t.segments.count == parts.count && zip(t.segments, parts).allSatisfy { $0.hasPrefix("{") || $0 == $1 }
        }) else { return [] }
        let operations = ((document["paths"] as? [String: Any])?[template.path] as? [String: Any]) ?? [:]
        let isHead = method.uppercased() == "HEAD"
        guard let operation = operations[isHead ? "get" : method.lowercased()] as? [String: Any] else { return [] }
        let where_ = "\(method) \(template.path) → \(status)"
        let responses = (operation["responses"] as? [String: Any]) ?? [:]
        guard var response = (responses["\(status)"] ?? responses["default"]) as? [String: Any] else {
            return ["\(where_): status not documented"]
        }
        if let ref = response["$ref"] as? String, let resolved = resolve(ref) { response = resolved }
        if isHead || body.isEmpty { return [] }
        let content = (response["content"] as? [String: Any]) ?? [:]
        let media = (contentType ?? "").split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        guard let entry = content[media] as? [String: Any] else {
            return ["\(where_): media type '\(media)' not documented (documented: \(content.keys.sorted().joined(separator: ", ")))"]
        }
        guard media.hasSuffix("json"), let schema = entry["schema"] as? [String: Any] else { return [] }
        guard let value = try? JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed]) else {
            return ["\(where_): body is not JSON"]
        }
        return validate(value, schema, at: "$").map { "\(where_): \($0)" }
    }

    func resolve(_ ref: String) -> [String: Any]? {
        guard ref.hasPrefix("#/") else { return nil }
        var node: Any = document
        for key in ref.dropFirst(2).split(separator: "/") {
            guard let next = (node as? [String: Any])?[String(key)] else { return nil }
            node = next
        }
        return node as? [String: Any]
    }

    func validate(_ value: Any, _ schema: [String: Any], at path: String) -> [String] {
        if let ref = schema["$ref"] as? String {
            guard let resolved = resolve(ref) else { return ["\(path): unresolvable \(ref)"] }
            return validate(value, resolved, at: path)
        }
        for key in ["oneOf", "anyOf"] {
            if let options = schema[key] as? [[String: Any]] {
                let results = options.map { validate(value, $0, at: path) }
                if !results.contains(where: \.isEmpty) { return ["\(path): matches none of \(key) (\(results.map { $0.first ?? "" }.joined(separator: " | ")))"] }
            }
        }
        var problems: [String] = []
        if let all = schema["allOf"] as? [[String: Any]] { for part in all { problems += validate(value, part, at: path) } }
        if let types = (schema["type"] as? [String]) ?? (schema["type"] as? String).map({ [$0] }) {
            guard types.contains(where: { Self.matches(value, $0) }) else {
                return problems + ["\(path): expected \(types.joined(separator: " or ")), got \(Self.kind(value))"]
            }
        }
        if let allowed = schema["enum"] as? [Any], !allowed.contains(where: { "\($0)" == "\(value)" }) {
            problems.append("\(path): \(value) is not one of \(allowed)")
        }
        if let object = value as? [String: Any] {
            let properties = (schema["properties"] as? [String: Any]) ?? [:]
            for name in (schema["required"] as? [String]) ?? [] where object[name] == nil {
                problems.append("\(path): required '\(name)' is missing")
            }
            for (name, member) in object {
                if let property = properties[name] as? [String: Any] {
                    problems += validate(member, property, at: "\(path).\(name)")
                } else if let additional = schema["additionalProperties"] as? Bool, !additional {
                    problems.append("\(path): '\(name)' is not in the schema")
                } else if let additional = schema["additionalProperties"] as? [String: Any] {
                    problems += validate(member, additional, at: "\(path).\(name)")
                }
            }
        }
        if let array = value as? [Any], let items = schema["items"] as? [String: Any] {
            for (index, element) in array.enumerated().prefix(50) { problems += validate(element, items, at: "\(path)[\(index)]") }
        }
        return problems
    }

    static func isBool(_ value: Any) -> Bool {
        guard let number = value as? NSNumber else { return false }
        return String(cString: number.objCType) == "c"
    }

    static func matches(_ value: Any, _ type: String) -> Bool {
        switch type {
        case "object": return value is [String: Any]
        case "array": return value is [Any]
        case "string": return value is String
        case "boolean": return isBool(value)
        case "number": return value is NSNumber && !isBool(value)
        case "integer":
            guard let number = value as? NSNumber, !isBool(value) else { return false }
            return number.doubleValue.rounded() == number.doubleValue
        case "null": return value is NSNull
        default: return true
        }
    }

    static func kind(_ value: Any) -> String {
        if value is NSNull { return "null" }
        if isBool(value) { return "boolean" }
        if value is NSNumber { return "number" }
        if value is String { return "string" }
        if value is [Any] { return "array" }
        if value is [String: Any] { return "object" }
        return "\(type(of: value))"
    }
}
