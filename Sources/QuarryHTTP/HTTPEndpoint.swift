import Foundation

/// An API endpoint formed from a configured base URL and an API path, validated once.
///
/// Base URLs come from configuration files and environment variables, so they are checked
/// before any request: only `http`/`https` (no `file://` or other schemes, HOSTILE_INPUTS
/// 3.23), a host, no `user:password@` (keys belong in an environment variable, where they
/// are never logged) and no fragment. The OpenAI convention of writing the base with its
/// `/v1` is accepted: `https://api.openai.com/v1` + `/v1/embeddings` gives one `/v1`.
public struct HTTPEndpoint: Sendable, Equatable {
    /// Where requests go.
    public let url: URL
    /// `url` without its query string, for identities and messages.
    public let printable: String

    /// Joins `base` and `path` (e.g. `/v1/chat/completions` or `/rerank`).
    /// - Parameter keyVariable: named in the message that refuses credentials in the URL.
    /// - Throws: `HTTPClientError(.configuration, …)` saying what is wrong with `base`.
    public init(base: URL, path: String, keyVariable: String) throws {
        try Self.validate(base: base, keyVariable: keyVariable)
        var components = URLComponents(url: base, resolvingAgainstBaseURL: false)!
        var joined = components.path
        while joined.hasSuffix("/") { joined.removeLast() }
        if joined.hasSuffix("/v1") && path.hasPrefix("/v1/") {
            joined += path.dropFirst(3)
        } else {
            joined += path
        }
        components.path = joined
        guard let url = components.url else {
            throw HTTPClientError(.configuration, "cannot form the endpoint URL from baseURL")
        }
        self.url = url
        components.query = nil
        printable = components.url?.absoluteString ?? url.absoluteString
    }

    /// Checks that `base` is an `http` or `https` URL with a host, without credentials or a fragment.
    /// - Throws: `HTTPClientError(.configuration, …)`; the message never repeats a password.
    public static func validate(base: URL, keyVariable: String) throws {
        func fail(_ message: String) -> HTTPClientError { HTTPClientError(.configuration, message) }
        guard let components = URLComponents(url: base, resolvingAgainstBaseURL: false),
              let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https" else {
            throw fail("baseURL must start with http:// or https:// (got scheme '\(base.scheme ?? "")')")
        }
        guard let host = components.host, !host.isEmpty else { throw fail("baseURL has no host") }
        guard components.user == nil, components.password == nil else {
            throw fail("baseURL must not carry credentials; put the key in $\(keyVariable)")
        }
        guard components.fragment == nil else { throw fail("baseURL must not have a #fragment") }
    }
}
