import Foundation

/// A complete HTTP response: status, headers and the whole (size-limited) body.
public struct HTTPReply: Sendable, Equatable {
    public var status: Int
    /// Header fields by lower-cased name.
    public var headers: [String: String]
    public var body: Data

    public init(status: Int, headers: [String: String] = [:], body: Data = Data()) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The value of header `name`, matched case-insensitively.
    public func header(_ name: String) -> String? { headers[name.lowercased()] }
}
