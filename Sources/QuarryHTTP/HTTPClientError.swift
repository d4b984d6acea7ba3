import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A failed HTTP call, classified for the retry decision and for the caller's own error type.
///
/// QuarryHTTP has no idea whether it serves an embedder, a chat model or a reranker, so it
/// reports in neutral codes that each client maps onto its module's error (`EmbedError`,
/// `GenerateError`, `RetrieveError`), prefixing the endpoint and `attemptsDescription`.
/// Messages never hold the API key: bodies and headers pass through `SafeText` first.
public struct HTTPClientError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Code: String, Sendable {
        /// A setting is unusable (base URL, key variable, key characters).
        case configuration
        /// The server answered with a status that is not 2xx.
        case http
        /// No complete answer within the deadline, or the body stalled.
        case timeout
        /// No answer at all: refused, reset, DNS, TLS.
        case connection
        /// An answer that is not what the API promises (too large, malformed, truncated).
        case invalidResponse
    }

    public var code: Code
    public var message: String
    /// Whether another attempt may succeed (429, 5xx, timeouts, most connection errors).
    public var retryable: Bool
    /// Seconds the server asked us to wait (`Retry-After` on 429 or 503).
    public var retryAfter: Double?
    /// The HTTP status, for `.http`.
    public var status: Int?
    /// Requests made before giving up; set by `RetryPolicy.run`.
    public var attempts: Int

    public init(_ code: Code, _ message: String, retryable: Bool = false, retryAfter: Double? = nil, status: Int? = nil) {
        self.code = code
        self.message = message
        self.retryable = retryable
        self.retryAfter = retryAfter
        self.status = status
        attempts = 1
    }

    public var description: String { message }

    /// "1 attempt" or "N attempts", for "… failed after 3 attempts: …".
    public var attemptsDescription: String { attempts == 1 ? "1 attempt" : "\(attempts) attempts" }

    /// Classifies a reply that is not 2xx: 3xx is a refused redirect (not retried), 429 and
    /// 5xx are retryable (with `Retry-After` seconds on 429/503), anything else is final.
    /// - Parameters:
    ///   - apiKey: redacted from the body excerpt and the `Location`.
    ///   - hint: what to check for a status, e.g. " (check the key in $VAR)"; "" for none.
    public init(reply: HTTPReply, redacting apiKey: String?, hint: (Int) -> String = { _ in "" }) {
        let status = reply.status
        let excerpt = SafeText.excerpt(reply.body, redacting: apiKey)
        let detail = excerpt.isEmpty ? "" : ": \(excerpt)"
        switch HTTPStatusClass(status) {
        case .redirect:
            let target = reply.header("location").map { " to \(SafeText.sanitise($0, redacting: apiKey, limit: 200))" } ?? ""
            self.init(.http, "the endpoint answered HTTP \(status), a redirect\(target); "
                + "redirects are not followed, so set baseURL to the final address", status: status)
        case .retryable:
            self.init(.http, "HTTP \(status)\(hint(status))\(detail)", retryable: true,
                      retryAfter: HTTPStatusClass.retryAfter(reply), status: status)
        case .success, .final:
            self.init(.http, "HTTP \(status)\(hint(status))\(detail)", status: status)
        }
    }

    /// Classifies a transport failure: timeouts and most connection errors are retryable;
    /// TLS, certificate and URL errors and an oversized body are not.
    /// - Parameters:
    ///   - endpoint: printable endpoint, for "is the server running at …?".
    ///   - timeout: the deadline that applied, for the message.
    ///   - sizeHint: what to change when the body is too large ("raise maxResponseBytes").
    public init(_ failure: HTTPTransport.Failure, endpoint: String, timeout: Double,
                sizeHint: String = "raise maxResponseBytes") {
        switch failure {
        case .tooLarge(let limit):
            self.init(.invalidResponse, "the response body is larger than maxResponseBytes (\(limit) bytes); \(sizeHint)")
        case .timedOut:
            self.init(.timeout, "no complete response within \(timeout) s (requestTimeout)", retryable: true)
        case .stalled(let seconds):
            self.init(.timeout, "no data from the server for \(seconds) s (requestTimeout)", retryable: true)
        case .transport(let code, let description):
            switch code {
            case .timedOut:
                self.init(.timeout, "no complete response within \(timeout) s (requestTimeout)", retryable: true)
            case .secureConnectionFailed, .serverCertificateHasBadDate, .serverCertificateUntrusted,
                 .serverCertificateHasUnknownRoot, .serverCertificateNotYetValid, .clientCertificateRejected,
                 .clientCertificateRequired, .badURL, .unsupportedURL, .userAuthenticationRequired:
                self.init(.connection, "\(description) (URLError \(code.rawValue))")
            default:
                self.init(.connection, "\(description) (URLError \(code.rawValue)); is the server running at \(endpoint)?",
                          retryable: true)
            }
        case .other(let description):
            self.init(.connection, description, retryable: true)
        }
    }
}
