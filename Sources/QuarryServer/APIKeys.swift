import Crypto
import Foundation
import HTTPTypes
import Hummingbird

/// API keys and their scopes, from an environment variable (`KEY:SCOPES,…`, scopes joined
/// by `+`). Keys are held as SHA-256 digests and compared in constant time, so neither a
/// memory dump of the table nor response timing gives a key away.
public struct APIKeys: Sendable {
    let entries: [(digest: [UInt8], scopes: Set<APIScope>)]

    public var isEmpty: Bool { entries.isEmpty }

    /// Parses the variable's value.
    /// - Throws: `Problem`-free plain errors naming the entry position (never the key).
    public init(parsing value: String) throws {
        var entries: [(digest: [UInt8], scopes: Set<APIScope>)] = []
        for (index, raw) in value.split(separator: ",").enumerated() {
            let entry = raw.trimmingCharacters(in: .whitespaces)
            guard let colon = entry.lastIndex(of: ":") else {
                throw APIKeyError("API key entry \(index + 1) has no ':SCOPES' (expected KEY:read, KEY:read+write …)")
            }
            let key = String(entry[..<colon])
            guard key.count >= 8, key.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }) else {
                throw APIKeyError("API key entry \(index + 1): keys must be at least 8 printable ASCII characters without spaces")
            }
            guard !Self.placeholders.contains(key.lowercased()) else {
                throw APIKeyError("API key entry \(index + 1) is a well-known placeholder ('\(key)'); generate a real key (e.g. `openssl rand -hex 24`)")
            }
            let digest = Array(SHA256.hash(data: Data(key.utf8)))
            if let earlier = entries.firstIndex(where: { $0.digest == digest }) {
                throw APIKeyError("API key entry \(index + 1) repeats the key of entry \(earlier + 1); list each key once with all its scopes (KEY:read+write)")
            }
            var scopes = Set<APIScope>()
            for name in entry[entry.index(after: colon)...].split(separator: "+") {
                guard let scope = APIScope(rawValue: String(name)) else {
                    throw APIKeyError("API key entry \(index + 1): unknown scope '\(name)' (read, write, admin)")
                }
                scopes.insert(scope)
            }
            guard !scopes.isEmpty else { throw APIKeyError("API key entry \(index + 1) names no scope") }
            if scopes.contains(.admin) { scopes.formUnion([.write, .read]) }
            if scopes.contains(.write) { scopes.insert(.read) }
            entries.append((digest, scopes))
        }
        self.entries = entries
    }

    /// Keys copied from examples and defaults, refused at start.
    static let placeholders: Set<String> = ["changeme", "changeit", "password", "secretkey", "12345678", "your-api-key", "api-key-here",
                                            "example-key", "replace-me", "replaceme", "default-key", "test-key"]

    /// The scopes of `key`, or nil for an unknown key.
    public func scopes(for key: String) -> Set<APIScope>? {
        let digest = Array(SHA256.hash(data: Data(key.utf8)))
        var found: Set<APIScope>?
        for entry in entries {
            var difference: UInt8 = 0
            for (a, b) in zip(entry.digest, digest) { difference |= a ^ b }
            if difference == 0 { found = entry.scopes }
        }
        return found
    }
}

public struct APIKeyError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}

/// Authenticates `Authorization: Bearer KEY` (or `X-API-Key: KEY`) and enforces the access
/// `Routes.table` gives the route, before the body is read or any handler runs: the one
/// place where scopes are checked. With open reads, a request without a key gets the read
/// scope; a wrong key is always 401, never silently downgraded. Runs after
/// `RoutingMiddleware`, so every request here has a route in the table.
struct AuthMiddleware<Context: QuarryContextProtocol>: RouterMiddleware {
    let keys: APIKeys
    let openReads: Bool

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        // Deny by default: a path the table does not list never reaches a handler.
        guard let access = Routes.access(method: request.method.rawValue, path: request.uri.path) else {
            throw Problem(.notFound, "no such route (the routes are listed in GET /openapi.json)")
        }
        // Public routes need no key, and a key presented is not checked either (a probe
        // configured with a stale key must still see the server healthy).
        guard let needed = access.scope else { return try await next(request, context) }
        var context = context
        let header = request.headers[.authorization]
        var presented: String?
        if let header {
            guard header.lowercased().hasPrefix("bearer ") else {
                throw Problem(.unauthorized, "use 'Authorization: Bearer KEY'", headers: [(.wwwAuthenticate, "Bearer")])
            }
            presented = String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)
        } else if let name = HTTPField.Name("X-API-Key"), let key = request.headers[name] {
            presented = key
        }
        if let presented {
            guard let scopes = keys.scopes(for: presented) else {
                throw Problem(.unauthorized, "the API key is not valid", headers: [(.wwwAuthenticate, "Bearer")])
            }
            context.scopes = scopes
        } else if access == .anyKey {
            throw Problem(.unauthorized, "\(Routes.label(request.uri.path)) needs an API key (any scope): Authorization: Bearer KEY",
                          headers: [(.wwwAuthenticate, "Bearer")])
        } else if openReads {
            context.scopes = [.read]
        }
        guard context.scopes.contains(needed) else {
            // No key at all (open reads granted read only) is 401: the caller must
            // authenticate; a valid key without the scope is 403.
            if presented == nil {
                throw Problem(.unauthorized, "this route needs an API key with the \(needed.rawValue) scope (Authorization: Bearer KEY)",
                              headers: [(.wwwAuthenticate, "Bearer")])
            }
            throw Problem(.forbidden, "the API key lacks the \(needed.rawValue) scope")
        }
        return try await next(request, context)
    }
}
