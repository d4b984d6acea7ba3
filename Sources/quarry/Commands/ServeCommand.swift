import ArgumentParser
import Foundation
import Hummingbird
import QuarryCore
import QuarryServer
import QuarryTrack

/// `quarry serve`: the HTTP API over every collection in the home.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve search and grounded answers over HTTP for every collection in the home.",
        discussion: """
            API keys come from the environment (server.api_keys_env, default QUARRY_API_KEYS):
            comma-separated KEY:SCOPES with scopes read, write, admin joined by '+'. Reads can
            be opened with --open-reads (server.open_reads); writes always need a key. SIGTERM or
            Ctrl-C shuts down gracefully, finishing requests in flight. The OpenAPI document is at
            /openapi.json; Prometheus metrics at /metrics.

            Examples:
              QUARRY_API_KEYS="change-me-1:read" quarry serve --port 8080
              quarry serve --open-reads                       # reads without a key, on 127.0.0.1 only
              QUARRY_API_KEYS="change-me-1:read" quarry serve --host 0.0.0.0   # every address, keys required
              quarry serve --pipeline demo-qa@production     # POST /v1/pipelines/demo-qa/query
              curl -s localhost:8080/v1/collections/demo/query -H 'Authorization: Bearer change-me-1' \\
                   -H 'Content-Type: application/json' -d '{"query": "how does a reflecting telescope work"}'
            """
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var embedding: EmbeddingOptions

    @Option(help: "The address to listen on (default: server.host, 127.0.0.1).") var host: String?
    @Option(help: "The port (default: server.port, 8080; 0 picks a free one).") var port: Int?
    @Flag(help: "Let read routes answer without an API key (server.open_reads).") var openReads = false
    @Flag(help: "Allow --open-reads on an address other machines may reach (anyone who can connect reads every collection).")
    var allowPublicReads = false
    @Flag(help: "No JSON access log on stderr.") var quiet = false
    @Option(help: "Serve a registered pipeline at /v1/pipelines/NAME/query|search from the collection its alias points at (NAME@ALIAS, default alias production; repeatable). Moving the alias switches new requests over.")
    var pipeline: [String] = []

    func run() async throws {
        var configuration = try embedding.apply(to: global.loadConfiguration())
        if let host { configuration.server.host = host }
        if let port {
            guard (0 ... 65535).contains(port) else { throw ValidationError("--port must be 0...65535") }
            configuration.server.port = port
        }
        if openReads { configuration.server.openReads = true }
        let home = global.resolveHome(configuration)
        var pipelines: [String: String] = [:]
        if !pipeline.isEmpty {
            let registry = Registry(store: try SQLiteTrackingStore(home: home))
            for spec in pipeline {
                let parts = spec.split(separator: "@", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
                let name = parts[0], alias = parts.count == 2 ? parts[1] : "production"
                guard !name.isEmpty, !alias.isEmpty else {
                    throw ValidationError("--pipeline must be NAME or NAME@ALIAS (got \"\(spec)\")")
                }
                let version = try registry.resolve(name, alias)
                Terminal.error("quarry serve: pipeline \(name)@\(alias) is version \(version.version) (collection \(version.collection))")
                pipelines[name] = alias
            }
        }
        let server = try QuarryServer(home: home, configuration: configuration, accessLog: !quiet, pipelines: pipelines)
        if !server.hasKeys && !configuration.server.openReads {
            throw ValidationError("no API keys in $\(configuration.server.apiKeysEnvironment) and reads are not open: every route would answer 401. "
                + "Set \(configuration.server.apiKeysEnvironment)=\"KEY:read\" (keys of 8+ characters) or pass --open-reads")
        }
        let bind = configuration.server.host
        if configuration.server.openReads, !ListenAddress.isLoopback(bind), !allowPublicReads {
            throw ValidationError("reads are open and \(bind) is not a loopback address: anyone who can reach it would read every collection. "
                + "Listen on 127.0.0.1, require keys (drop --open-reads / server.open_reads), or pass --allow-public-reads if that is meant")
        }
        let app = server.application(host: bind, port: configuration.server.port) { port in
            Terminal.error("quarry serve: listening on http://\(bind):\(port) (home \(home.url.path))")
        }
        try await app.runService()
    }
}
