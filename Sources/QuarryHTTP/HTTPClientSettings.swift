import Foundation

/// The settings every HTTP client in Quarry shares (endpoint, key variable, deadline, retry
/// budget, body limit), with their ranges checked in one place.
///
/// Each client's `Configuration` keeps its own documented fields and defaults (an embedder
/// retries more than a chat model) and hands them here, so the ranges and messages stay the
/// same everywhere and limits can't be switched off by a zero or a negative value
/// (HOSTILE_INPUTS 3.19).
public struct HTTPClientSettings: Sendable, Equatable {
    public var baseURL: URL
    public var apiKeyEnvironmentVariable: String
    /// Seconds, in (0, 3600].
    public var requestTimeout: Double
    /// 1…100.
    public var maxAttempts: Int
    /// Seconds, finite and ≥ 0.
    public var initialBackoff: Double
    /// Seconds, in [initialBackoff, 3600].
    public var maxBackoff: Double
    /// Bytes, ≥ 1024.
    public var maxResponseBytes: Int

    public init(baseURL: URL, apiKeyEnvironmentVariable: String, requestTimeout: Double, maxAttempts: Int,
                initialBackoff: Double, maxBackoff: Double, maxResponseBytes: Int) {
        self.baseURL = baseURL
        self.apiKeyEnvironmentVariable = apiKeyEnvironmentVariable
        self.requestTimeout = requestTimeout
        self.maxAttempts = maxAttempts
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
        self.maxResponseBytes = maxResponseBytes
    }

    /// Checks every field.
    /// - Throws: `HTTPClientError(.configuration, …)` naming the field and the allowed range.
    public func validate() throws {
        func fail(_ message: String) -> HTTPClientError { HTTPClientError(.configuration, message) }
        try HTTPEndpoint.validate(base: baseURL, keyVariable: apiKeyEnvironmentVariable)
        guard APIKey.isValidVariableName(apiKeyEnvironmentVariable) else {
            throw fail("apiKeyEnvironmentVariable must be a non-empty variable name without '=' or NUL")
        }
        guard requestTimeout.isFinite && requestTimeout > 0 && requestTimeout <= 3600 else {
            throw fail("requestTimeout must be in (0, 3600] seconds (got \(requestTimeout))")
        }
        guard (1...100).contains(maxAttempts) else { throw fail("maxAttempts must be 1...100 (got \(maxAttempts))") }
        guard initialBackoff.isFinite && initialBackoff >= 0 else {
            throw fail("initialBackoff must be a finite number of seconds ≥ 0 (got \(initialBackoff))")
        }
        guard maxBackoff.isFinite && maxBackoff >= initialBackoff && maxBackoff <= 3600 else {
            throw fail("maxBackoff must be in [initialBackoff, 3600] seconds (got \(maxBackoff))")
        }
        guard maxResponseBytes >= 1024 else { throw fail("maxResponseBytes must be at least 1024 (got \(maxResponseBytes))") }
    }
}

extension HTTPClient {
    /// A client for `path` under `settings.baseURL` (see `HTTPEndpoint` for the `/v1` rule).
    /// - Throws: `HTTPClientError(.configuration, …)` when the settings are out of range.
    public init(settings: HTTPClientSettings, path: String, jitter: Jitter,
                sleep: @escaping @Sendable (Double) async throws -> Void,
                statusHint: @escaping @Sendable (Int) -> String = { _ in "" },
                sizeHint: String = "raise maxResponseBytes") throws {
        try settings.validate()
        let endpoint = try HTTPEndpoint(base: settings.baseURL, path: path, keyVariable: settings.apiKeyEnvironmentVariable)
        self.init(endpoint: endpoint, requestTimeout: settings.requestTimeout, maxResponseBytes: settings.maxResponseBytes,
                  retry: RetryPolicy(maxAttempts: settings.maxAttempts, initialBackoff: settings.initialBackoff,
                                     maxBackoff: settings.maxBackoff, jitter: jitter, sleep: sleep),
                  statusHint: statusHint, sizeHint: sizeHint)
    }
}
