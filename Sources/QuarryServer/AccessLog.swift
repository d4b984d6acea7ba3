import Foundation
import HTTPTypes
import Hummingbird
import QuarryCore

/// Structured logs: one JSON object per line on stderr, each with the request id, so a log
/// pipeline can join a client's `X-Request-Id` (or a problem's `instance`) to what happened.
final class AccessLog: @unchecked Sendable {
    private let lock = NSLock()
    private let enabled: Bool

    init(enabled: Bool = true) {
        self.enabled = enabled
    }

    func write(_ fields: [String: Any]) {
        guard enabled else { return }
        var fields = fields
        fields["ts"] = Timestamp.now()
        guard let data = try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys, .withoutEscapingSlashes]) else { return }
        lock.lock()
        FileHandle.standardError.write(data + Data("\n".utf8))
        lock.unlock()
    }

    func info(_ message: String, _ extra: [String: Any] = [:]) {
        write(extra.merging(["level": "info", "msg": message]) { $1 })
    }

    func error(requestID: String?, _ message: String) {
        var fields: [String: Any] = ["level": "error", "msg": message]
        if let requestID { fields["request_id"] = requestID }
        write(fields)
    }
}


/// The outermost middleware: gives the response the request id, logs one access line, and
/// counts the request in the metrics.
struct AccessMiddleware<Context: QuarryContextProtocol>: RouterMiddleware {
    let log: AccessLog
    let metrics: ServerMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = DispatchTime.now().uptimeNanoseconds
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            response = ErrorMapping.problem(for: error).response(requestID: context.requestID)
        }
        response.headers[HTTPField.Name("X-Request-Id")!] = context.requestID
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let route = Routes.label(request.uri.path)
        metrics.request(route: route, method: request.method.rawValue, status: Int(response.status.code), seconds: seconds)
        log.write(["level": "info", "msg": "request", "request_id": context.requestID, "method": request.method.rawValue,
                   "route": route, "status": Int(response.status.code), "ms": (seconds * 1e5).rounded() / 100])
        return response
    }
}
