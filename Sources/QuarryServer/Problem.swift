import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// An error answer in RFC 9457 form (`application/problem+json`): a status, a short title,
/// a detail a client can act on, and the request id for the logs. Nothing internal (paths,
/// stack traces, SQL) goes in `detail`: unexpected errors are logged with the request id
/// and answered with a generic 500.
public struct Problem: Error, Sendable, Equatable, HTTPResponseError {
    public var status: HTTPResponse.Status
    public var title: String
    public var detail: String
    /// Extra headers (Retry-After on 503, WWW-Authenticate on 401).
    public var headers: [(HTTPField.Name, String)] = []

    public init(_ status: HTTPResponse.Status, _ detail: String, title: String? = nil, headers: [(HTTPField.Name, String)] = []) {
        self.status = status
        self.title = title ?? status.reasonPhrase
        self.detail = detail
        self.headers = headers
    }

    public static func == (lhs: Problem, rhs: Problem) -> Bool {
        lhs.status == rhs.status && lhs.title == rhs.title && lhs.detail == rhs.detail
    }

    struct Body: Encodable {
        var type = "about:blank"
        var title: String
        var status: Int
        var detail: String
        var instance: String?
    }

    /// The JSON body, naming the request id when there is one.
    func body(requestID: String?) -> Data {
        let body = Body(title: title, status: Int(status.code), detail: detail, instance: requestID.map { "urn:quarry:request:\($0)" })
        return (try? WireJSON.encoder.encode(body)) ?? Data("{\"status\":\(status.code)}".utf8)
    }

    /// The JSON body as text (for answers written below the router).
    var json: String { String(decoding: body(requestID: nil), as: UTF8.self) }

    /// The response, naming the request id.
    public func response(requestID: String?) -> Response {
        let data = body(requestID: requestID)
        var fields = HTTPFields()
        fields[.contentType] = "application/problem+json"
        for (name, value) in headers { fields[name] = value }
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        response(requestID: nil)
    }
}

/// Turns every error thrown below it into a problem response, so every error a client sees
/// is JSON with a clear message and nothing internal leaks.
struct ProblemMiddleware<Context: QuarryContextProtocol>: RouterMiddleware {
    let log: AccessLog

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let problem = ErrorMapping.problem(for: error)
            if problem.status == .internalServerError {
                log.error(requestID: context.requestID, "unhandled error on \(request.method) \(request.uri.path): \(String(reflecting: error))")
            }
            return problem.response(requestID: context.requestID)
        }
    }
}
