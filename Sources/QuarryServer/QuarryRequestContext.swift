import Foundation
import Hummingbird
import Logging

/// What Quarry's middleware needs from a request context: a request id and the caller's
/// scopes once authenticated.
protocol QuarryContextProtocol: RequestContext {
    var requestID: String { get set }
    var scopes: Set<APIScope> { get set }
}

/// The request context of every Quarry route.
public struct QuarryRequestContext: QuarryContextProtocol {
    public var coreContext: CoreRequestContextStorage
    /// A random id, echoed in `X-Request-Id`, the access log and problem responses.
    public var requestID: String
    /// Granted by `AuthMiddleware` from the API key (or `read` for open reads).
    public var scopes: Set<APIScope> = []

    public init(source: Source) {
        coreContext = .init(source: source)
        requestID = String(UInt64.random(in: 0 ... .max), radix: 16)
    }
}

extension QuarryContextProtocol {
    /// A path parameter, percent-decoded (`/v1/collections/de%6Do` names `demo`); a malformed
    /// escape is a 400.
    func pathParameter(_ name: String) throws -> String {
        let raw = try parameters.require(name)
        guard let decoded = raw.removingPercentEncoding else {
            throw Problem(.badRequest, "path parameter '\(name)' has a malformed percent escape")
        }
        return decoded
    }
}

/// What an API key may do. Admin implies write, write implies read.
public enum APIScope: String, Sendable, CaseIterable, Codable {
    case read, write, admin
}
