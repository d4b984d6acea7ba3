import Foundation
import Hummingbird

/// Strict JSON request bodies: bounded by `server.max_body_bytes`, a JSON object, no
/// unknown top-level key (a silently ignored misspelt field is a bug the client never
/// sees), then decoded into the route's type — each failure a 400 naming what is wrong.
enum RequestBody {
    /// A JSON route takes `application/json` (or a `+json` type), or no Content-Type at all;
    /// anything else is 415 rather than a confusing parse error.
    static func checkContentType(_ value: String?) throws {
        guard let value else { return }
        let type = value.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        guard type == "application/json" || (type.hasPrefix("application/") && type.hasSuffix("+json")) else {
            throw Problem(.unsupportedMediaType, "this route takes Content-Type: application/json, not '\(type.prefix(100))'")
        }
    }

    /// An unknown top-level key is a 400 naming it and the known ones.
    static func checkKeys(_ data: Data, allowed: Set<String>) throws {
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw Problem(.badRequest, data.isEmpty ? "request body required: a JSON object" : "the body is not a JSON object")
        }
        if let unknown = object.keys.filter({ !allowed.contains($0) }).sorted().first {
            throw Problem(.badRequest, "unknown key \"\(unknown)\" (known: \(allowed.sorted().joined(separator: ", ")))")
        }
    }
}

extension Handlers {
    /// The request's body as `T`, checked as `RequestBody` describes; `shape`, when given,
    /// is appended to a decoding error to show the expected fields.
    func decode<T: Decodable>(_ request: Request, keys: Set<String>, shape: String? = nil) async throws -> T {
        try RequestBody.checkContentType(request.headers[.contentType])
        var buffer = try await request.body.collect(upTo: settings.maxBodyBytes)
        let data = buffer.readData(length: buffer.readableBytes) ?? Data()
        try RequestBody.checkKeys(data, allowed: keys)
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch let error as DecodingError {
            throw Problem(.badRequest, "the body is not the expected JSON: \(ErrorMapping.describe(error))" + (shape.map { " (\($0))" } ?? ""))
        }
    }
}
