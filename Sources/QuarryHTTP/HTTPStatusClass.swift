import Foundation

/// What an HTTP status means to a client that retries and never follows redirects.
///
/// 429 and 5xx are worth another try (overload, a restarting server, a gateway between
/// replicas); a 3xx is refused because following it could carry the API key to another host;
/// every other status (400, 401, 404, 413, 422, …) will fail the same way again.
public enum HTTPStatusClass: Sendable, Equatable {
    case success, redirect, retryable, final

    public init(_ status: Int) {
        switch status {
        case 200..<300: self = .success
        case 300..<400: self = .redirect
        case 429, 500..<600: self = .retryable
        default: self = .final
        }
    }

    /// The `Retry-After` delay in seconds on a 429 or 503, when given as a number of seconds
    /// (the HTTP-date form is ignored: clock skew makes it unreliable and servers rarely send it).
    public static func retryAfter(_ reply: HTTPReply) -> Double? {
        guard reply.status == 429 || reply.status == 503, let header = reply.header("retry-after"),
              let seconds = Double(header.trimmingCharacters(in: .whitespaces)), seconds.isFinite, seconds >= 0 else {
            return nil
        }
        return seconds
    }
}
