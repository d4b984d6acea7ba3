import Foundation
import Hummingbird
import NIOCore
import QuarryCore
import QuarryTrack

/// Tracking and registry over HTTP: runs and pipeline versions to read (read scope), and
/// alias moves (admin scope), which the audit log records with the key's owner as "api".
extension Handlers {
    func registerTracking(on router: Router<QuarryRequestContext>) {
        router.get("/v1/runs") { request, context in
            let store = try tracking()
            let parameters = request.uri.queryParameters
            let filter = try RunFilter.parse(parameters["filter"].map(String.init) ?? "")
            let limit = try parameters["limit"].map { value -> Int in
                guard let limit = Int(value), (1 ... 1000).contains(limit) else { throw Problem(.badRequest, "limit must be 1...1000") }
                return limit
            } ?? 100
            return try Self.json(try store.searchRuns(experiment: parameters["experiment"].map(String.init), filter: filter, limit: limit))
        }
        router.get("/v1/runs/{id}") { _, context in
            return try Self.json(try tracking().run(try context.pathParameter("id")))
        }
        router.get("/v1/registry") { _, context in
            let registry = Registry(store: try tracking())
            struct Entry: Encodable { var pipeline: String; var versions: Int; var aliases: [String: Int] }
            return try Self.json(try registry.pipelines().map {
                Entry(pipeline: $0, versions: try registry.versions(of: $0).count, aliases: try registry.aliases(of: $0))
            })
        }
        router.get("/v1/registry/{pipeline}") { _, context in
            let registry = Registry(store: try tracking())
            let pipeline = try context.pathParameter("pipeline")
            let versions = try registry.versions(of: pipeline)
            guard !versions.isEmpty else { throw Problem(.notFound, "no pipeline '\(pipeline)'") }
            struct Details: Encodable { var pipeline: String; var versions: [PipelineVersion]; var aliases: [String: Int]; var history: [AliasEvent] }
            return try Self.json(Details(pipeline: pipeline, versions: versions, aliases: try registry.aliases(of: pipeline),
                                         history: try registry.history(of: pipeline)))
        }
        router.post("/v1/registry/{pipeline}/aliases") { request, context in
            let pipeline = try context.pathParameter("pipeline")
            struct Move: Decodable { var alias: String; var version: Int; var reason: String?; var require: [String]? }
            let move: Move = try await decode(request, keys: ["alias", "version", "reason", "require"])
            let registry = Registry(store: try tracking())
            let requirements = try (move.require ?? []).map(Requirement.parse)
            if requirements.isEmpty {
                try registry.setAlias(pipeline, alias: move.alias, version: move.version, actor: "api:\(context.requestID)",
                                      reason: move.reason ?? "moved over HTTP")
            } else {
                try registry.promote(pipeline, version: move.version, alias: move.alias, requirements: requirements, actor: "api:\(context.requestID)")
            }
            return try Self.json(["pipeline": pipeline, "alias": move.alias, "version": "\(move.version)"])
        }
        router.post("/v1/pipelines/{pipeline}/query") { request, context in
            return try await self.query(request, context, collection: try pipelineCollection(context))
        }
        router.post("/v1/pipelines/{pipeline}/search") { request, context in
            return try await self.search(request, context, collection: try pipelineCollection(context))
        }
    }

    func tracking() throws -> SQLiteTrackingStore {
        try trackingStore.get()
    }

    /// The collection a served pipeline's alias points at now. Resolved per request, so
    /// when the alias moves new requests follow while requests in flight finish where they
    /// started.
    func pipelineCollection(_ context: QuarryRequestContext) throws -> String {
        let name = try context.pathParameter("pipeline")
        guard let alias = pipelines[name] else {
            throw Problem(.notFound, "pipeline '\(name)' is not served here (quarry serve --pipeline NAME@ALIAS)")
        }
        return try Registry(store: try tracking()).resolve(name, alias).collection
    }
}

/// The home's tracking store, opened on first use and then shared by every request (its
/// `DatabaseQueue` serialises access; reads see what other processes commit, so alias moves
/// made with the CLI are followed). Opening per request ran the migrator and the pragmas on
/// every pipeline query. A failed open is retried by the next request.
final class SharedTrackingStore: @unchecked Sendable {
    private let home: QuarryHome
    private let lock = NSLock()
    private var store: SQLiteTrackingStore?

    init(home: QuarryHome) {
        self.home = home
    }

    func get() throws -> SQLiteTrackingStore {
        try lock.withLock {
            if let store { return store }
            let opened = try SQLiteTrackingStore(home: home)
            store = opened
            return opened
        }
    }
}
