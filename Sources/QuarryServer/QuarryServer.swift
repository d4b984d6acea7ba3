import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import QuarryCore
import QuarryEmbed
import QuarryPipeline

/// The HTTP API over every collection of a Quarry home (Hummingbird 2).
///
/// Middleware, outermost first: access log + metrics + request id → problem+json errors →
/// routing (404/405) → authentication and the route's scope → body → concurrency limit and
/// timeout; then the routes in `Routes.table`.
/// Collections are opened in the background at start; `/readyz` turns 200 when that is done.
public struct QuarryServer: Sendable {
    public let home: QuarryHome
    public let configuration: QuarryConfiguration
    let pool: CollectionPool
    let handlers: Handlers
    let log: AccessLog
    let keys: APIKeys

    /// Prepares the server: embedder, reranker and LLM from the configuration, API keys from
    /// the environment variable `server.api_keys_env`.
    /// - Throws: configuration errors (a missing model, malformed keys) before anything listens.
    /// - Parameter pipelines: registered pipelines to serve, name → alias; each answers at
    ///   `/v1/pipelines/{name}/query|search` from the collection its alias points at now.
    public init(home: QuarryHome, configuration: QuarryConfiguration, environment: [String: String] = ProcessInfo.processInfo.environment,
                accessLog: Bool = true, pipelines: [String: String] = [:]) throws {
        self.home = home
        self.configuration = configuration
        let settings = configuration.server
        keys = try APIKeys(parsing: environment[settings.apiKeysEnvironment] ?? "")
        // Concurrent requests' texts are embedded together (queued behind busy cores, up to
        // 32 texts a batch); repeated queries come from the query-embedding cache.
        let queryCache = EmbeddingCacheStats()
        pool = CollectionPool(factory: try PipelineFactory(configuration: configuration, home: home, batchingEmbedder: true,
                                                           queryCache: queryCache))
        log = AccessLog(enabled: accessLog)
        let errors = log
        let queryLog = QueryLogQueue(flushMilliseconds: settings.queryLogFlushMilliseconds) { errors.error(requestID: nil, $0) }
        handlers = Handlers(pool: pool, settings: settings, metrics: ServerMetrics(),
                            log: log, readiness: Readiness(), writes: WriteQueue(), pipelines: pipelines,
                            trackingStore: SharedTrackingStore(home: home), queryCache: queryCache, queryLog: queryLog)
    }

    /// Every route: method, path pattern and who may call it (`public`, `any-key`, `read`,
    /// `write`, `admin`); the OpenAPI document must list exactly these, each with its
    /// `x-quarry-access`.
    public static var routes: [(method: String, path: String, access: String)] { Routes.table.map { ($0.method, $0.path, $0.access.rawValue) } }

    /// Whether any API key is configured (without keys and open reads, every route but the
    /// health routes answers 401).
    public var hasKeys: Bool { !keys.isEmpty }

    func router() -> Router<QuarryRequestContext> {
        let router = Router(context: QuarryRequestContext.self, options: .autoGenerateHeadEndpoints)
        router.add(middleware: AccessMiddleware(log: log, metrics: handlers.metrics))
        router.add(middleware: ProblemMiddleware(log: log))
        router.add(middleware: RoutingMiddleware())
        // Keys are checked on the head alone; the body is then read (bounded in size and
        // time) before the request may take one of the concurrency slots.
        router.add(middleware: AuthMiddleware(keys: keys, openReads: configuration.server.openReads))
        router.add(middleware: BodyMiddleware(maxBodyBytes: configuration.server.maxBodyBytes,
                                              timeoutSeconds: configuration.server.bodyTimeoutSeconds))
        router.add(middleware: LimitMiddleware(gate: ConcurrencyGate(limit: configuration.server.maxConcurrentRequests)))
        handlers.register(on: router)
        // A handler registered without a row in the table would be unreachable (the
        // middleware denies it); a row without a handler would answer 404 after auth.
        // Either is a programming error that the server tests hit at once.
        let registered = Set(router.routes.filter { $0.method != .head }.map { "\($0.method.rawValue) \($0.path.description)" })
        precondition(registered == Routes.signatures, "routes registered \(registered.sorted()) differ from Routes.table \(Routes.signatures.sorted())")
        return router
    }

    /// The application listening on `host:port` (port 0: any free port); `onRunning` gets
    /// the bound port.
    public func application(host: String, port: Int, logLevel: Logger.Level = .warning,
                             onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        let pool = self.pool
        let readiness = handlers.readiness
        let log = self.log
        var logger = Logger(label: "quarry")
        logger.logLevel = logLevel
        let settings = configuration.server
        let connections = ConnectionGuard.Counter(limit: settings.maxConnections)
        // The idle timeout closes a connection that sends nothing for that long, including
        // one stalled in the middle of its headers or body; the decoder caps the head.
        let http1 = HTTP1Channel.Configuration(
            additionalChannelHandlers: [ConnectionGuard(counter: connections, maxBodyBytes: settings.maxBodyBytes)],
            idleTimeout: .nanoseconds(Int64(settings.readIdleTimeoutSeconds * 1e9)),
            httpDecoderConfiguration: .init(maxHeaderFieldSize: settings.maxHeaderBytes, maxHeaderListSize: settings.maxHeaderBytes,
                                            maxHeaderFieldCount: 256))
        // The query log's writer is a service: it stops after the HTTP server has finished
        // its requests in flight and writes their lines last.
        var app = Application(router: router(), server: .http1(configuration: http1),
                              configuration: .init(address: .hostname(host, port: port), serverName: "quarry"),
                              services: [handlers.queryLog],
                              onServerRunning: { channel in
                                  await onRunning(channel.localAddress?.port ?? port)
                              }, logger: logger)
        app.beforeServerStarts {
            // Open collections in the background: the server answers /healthz at once and
            // /readyz once every collection is loaded (or has failed, which it reports).
            Task {
                let failures = await pool.warm()
                for (name, why) in failures { log.error(requestID: nil, "collection \(name) could not be opened: \(why)") }
                readiness.finish(failures)
            }
        }
        return app
    }
}

/// A server running in this process (tests, embedding Quarry in another program).
public final class RunningServer: @unchecked Sendable {
    public let port: Int
    private let task: Task<Void, any Error>
    private let queryLog: QueryLogQueue

    init(port: Int, task: Task<Void, any Error>, queryLog: QueryLogQueue) {
        self.port = port
        self.task = task
        self.queryLog = queryLog
    }

    public var baseURL: URL { URL(string: "http://127.0.0.1:\(port)")! }

    /// Starts `server` on a free loopback port and returns once it listens.
    public static func start(_ server: QuarryServer) async throws -> RunningServer {
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        // Cancellation at stop() makes Hummingbird log connection shutdowns as errors; quiet.
        let app = server.application(host: "127.0.0.1", port: 0, logLevel: .critical) { port in
            continuation.yield(port)
            continuation.finish()
        }
        let task = Task {
            do {
                try await app.run()
            } catch {
                continuation.finish()
                throw error
            }
        }
        for await port in ports { return RunningServer(port: port, task: task, queryLog: server.handlers.queryLog) }
        _ = try await task.value
        throw Problem(.internalServerError, "the server stopped before it listened")
    }

    /// Stops accepting and shuts down. Cancellation stops every service at once, so a
    /// request that finished after the query log's last flush left its line queued: it is
    /// written here.
    public func stop() async {
        task.cancel()
        _ = try? await task.value
        queryLog.flush()
    }
}
