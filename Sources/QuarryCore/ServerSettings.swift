/// Settings for `quarry serve`. config/quarry.yaml documents each key.
public struct ServerSettings: Sendable, Equatable {
    /// The address to listen on. Loopback by default: exposing the server is a decision.
    public var host: String = "127.0.0.1"
    public var port: Int = 8080
    /// The environment variable holding the API keys: comma-separated `KEY:SCOPES`, scopes
    /// joined by `+` from read, write, admin (e.g. `k1:read,k2:read+write+admin`).
    public var apiKeysEnvironment: String = "QUARRY_API_KEYS"
    /// Whether read routes (search, query, listing) answer without a key. Writes never do.
    public var openReads: Bool = false
    /// Largest request body in bytes.
    public var maxBodyBytes: Int = 1 << 20
    /// Largest `k` a request may ask for.
    public var maxK: Int = 100
    /// Longest query in characters.
    public var maxQueryCharacters: Int = 2000
    /// Seconds a request may take before it is answered with 504.
    public var requestTimeoutSeconds: Double = 60
    /// Requests handled at once; more are answered 503 with Retry-After instead of queueing.
    public var maxConcurrentRequests: Int = 32
    /// Seconds a connection may send nothing — before its first request, between requests,
    /// or in the middle of a request's headers or body — before it is closed. Slow or stalled
    /// clients cannot hold connections (or file descriptors) open.
    public var readIdleTimeoutSeconds: Double = 15
    /// Seconds a request body may take to arrive in full; slower is answered 408. Bodies are
    /// read before a request takes one of the `max_concurrent_requests` slots.
    public var bodyTimeoutSeconds: Double = 30
    /// Largest request head (request line and headers) in bytes; larger is answered 431.
    public var maxHeaderBytes: Int = 16384
    /// Open connections at once; connections beyond are closed at once.
    public var maxConnections: Int = 1024
    /// Query embeddings kept in memory (least recently used out first); 0 turns the cache
    /// off. A 384-dimension vector is 1.5 KiB, so the default holds at most about 6 MiB.
    public var queryCacheEntries: Int = 4096
    /// How often the query log's queued lines are written, in milliseconds: answers do not
    /// wait for the log, and a SIGKILL loses the lines not yet written — this much of it and
    /// a write in progress (SIGTERM loses nothing). 0 writes every line before its answer is
    /// sent.
    public var queryLogFlushMilliseconds: Int = 100

    public init() {}

    func validate(file: String?) throws {
        guard !host.isEmpty else { throw ConfigError(key: "server.host", file: file, reason: "must not be empty") }
        guard (0 ... 65535).contains(port) else { throw ConfigError(key: "server.port", file: file, reason: "must be 0...65535") }
        guard (1024 ... (256 << 20)).contains(maxBodyBytes) else {
            throw ConfigError(key: "server.max_body_bytes", file: file, reason: "must be 1024...268435456")
        }
        guard (1 ... 1000).contains(maxK) else { throw ConfigError(key: "server.max_k", file: file, reason: "must be 1...1000") }
        guard (1 ... 100_000).contains(maxQueryCharacters) else {
            throw ConfigError(key: "server.max_query_characters", file: file, reason: "must be 1...100000")
        }
        guard requestTimeoutSeconds > 0 && requestTimeoutSeconds <= 3600 else {
            throw ConfigError(key: "server.request_timeout_seconds", file: file, reason: "must be in (0, 3600]")
        }
        guard (1 ... 10_000).contains(maxConcurrentRequests) else {
            throw ConfigError(key: "server.max_concurrent_requests", file: file, reason: "must be 1...10000")
        }
        guard readIdleTimeoutSeconds > 0 && readIdleTimeoutSeconds <= 3600 else {
            throw ConfigError(key: "server.read_idle_timeout_seconds", file: file, reason: "must be in (0, 3600]")
        }
        guard bodyTimeoutSeconds > 0 && bodyTimeoutSeconds <= 3600 else {
            throw ConfigError(key: "server.body_timeout_seconds", file: file, reason: "must be in (0, 3600]")
        }
        guard (1024 ... (1 << 20)).contains(maxHeaderBytes) else {
            throw ConfigError(key: "server.max_header_bytes", file: file, reason: "must be 1024...1048576")
        }
        guard (maxConcurrentRequests ... 1_000_000).contains(maxConnections) else {
            throw ConfigError(key: "server.max_connections", file: file, reason: "must be at least server.max_concurrent_requests and at most 1000000")
        }
        guard (0 ... 10_000_000).contains(queryCacheEntries) else {
            throw ConfigError(key: "server.query_cache_entries", file: file, reason: "must be 0...10000000")
        }
        guard (0 ... 60_000).contains(queryLogFlushMilliseconds) else {
            throw ConfigError(key: "server.query_log_flush_ms", file: file, reason: "must be 0...60000")
        }
    }
}
