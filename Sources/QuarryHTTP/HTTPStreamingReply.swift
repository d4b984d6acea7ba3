import Foundation

/// A response whose head has arrived and whose body is still arriving, chunk by chunk.
///
/// The body is a single-consumer stream: iterate it once. Stopping early (leaving the loop,
/// or cancelling the consuming task) cancels the underlying request, so an abandoned stream
/// never keeps a connection busy. Failures inside the body (size limit, deadline, stall,
/// a dropped connection) end the iteration with an `HTTPTransport.Failure`.
public struct HTTPStreamingReply: Sendable {
    public var status: Int
    /// Header fields by lower-cased name.
    public var headers: [String: String]
    /// The body, in chunks as they arrive.
    public var body: AsyncThrowingStream<Data, Error>

    public init(status: Int, headers: [String: String], body: AsyncThrowingStream<Data, Error>) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The value of header `name`, matched case-insensitively.
    public func header(_ name: String) -> String? { headers[name.lowercased()] }

    /// Reads the rest of the body into memory (bounded by the request's limit), for a non-2xx
    /// answer's error message or a server that ignored `stream: true`.
    /// - Throws: `HTTPTransport.Failure` or `CancellationError`.
    public func collect() async throws -> HTTPReply {
        var data = Data()
        for try await chunk in body { data.append(chunk) }
        return HTTPReply(status: status, headers: headers, body: data)
    }
}
