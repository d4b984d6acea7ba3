import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import QuarryCore
import QuarryEmbed
import QuarryGenerate
import QuarryPipeline
import QuarryRetrieve
import QuarryStore
import QuarryWire

/// Who may call a route. The table below gives every route one, and `AuthMiddleware`
/// enforces it before any handler runs, so a handler cannot forget its check and a route
/// cannot be registered without stating who may call it.
enum RouteAccess: String, Sendable, CaseIterable {
    /// No key needed (health probes, the API document); a key presented is not checked.
    case `public`
    /// A valid key of any scope, even with open reads (`/metrics` names every collection).
    case anyKey = "any-key"
    case read, write, admin

    /// The scope a key needs, or nil for public routes.
    var scope: APIScope? {
        switch self {
        case .public: nil
        case .anyKey, .read: .read
        case .write: .write
        case .admin: .admin
        }
    }
}

/// One route: method, path pattern and who may call it.
struct Route: Sendable {
    var method: String
    var path: String
    var access: RouteAccess
    init(_ method: String, _ path: String, _ access: RouteAccess) {
        self.method = method
        self.path = path
        self.access = access
    }
}

/// Every route the server answers, in one table: the router must register exactly these
/// (checked when it is built), the OpenAPI document must list exactly these with the same
/// `x-quarry-access`, and the auth matrix test calls each with every kind of key.
enum Routes {
    static let table: [Route] = [
        Route("GET", "/healthz", .public), Route("GET", "/readyz", .public), Route("GET", "/metrics", .anyKey),
        Route("GET", "/openapi.json", .public),
        Route("GET", "/v1/collections", .read), Route("GET", "/v1/collections/{name}", .read),
        Route("POST", "/v1/collections/{name}/search", .read), Route("POST", "/v1/collections/{name}/query", .read),
        Route("GET", "/v1/collections/{name}/drift", .read),
        Route("POST", "/v1/collections/{name}/documents", .write), Route("DELETE", "/v1/collections/{name}/documents/{id}", .write),
        Route("POST", "/v1/embeddings", .read), Route("POST", "/v1/chat/completions", .read),
        Route("GET", "/v1/runs", .read), Route("GET", "/v1/runs/{id}", .read), Route("GET", "/v1/registry", .read),
        Route("GET", "/v1/registry/{pipeline}", .read), Route("POST", "/v1/registry/{pipeline}/aliases", .admin),
        Route("POST", "/v1/pipelines/{pipeline}/query", .read), Route("POST", "/v1/pipelines/{pipeline}/search", .read),
    ]

    /// "METHOD /path" of every row, to compare with what the router registered.
    static let signatures = Set(table.map { "\($0.method) \($0.path)" })

    /// Who may call `method` on a concrete path (HEAD as GET); nil when the table has no
    /// such route.
    static func access(method: String, path: String) -> RouteAccess? {
        let method = method == "HEAD" ? "GET" : method
        guard let pattern = pattern(for: path.split(separator: "/")) else { return nil }
        return table.first { $0.method == method && $0.path == pattern.path }?.access
    }

    /// The route pattern of a concrete path, for metric labels and the access log: one of the
    /// table's paths, or "other". Never built from the client's own segments, so unknown paths
    /// (`/v1/collections/x/<anything>`) cannot grow the metrics without bound. Matched by path
    /// alone, not by the router's match, because requests refused before routing (401, 503)
    /// keep their route too.
    static func label(_ path: String) -> String {
        pattern(for: path.split(separator: "/")).map(\.path) ?? "other"
    }

    /// The methods the table serves on a concrete path (empty: no route has this path, or
    /// the path has an empty segment such as a trailing slash).
    static func methods(_ path: String) -> [String] {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        guard path.hasPrefix("/"), !parts.contains(where: \.isEmpty) else { return [] }
        return pattern(for: Array(parts))?.methods ?? []
    }

    /// The table's pattern a path's segments match (`{…}` matches any one segment).
    private static func pattern(for parts: [Substring]) -> Pattern? {
        patterns.first { pattern in
            pattern.segments.count == parts.count && zip(pattern.segments, parts).allSatisfy { $0.hasPrefix("{") || $0 == $1 }
        }
    }

    /// A distinct path of the table, split into segments once, with the methods it serves.
    private struct Pattern {
        var path: String
        var segments: [Substring]
        var methods: [String]
    }

    private static let patterns: [Pattern] = {
        var result: [Pattern] = []
        for route in table {
            if let index = result.firstIndex(where: { $0.path == route.path }) {
                result[index].methods.append(route.method)
            } else {
                result.append(Pattern(path: route.path, segments: route.path.split(separator: "/"), methods: [route.method]))
            }
        }
        return result
    }()
}

/// The handlers, with what they share.
struct Handlers: Sendable {
    let pool: CollectionPool
    let settings: ServerSettings
    let metrics: ServerMetrics
    let log: AccessLog
    let readiness: Readiness
    let writes: WriteQueue
    /// Served pipelines: name → alias (`quarry serve --pipeline NAME@ALIAS`).
    let pipelines: [String: String]
    let trackingStore: SharedTrackingStore
    /// Hits and misses of the query-embedding caches, for /metrics.
    let queryCache: EmbeddingCacheStats
    /// Query-log lines on their way to each collection's querylog.sqlite.
    let queryLog: QueryLogQueue

    func register(on router: Router<QuarryRequestContext>) {
        router.get("/healthz") { _, _ in try Self.json(["status": "ok"]) }
        router.get("/readyz") { _, _ in try await self.ready() }
        router.get("/metrics") { _, _ in await self.metricsText() }
        router.get("/openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: PackageResources.openapi_json)))
        }
        router.get("/v1/collections") { _, context in
            return try Self.json(try CollectionCatalog(home: pool.home).list())
        }
        router.get("/v1/collections/{name}") { _, context in
            let name = try context.pathParameter("name")
            let reader = try CollectionReader(home: pool.home, name: name)
            struct Info: Encodable {
                var name: String
                var generation: Int
                var documents: Int
                var chunks: Int
                var analyzer: String
                var embedder: String?
                var committedAt: String
                enum CodingKeys: String, CodingKey {
                    case name, generation, documents, chunks, analyzer, embedder, committedAt = "committed_at"
                }
            }
            let manifest = reader.manifest
            return try Self.json(Info(name: name, generation: manifest.generation, documents: manifest.documentCount, chunks: manifest.chunkCount,
                                      analyzer: manifest.settings.analyzer, embedder: manifest.settings.embedder?.description,
                                      committedAt: manifest.committedAt))
        }
        router.post("/v1/collections/{name}/search") { request, context in
            return try await self.search(request, context)
        }
        router.post("/v1/collections/{name}/query") { request, context in
            return try await self.query(request, context)
        }
        registerDocuments(on: router)
        registerOpenAI(on: router)
        registerTracking(on: router)
        registerDrift(on: router)
    }

    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: try WireJSON.encoder.encode(value))))
    }

    func ready() async throws -> Response {
        let state = readiness.state
        let loaded = await pool.loaded
        struct Ready: Encodable { var ready: Bool; var collections: [String: Int]; var failed: [String: String] }
        let body = Ready(ready: state.done, collections: loaded, failed: state.failures)
        return try Self.json(body, status: state.done ? .ok : .serviceUnavailable)
    }

    func metricsText() async -> Response {
        for (name, generation) in await pool.loaded {
            if let reader = try? CollectionReader(home: pool.home, name: name) {
                metrics.collectionGauge("documents", collection: name, help: "Documents in the committed generation.")
                    .set(Double(reader.manifest.documentCount))
                metrics.collectionGauge("chunks", collection: name, help: "Chunks in the committed generation.")
                    .set(Double(reader.manifest.chunkCount))
            }
            metrics.collectionGauge("generation", collection: name, help: "Generation the server answers from.").set(Double(generation))
        }
        let cache = queryCache.counts
        metrics.queryCache(hits: cache.hits, misses: cache.misses)
        metrics.queryLog(queryLog.counts, queued: queryLog.queued)
        return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"], body: .init(byteBuffer: ByteBuffer(string: metrics.text())))
    }

    /// Reads the body (bounded), parses it and turns it into retrieval options within the
    /// server's limits: the pipelines' configured defaults with the body's overrides.
    func options(_ request: Request, _ context: QuarryRequestContext, keys: Set<String>) async throws -> (RetrievalBody, RetrievalOptions) {
        try RequestBody.checkContentType(request.headers[.contentType])
        var buffer = try await request.body.collect(upTo: settings.maxBodyBytes)
        let data = buffer.readData(length: buffer.readableBytes) ?? Data()
        let body = try RetrievalBody.parse(data, allowed: keys)
        let trimmed = body.query.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw Problem(.badRequest, "\"query\" is empty") }
        guard body.query.unicodeScalars.count <= settings.maxQueryCharacters else {
            throw Problem(.badRequest, "\"query\" is longer than \(settings.maxQueryCharacters) characters (server.max_query_characters)")
        }
        return (body, try served(body.overrides))
    }

    /// The configured defaults with `overrides` on top, `k` within `server.max_k`.
    func served(_ overrides: RetrievalOverrides) throws -> RetrievalOptions {
        var options = try pool.factory.options(overrides, spelling: .json, maxK: settings.maxK)
        if overrides.k == nil { options.k = min(options.k, settings.maxK) }
        return options
    }

    func search(_ request: Request, _ context: QuarryRequestContext, collection: String? = nil) async throws -> Response {
        let name = try collection ?? context.pathParameter("name")
        let (body, options) = try await options(request, context, keys: RetrievalBody.searchKeys)
        let entry = try await pool.entry(name)
        let start = DispatchTime.now().uptimeNanoseconds
        let pipeline = entry.pipeline
        var retrieval = try await Deadline.run(seconds: settings.requestTimeoutSeconds) {
            try await pipeline.retrieve(body.query, options: options)
        }
        let latency = Self.milliseconds(since: start)
        for (stage, seconds) in retrieval.timings { metrics.stage(stage.rawValue, milliseconds: seconds * 1000) }
        if !body.explain { for i in retrieval.hits.indices { retrieval.hits[i].stages = nil } }
        logQuery(entry, route: "search", query: body.query, options: options, latency: latency, hits: retrieval.hits, kind: nil, context)
        var response = SearchResponse(collection: name, generation: entry.generation, mode: retrieval.mode, hits: retrieval.hits,
                                      timingsMilliseconds: Dictionary(uniqueKeysWithValues: retrieval.timings.map { ($0.key.rawValue, $0.value * 1000) }),
                                      denseTrust: retrieval.denseTrust, reranker: retrieval.reranker, notes: pipeline.notes + retrieval.notes)
        response.queryAnalysis = retrieval.queryAnalysis
        response.fusion = retrieval.fusion
        return try Self.json(response)
    }

    func query(_ request: Request, _ context: QuarryRequestContext, collection: String? = nil) async throws -> Response {
        let name = try collection ?? context.pathParameter("name")
        let (body, options) = try await options(request, context, keys: RetrievalBody.queryKeys)
        let entry = try await pool.entry(name)
        let start = DispatchTime.now().uptimeNanoseconds
        if body.stream { return try await stream(entry, body: body, options: options, context: context, start: start) }
        let pipeline = entry.pipeline
        var answer = try await Deadline.run(seconds: settings.requestTimeoutSeconds) {
            try await pipeline.answer(body.query, options: options)
        }
        let latency = Self.milliseconds(since: start)
        finish(&answer, entry: entry, query: body.query, explain: body.explain, options: options, latency: latency, context: context)
        return try Self.json(answer)
    }

    func finish(_ answer: inout Answer, entry: CollectionPool.Entry, query: String, explain: Bool, options: RetrievalOptions,
                latency: Double, context: QuarryRequestContext) {
        for (stage, ms) in answer.timings { metrics.stage(stage, milliseconds: ms) }
        if !explain { for i in answer.hits.indices { answer.hits[i].stages = nil } }
        logQuery(entry, route: "query", query: query, options: options, latency: latency, hits: answer.hits, kind: answer.kind.rawValue, context)
    }

    /// Wall-clock milliseconds since `start` (`DispatchTime` nanoseconds), as the query log records latency.
    static func milliseconds(since start: UInt64) -> Double {
        Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
    }

    /// Server-sent events: `context` (the numbered sources), `token` (answer text: under
    /// `generation.grounding: strict` one verified sentence at a time, each sent once the
    /// check has passed it, so no unsupported sentence is ever sent as answer text; otherwise the model's
    /// tokens as it writes them), `fallback` (why the LLM answer was abandoned), `grounding`
    /// (the per-sentence verdicts, just before `done`; strict or annotate), `done` (the
    /// whole answer), or `error` (a problem object) — the stream always ends with `done` or
    /// `error`.
    ///
    /// Retrieval runs before the 200 is sent: a request it refuses (a mode the collection
    /// cannot serve, a bad filter) is answered with its own status as problem+json, as
    /// without `stream`; only failures after the first event arrive as `error` events.
    func stream(_ entry: CollectionPool.Entry, body: RetrievalBody, options: RetrievalOptions, context: QuarryRequestContext,
                start: UInt64) async throws -> Response {
        let events = EventCursor(entry.pipeline.run(body.query, options: options, stream: true))
        let first = try await events.next()
        let responseBody = ResponseBody { writer in
            func send(_ event: String, _ value: some Encodable) async throws {
                let data = try WireJSON.encoder.encode(value)
                try await writer.write(ByteBuffer(string: "event: \(event)\ndata: " + String(decoding: data, as: UTF8.self) + "\n\n"))
            }
            do {
                var next = first
                while let event = next {
                    switch event {
                    case .context(_, let passages): try await send("context", ["sources": passages])
                    case .token(let text): try await send("token", ["text": text])
                    case .fallback(let reason): try await send("fallback", ["reason": reason])
                    case .done(var answer):
                        let latency = Self.milliseconds(since: start)
                        finish(&answer, entry: entry, query: body.query, explain: body.explain, options: options, latency: latency, context: context)
                        if let grounding = answer.grounding { try await send("grounding", grounding) }
                        try await send("done", answer)
                    }
                    next = try await events.next()
                }
            } catch {
                let problem = ErrorMapping.problem(for: error)
                struct Failure: Encodable { var status: Int; var title: String; var detail: String }
                try await send("error", Failure(status: Int(problem.status.code), title: problem.title, detail: problem.detail))
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"], body: responseBody)
    }

    /// One consumer's position in an answer's event stream, shared between the handler (which
    /// reads the first event) and the response body (which reads the rest), one after the other.
    final class EventCursor: @unchecked Sendable {
        private var iterator: AsyncThrowingStream<AnswerEvent, Error>.AsyncIterator

        init(_ events: AsyncThrowingStream<AnswerEvent, Error>) {
            iterator = events.makeAsyncIterator()
        }

        func next() async throws -> AnswerEvent? {
            try await iterator.next()
        }
    }

    func logQuery(_ entry: CollectionPool.Entry, route: String, query: String, options: RetrievalOptions, latency: Double,
                  hits: [SearchHit], kind: String?, _ context: QuarryRequestContext) {
        queryLog.enqueue(QueryLogFile.Entry(route: route, query: query, mode: options.mode.rawValue, k: options.k,
                                            latencyMilliseconds: latency,
                                            hits: hits.prefix(10).map { .init(docID: $0.docID, chunkID: $0.chunkID, score: $0.score) },
                                            answerKind: kind, requestID: context.requestID),
                         to: entry.queryLog)
    }
}

/// Whether start-up loading has finished, and what failed.
final class Readiness: @unchecked Sendable {
    private let lock = NSLock()
    private var _done = false
    private var _failures: [String: String] = [:]

    var state: (done: Bool, failures: [String: String]) {
        lock.lock()
        defer { lock.unlock() }
        return (_done, _failures)
    }

    func finish(_ failures: [String: String]) {
        lock.lock()
        _done = true
        _failures = failures
        lock.unlock()
    }
}
