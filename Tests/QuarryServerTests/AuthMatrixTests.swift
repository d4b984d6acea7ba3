import Foundation
import QuarryServer
import QuarryTesting
import Testing

/// Every route of the table × every kind of caller, generated from `QuarryServer.routes`, so a
/// route added to the table is checked the day it is added (and one registered without a
/// row cannot be reached: the router refuses to build).
@Suite struct AuthMatrixTests {
    enum Caller: String, CaseIterable {
        case none, wrong, read, write, admin

        var key: String? {
            switch self {
            case .none: nil
            case .wrong: "wrong-key-1234567"
            case .read: Harness.key
            case .write: Harness.writeKey
            case .admin: Harness.adminKey
            }
        }

        /// The scopes the harness gives this caller's key (admin implies write, write read).
        var scopes: Set<String> {
            switch self {
            case .none, .wrong: []
            case .read: ["read"]
            case .write: ["read", "write"]
            case .admin: ["read", "write", "admin"]
            }
        }
    }

    /// A concrete path for a pattern: the harness's collection, ids nothing has.
    static func concrete(_ pattern: String) -> String {
        pattern.replacingOccurrences(of: "{name}", with: "demo")
            .replacingOccurrences(of: "{id}", with: "no-such-id")
            .replacingOccurrences(of: "{pipeline}", with: "no-such-pipeline")
    }

    /// What the caller must get: nil when access is granted (any status but 401/403 and
    /// never a 5xx other than a not-ready 503), else the refusal's status.
    static func expected(access: String, caller: Caller, openReads: Bool) -> Int? {
        switch access {
        case "public":
            return nil
        case "any-key":
            return caller.scopes.isEmpty ? 401 : nil
        default:
            if caller == .none && openReads && access == "read" { return nil }
            if caller.scopes.isEmpty { return 401 }
            return caller.scopes.contains(access) ? nil : 403
        }
    }

    @Test("every route × {no key, wrong key, read, write, admin}, with keys only and with open reads", arguments: [false, true])
    func matrix(openReads: Bool) async throws {
        let harness = try await Harness.start { $0.server.openReads = openReads }
        defer { Task { await harness.stop() } }
        let accesses = Set(QuarryServer.routes.map(\.access))
        #expect(accesses.isSubset(of: ["public", "any-key", "read", "write", "admin"]), "\(accesses)")
        var cases = 0
        for route in QuarryServer.routes {
            for caller in Caller.allCases {
                let reply = try await harness.send(route.method, Self.concrete(route.path), json: route.method == "POST" ? "{}" : nil,
                                                   key: caller.key)
                let label = "\(route.method) \(route.path) as \(caller.rawValue) (access \(route.access), open reads \(openReads)) → \(reply.status)"
                if let refusal = Self.expected(access: route.access, caller: caller, openReads: openReads) {
                    #expect(reply.status == refusal, "\(label)")
                    if refusal == 401 { #expect(reply.header("www-authenticate") == "Bearer", "\(label)") }
                } else {
                    #expect(reply.status != 401 && reply.status != 403, "\(label)")
                    #expect(reply.status < 500 || reply.status == 503 && route.path == "/readyz", "\(label)")
                }
                cases += 1
            }
        }
        #expect(cases == QuarryServer.routes.count * Caller.allCases.count)
    }

    @Test("the OpenAPI document gives every operation the access of its row in the table")
    func documented() throws {
        let url = Fixtures.packageRoot().appendingPathComponent("Sources/QuarryServer/Resources/openapi.json")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        let paths = try #require(document["paths"] as? [String: [String: [String: Any]]])
        for route in QuarryServer.routes {
            let operation = paths[route.path]?[route.method.lowercased()]
            #expect(operation?["x-quarry-access"] as? String == route.access, "\(route.method) \(route.path)")
            // Public operations say so in the standard way too (no security requirement).
            if route.access == "public" { #expect((operation?["security"] as? [Any])?.isEmpty == true, "\(route.path)") }
        }
    }
}
