import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import NIOCore
import NIOHTTP1

/// Answers what the route table does not serve: an unknown path is 404, a known path with
/// another method 405 with `Allow` — problem+json, logged as client errors (the router's own
/// "not found" used to reach the error mapping as a 500). HEAD is answered wherever GET is
/// (the router generates those endpoints).
struct RoutingMiddleware<Context: QuarryContextProtocol>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let methods = Routes.methods(request.uri.path)
        guard !methods.isEmpty else {
            throw Problem(.notFound, "no such route (the routes are listed in GET /openapi.json)")
        }
        let allowed = (methods.contains("GET") ? methods + ["HEAD"] : methods).joined(separator: ", ")
        // HEAD reaches the GET handler through the router's generated HEAD endpoints.
        guard methods.contains(request.method.rawValue) || request.method == .head && methods.contains("GET") else {
            throw Problem(.methodNotAllowed, "\(request.method.rawValue) is not allowed on \(Routes.label(request.uri.path)); allowed: \(allowed)",
                          headers: [(.allow, allowed)])
        }
        return try await next(request, context)
    }
}

/// Reads a request's whole body before the request takes a concurrency slot, under the
/// body limit and a total time limit, so stalled or slow uploads hold no slot and are cut
/// off (the connection's idle timeout closes one that sends nothing at all).
///
/// A declared `Content-Length` above `server.max_body_bytes` is answered 413 before any of
/// the body is read; a body slower than `server.body_timeout_seconds` is 408; malformed
/// chunked encoding is 400; an `Expect` other than `100-continue` is 417.
struct BodyMiddleware<Context: QuarryContextProtocol>: RouterMiddleware {
    let maxBodyBytes: Int
    let timeoutSeconds: Double

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let expect = request.headers[.expect], expect.lowercased() != "100-continue" {
            throw Problem(.expectationFailed, "only 'Expect: 100-continue' is supported")
        }
        if let declared = request.headers[.contentLength] {
            guard let length = Int(declared.trimmingCharacters(in: .whitespaces)), length >= 0 else {
                throw Problem(.badRequest, "Content-Length is not a non-negative number")
            }
            guard length <= maxBodyBytes else {
                throw Problem(.contentTooLarge, "the request body (\(length) bytes) is larger than the server's limit of \(maxBodyBytes) bytes (server.max_body_bytes)")
            }
            if length == 0 { return try await next(request, context) }
        } else if request.headers[.transferEncoding] == nil {
            return try await next(request, context)
        }
        var buffered = request
        buffered.body = .init(buffer: try await collect(request.body))
        return try await next(buffered, context)
    }

    private func collect(_ body: HummingbirdCore.RequestBody) async throws -> ByteBuffer {
        let limit = maxBodyBytes
        let task = Task { try await body.collect(upTo: limit) }
        let id = Deadline.watchdog.add(after: timeoutSeconds) { task.cancel() }
        let result = await withTaskCancellationHandler { await task.result } onCancel: { task.cancel() }
        if !Deadline.watchdog.remove(id) {
            throw Problem(.requestTimeout, "the request body did not arrive within \(timeoutSeconds) s (server.body_timeout_seconds)")
        }
        do {
            return try result.get()
        } catch is NIOTooManyBytesError {
            throw Problem(.contentTooLarge, "the request body is larger than the server's limit of \(maxBodyBytes) bytes (server.max_body_bytes)")
        } catch let error as HTTPParserError {
            throw Problem(.badRequest, "the request body is malformed (\(error)); check its chunked transfer encoding")
        }
    }
}
