import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import QuarryCore
import QuarryEmbed
import QuarryHTTP
import QuarryIngest
import QuarryServer
import QuarryStore
import QuarryTesting
import QuarryTrack
import Testing

/// A real server on a loopback port, driven with a real HTTP client.
struct Harness {
    let dir: TemporaryDirectory
    let server: RunningServer
    static let key = "test-read-key-1"
    static let writeKey = "test-write-key-2"
    static let adminKey = "test-admin-key-3"

    static func start(pipelines: [String: String] = [:], _ adjust: (inout QuarryConfiguration) -> Void = { _ in },
                      prepare: (QuarryHome) async throws -> Void = { _ in }) async throws -> Harness {
        let dir = try TemporaryDirectory()
        try dir.write("docs/telescope.md", """
            # Reflecting telescopes

            A reflecting telescope gathers light with a curved primary mirror. Isaac Newton built the first practical reflector in 1668.
            """)
        try dir.write("docs/tides.md", "# Tides\n\nTides are caused mainly by the gravity of the Moon.\n")
        try dir.write("docs/bread.md", "# Bread\n\nA sourdough starter is fed with flour and water every day.\n")
        let home = QuarryHome(url: dir.url.appendingPathComponent("home"))
        let ingest = IngestOptions(paths: [dir.path + "/docs"], collection: "demo",
                                   settings: CollectionSettings(analyzer: "english", chunking: ChunkingSettings(), tokenCounter: "words", embedder: nil))
        _ = try await Ingestor(home: home, options: ingest).run()
        try await prepare(home)
        var configuration = QuarryConfiguration()
        configuration.embedding.provider = .none
        configuration.retrieval.mode = .lexical
        configuration.llm.provider = .none  // extractive unless a test configures a model
        adjust(&configuration)
        let server = try QuarryServer(home: home, configuration: configuration,
                                      environment: ["QUARRY_API_KEYS": "\(key):read,\(writeKey):read+write,\(adminKey):admin"], accessLog: false,
                                      pipelines: pipelines)
        return Harness(dir: dir, server: try await RunningServer.start(server))
    }

    func stop() async {
        await server.stop()
        dir.remove()
    }

    func send(_ method: String, _ path: String, json: String? = nil, key: String? = Harness.key, timeout: Double = 60) async throws -> HTTPReply {
        var request = URLRequest(url: URL(string: server.baseURL.absoluteString + path)!)
        request.httpMethod = method
        if let json {
            request.httpBody = Data(json.utf8)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        if let key { request.setValue("Bearer \(key)", forHTTPHeaderField: "Authorization") }
        let reply = try await HTTPTransport.shared.send(request, limit: 16 << 20, timeout: timeout)
        // Every response a server test sees must match the OpenAPI document.
        for violation in OpenAPIValidator.shared.violations(method: method, url: path, status: reply.status,
                                                            contentType: reply.header("content-type"), body: reply.body) {
            Issue.record("OpenAPI mismatch: \(violation)")
        }
        return reply
    }

    static func object(_ reply: HTTPReply) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: reply.body) as? [String: Any], "\(String(decoding: reply.body, as: UTF8.self))")
    }
}

@Suite struct ServerTests {
    @Test("health, readiness, metrics and the OpenAPI document, which matches the routes")
    func operations() async throws {
        let harness = try await Harness.start()
        defer { Task { await harness.stop() } }
        #expect(try await harness.send("GET", "/healthz", key: nil).status == 200)
        var ready = try await harness.send("GET", "/readyz", key: nil)
        for _ in 0 ..< 50 where ready.status != 200 {
            try await Task.sleep(nanoseconds: 100_000_000)
            ready = try await harness.send("GET", "/readyz", key: nil)
        }
        #expect(ready.status == 200)
        #expect((try Harness.object(ready)["collections"] as? [String: Int])?["demo"] == 1)
        _ = try await harness.send("POST", "/v1/collections/demo/search", json: #"{"query": "telescope"}"#)
        // Unknown paths count as "other": a client's own segments never become label values.
        _ = try await harness.send("GET", "/v1/collections/demo/made-up-\(UUID().uuidString)/x")
        _ = try await harness.send("GET", "/v1/runs/1/made-up-\(UUID().uuidString)")
        let metrics = String(decoding: try await harness.send("GET", "/metrics").body, as: UTF8.self)
        #expect(metrics.contains("quarry_http_requests_total{"))
        #expect(metrics.contains("route=\"/v1/collections/{name}/search\""))
        #expect(metrics.contains("route=\"other\""))
        #expect(!metrics.contains("made-up"))
        #expect(metrics.contains("quarry_stage_duration_seconds_bucket{"))
        #expect(metrics.contains("quarry_collection_documents{collection=\"demo\"} 3"))

        let served = try await harness.send("GET", "/openapi.json", key: nil)
        let document = try Harness.object(served)
        let file = try String(contentsOf: Fixtures.packageRoot().appendingPathComponent("Sources/QuarryServer/Resources/openapi.json"), encoding: .utf8)
        #expect(String(decoding: served.body, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            == file.trimmingCharacters(in: .whitespacesAndNewlines))
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        var documented = Set<String>()
        for (path, operations) in paths { for method in operations.keys { documented.insert("\(method.uppercased()) \(path)") } }
        #expect(documented == Set(QuarryServer.routes.map { "\($0.method) \($0.path)" }))
    }

    @Test("search and query answer with hits, citations and the request id; the query log records them")
    func searchAndQuery() async throws {
        let harness = try await Harness.start()
        defer { Task { await harness.stop() } }
        let search = try await harness.send("POST", "/v1/collections/demo/search", json: #"{"query": "who built the first reflector", "k": 2, "explain": true}"#)
        #expect(search.status == 200)
        #expect(search.header("x-request-id") != nil)
        let hits = try #require(try Harness.object(search)["hits"] as? [[String: Any]])
        #expect(hits.first?["doc_id"] as? String == "telescope.md")
        #expect(hits.first?["stages"] != nil)
        let query = try await harness.send("POST", "/v1/collections/demo/query", json: #"{"query": "What causes tides?"}"#)
        #expect(query.status == 200)
        let answer = try Harness.object(query)
        #expect(answer["kind"] as? String == "extractive")
        #expect((answer["citations"] as? [[String: Any]])?.first?["doc_id"] as? String == "tides.md")
        #expect((answer["hits"] as? [[String: Any]])?.first?["stages"] == nil, "stages only with explain")
        let filtered = try await harness.send("POST", "/v1/collections/demo/search", json: #"{"query": "telescope", "filter": ["lang=xx"]}"#)
        #expect((try Harness.object(filtered)["hits"] as? [Any])?.isEmpty == true)
        let log = harness.dir.url.appendingPathComponent("home/collections/demo/querylog.sqlite")
        #expect(FileManager.default.fileExists(atPath: log.path))
    }

    @Test("a collection without embeddings answers the configured hybrid mode lexically, with the note; an explicit dense is a 400")
    func configuredModeFallsBack() async throws {
        let harness = try await Harness.start { $0.retrieval.mode = .hybrid }
        defer { Task { await harness.stop() } }
        let search = try await harness.send("POST", "/v1/collections/demo/search", json: #"{"query": "who built the first reflector"}"#)
        #expect(search.status == 200)
        let body = try Harness.object(search)
        #expect(body["mode"] as? String == "lexical")
        #expect((body["notes"] as? [String])?.contains { $0.contains("has no embeddings: lexical retrieval only") } == true, "\(body)")
        let query = try await harness.send("POST", "/v1/collections/demo/query", json: #"{"query": "What causes tides?"}"#)
        #expect(query.status == 200)
        #expect((try Harness.object(query)["notes"] as? [String])?.contains { $0.contains("lexical retrieval only") } == true)
        let dense = try await harness.send("POST", "/v1/collections/demo/search", json: #"{"query": "tides", "mode": "dense"}"#)
        #expect(dense.status == 400)
    }

    @Test("streamed answers arrive as server-sent events ending with done")
    func streaming() async throws {
        let harness = try await Harness.start()
        defer { Task { await harness.stop() } }
        let reply = try await harness.send("POST", "/v1/collections/demo/query", json: #"{"query": "What causes tides?", "stream": true}"#)
        #expect(reply.status == 200)
        #expect(reply.header("content-type")?.hasPrefix("text/event-stream") == true)
        let text = String(decoding: reply.body, as: UTF8.self)
        let events = text.components(separatedBy: "\n").filter { $0.hasPrefix("event: ") }.map { String($0.dropFirst(7)) }
        #expect(events == ["context", "done"])
        #expect(text.contains("\"kind\":\"extractive\""))
    }

    @Test("every 4xx is problem+json with a clear message and nothing internal", arguments: [
        ("POST", "/v1/collections/demo/search", "{not json", 400, "not a JSON object"),
        ("POST", "/v1/collections/demo/search", #"{"query": "x", "k": "5"}"#, 400, "'k'"),
        ("POST", "/v1/collections/demo/search", #"{"query": "x", "k": -1}"#, 400, "\"k\" must be 1...100"),
        ("POST", "/v1/collections/demo/search", #"{"query": "x", "k": 100000}"#, 400, "\"k\" must be 1...100"),
        ("POST", "/v1/collections/demo/search", #"{"query": "   "}"#, 400, "\"query\" is empty"),
        ("POST", "/v1/collections/demo/search", #"{"k": 3}"#, 400, "\"query\" is required"),
        ("POST", "/v1/collections/demo/search", #"{"query": "x", "colour": 1}"#, 400, "unknown key \"colour\""),
        ("POST", "/v1/collections/demo/search", #"{"query": "x", "filter": ["year>=soon"]}"#, 400, "needs a number"),
        ("POST", "/v1/collections/demo/search", #"{"query": "x", "mode": "dense"}"#, 400, "no embeddings"),
        ("POST", "/v1/collections/demo/search", "", 400, "request body required"),
        ("POST", "/v1/collections/nope/search", #"{"query": "x"}"#, 404, "no collection 'nope'"),
        ("POST", "/v1/collections/Bad..Name/search", #"{"query": "x"}"#, 400, "invalid name"),
        ("GET", "/v1/collections/nope", nil, 404, "no collection 'nope'"),
    ] as [(String, String, String?, Int, String)])
    func badRequests(method: String, path: String, body: String?, status: Int, message: String) async throws {
        let harness = try await Harness.start()
        defer { Task { await harness.stop() } }
        let reply = try await harness.send(method, path, json: body)
        #expect(reply.status == status)
        #expect(reply.header("content-type") == "application/problem+json")
        let problem = try Harness.object(reply)
        let detail = try #require(problem["detail"] as? String)
        #expect(detail.contains(message), "\(detail)")
        #expect(problem["status"] as? Int == status)
        #expect(!detail.contains(harness.dir.path), "no paths leak")
    }

    @Test("oversize bodies get 413; a long query is refused; keys and scopes are enforced")
    func limitsAndAuth() async throws {
        let harness = try await Harness.start { $0.server.maxBodyBytes = 4096; $0.server.maxQueryCharacters = 50 }
        defer { Task { await harness.stop() } }
        let big = #"{"query": ""# + String(repeating: "a", count: 8000) + #""}"#
        #expect(try await harness.send("POST", "/v1/collections/demo/search", json: big).status == 413)
        let long = #"{"query": ""# + String(repeating: "word ", count: 20) + #""}"#
        let refused = try await harness.send("POST", "/v1/collections/demo/search", json: long)
        #expect(refused.status == 400 && String(decoding: refused.body, as: UTF8.self).contains("longer than 50"))
        let none = try await harness.send("POST", "/v1/collections/demo/search", json: #"{"query": "x"}"#, key: nil)
        #expect(none.status == 401 && none.header("www-authenticate") == "Bearer")
        #expect(try await harness.send("GET", "/v1/collections", key: "wrong-key-123").status == 401)
        #expect(try await harness.send("GET", "/v1/collections", key: Harness.writeKey).status == 200)
        let open = try await Harness.start { $0.server.openReads = true }
        defer { Task { await open.stop() } }
        #expect(try await open.send("GET", "/v1/collections", key: nil).status == 200)
        #expect(try await open.send("GET", "/v1/collections", key: "wrong-key-123").status == 401, "a wrong key is not downgraded")
    }

    @Test("past the concurrency limit requests get 503 at once; a slow request gets 504")
    func concurrencyAndTimeout() async throws {
        // The first request holds the only slot for the whole request timeout; seconds, not
        // tenths, so the second still finds it held when the full suite loads the machine.
        let slow = try await LocalHTTPServer { _ in .json(#"{"choices":[{"message":{"content":"Late [1]."}}]}"#, delay: 20) }
        defer { slow.stop() }
        let harness = try await Harness.start {
            $0.server.maxConcurrentRequests = 1
            $0.server.requestTimeoutSeconds = 12
            $0.llm.provider = .openai
            $0.llm.url = slow.baseURL.absoluteString
            $0.llm.model = "slow"
            $0.llm.timeoutSeconds = 30
            $0.llm.maxAttempts = 1
        }
        defer { Task { await harness.stop() } }
        async let first = harness.send("POST", "/v1/collections/demo/query", json: #"{"query": "What causes tides?"}"#)
        // Once the LLM has the first request, that request holds the only slot (waiting on
        // the LLM rather than a fixed sleep keeps this right on a slow or sanitised build).
        let deadline = Date().addingTimeInterval(10)
        while slow.requests.isEmpty && Date() < deadline { try await Task.sleep(nanoseconds: 10_000_000) }
        let second = try await harness.send("POST", "/v1/collections/demo/query", json: #"{"query": "What causes tides?"}"#)
        #expect(second.status == 503)
        #expect(second.header("retry-after") == "1")
        #expect(try await first.status == 504)
        #expect(try await harness.send("GET", "/healthz", key: nil).status == 200)
    }
}

@Suite struct ServerWriteTests {
    @Test("a collection embedded with multilingual-e5 is searched and extended with it by a server configured with MiniLM")
    func collectionsOwnEmbedder() async throws {
        let models = Fixtures.packageRoot().appendingPathComponent("models")
        let e5: any Embedder
        do {
            e5 = try NativeEmbedder.open(modelDirectory: models.appendingPathComponent("multilingual-e5-small"))
        } catch {
            Issue.record("multilingual-e5-small is not in models/ (run scripts/fetch-model multilingual-e5-small): \(error)")
            return
        }
        let harness = try await Harness.start({ configuration in
            configuration.embedding.provider = .native
            configuration.embedding.model = models.appendingPathComponent("all-MiniLM-L6-v2").path
            configuration.retrieval.mode = .dense
        }, prepare: { home in
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            try dir.write("ar/moon.txt", "يدور القمر حول الأرض مرة كل شهر.")
            try dir.write("ar/bread.txt", "ينتفخ الخبز لأن الخميرة تنتج غازا.")
            var ingest = IngestOptions(paths: [dir.path + "/ar"], collection: "ar",
                                       settings: CollectionSettings(analyzer: "auto", chunking: ChunkingSettings(), tokenCounter: "words",
                                                                    embedder: e5.identity))
            ingest.embedder = e5
            _ = try await Ingestor(home: home, options: ingest).run()
        })
        defer { Task { await harness.stop() } }
        let add = #"{"documents": [{"id": "tides.txt", "text": "المد والجزر سببه جاذبية القمر."}]}"#
        let added = try await harness.send("POST", "/v1/collections/ar/documents", json: add, key: Harness.writeKey)
        #expect(added.status == 200, "\(String(decoding: added.body, as: UTF8.self))")
        let found = try await harness.send("POST", "/v1/collections/ar/search", json: #"{"query": "ما سبب ظاهرة المد؟", "k": 3}"#)
        #expect(found.status == 200, "\(String(decoding: found.body, as: UTF8.self))")
        #expect((try Harness.object(found)["hits"] as? [[String: Any]])?.first?["doc_id"] as? String == "tides.txt")
        // The same query again: its vector comes from the query-embedding cache, same hits.
        let repeated = try await harness.send("POST", "/v1/collections/ar/search", json: #"{"query": "ما سبب ظاهرة المد؟", "k": 3}"#)
        #expect((try Harness.object(repeated)["hits"] as? [[String: Any]])?.compactMap { $0["doc_id"] as? String }
            == (try Harness.object(found)["hits"] as? [[String: Any]])?.compactMap { $0["doc_id"] as? String })
        let metrics = String(decoding: try await harness.send("GET", "/metrics").body, as: UTF8.self)
        #expect(metrics.contains(#"quarry_query_embedding_cache_lookups_total{result="hit"} 1"#), "\(metrics.split(separator: "\n").filter { $0.contains("cache") })")
        #expect(metrics.contains(#"quarry_query_embedding_cache_lookups_total{result="miss"} 1"#))
        let reader = try CollectionReader(home: QuarryHome(url: harness.dir.url.appendingPathComponent("home")), name: "ar")
        #expect(reader.manifest.settings.embedder == e5.identity)
    }

    @Test("documents are added, found, replaced and deleted through the API; writes need the write scope")
    func documents() async throws {
        let harness = try await Harness.start()
        defer { Task { await harness.stop() } }
        let add = #"{"documents": [{"id": "notes/comets.md", "title": "Comets", "text": "A comet's tail always points away from the Sun.", "metadata": {"topic": "astronomy", "year": 2024}}]}"#
        let forbidden = try await harness.send("POST", "/v1/collections/demo/documents", json: add)
        #expect(forbidden.status == 403, "a read key cannot write")
        let added = try await harness.send("POST", "/v1/collections/demo/documents", json: add, key: Harness.writeKey)
        #expect(added.status == 200, "\(String(decoding: added.body, as: UTF8.self))")
        let result = try Harness.object(added)
        #expect(result["added"] as? Int == 1 && result["generation"] as? Int == 2)
        let found = try await harness.send("POST", "/v1/collections/demo/search", json: #"{"query": "comet tail", "filter": ["year>=2020"]}"#)
        #expect((try Harness.object(found)["hits"] as? [[String: Any]])?.first?["doc_id"] as? String == "notes/comets.md")
        let again = try await harness.send("POST", "/v1/collections/demo/documents", json: add, key: Harness.writeKey)
        #expect(try Harness.object(again)["unchanged"] as? Int == 1)
        let deleted = try await harness.send("DELETE", "/v1/collections/demo/documents/notes%2Fcomets.md", key: Harness.writeKey)
        #expect(deleted.status == 200)
        #expect(try Harness.object(deleted)["deleted"] as? Int == 1)
        let gone = try await harness.send("POST", "/v1/collections/demo/search", json: #"{"query": "comet tail"}"#)
        #expect((try Harness.object(gone)["hits"] as? [Any])?.isEmpty == true)
        #expect(try await harness.send("DELETE", "/v1/collections/demo/documents/nope", key: Harness.writeKey).status == 404)
        for bad in [#"{}"#, #"{"documents": [{"id": "", "text": "x"}]}"#, #"{"documents": [{"id": "a", "text": " "}]}"#,
                    #"{"documents": [{"id": "a", "text": "x"}, {"id": "a", "text": "y"}]}"#, #"{"documents": "x"}"#, #"{"docs": []}"#] {
            let reply = try await harness.send("POST", "/v1/collections/demo/documents", json: bad, key: Harness.writeKey)
            #expect(reply.status == 400, "\(bad)")
            #expect(reply.header("content-type") == "application/problem+json")
        }
    }

    @Test("document ids follow the one rule: an NFD id is its NFC document, deletable either way; an id over 1024 bytes is refused")
    func documentIDRule() async throws {
        let harness = try await Harness.start()
        defer { Task { await harness.stop() } }
        let add = "{\"documents\": [{\"id\": \"cafe\u{0301}.md\", \"text\": \"Espresso is brewed under pressure.\"}]}"
        let added = try await harness.send("POST", "/v1/collections/demo/documents", json: add, key: Harness.writeKey)
        #expect(added.status == 200, "\(String(decoding: added.body, as: UTF8.self))")
        let reader = try CollectionReader(home: QuarryHome(url: harness.dir.url.appendingPathComponent("home")), name: "demo")
        let stored = try #require(try reader.documents().map(\.docID).first { $0.hasSuffix(".md") && $0.hasPrefix("caf") })
        #expect(Array(stored.utf8) == Array("caf\u{E9}.md".utf8), "stored as NFC")
        let deleted = try await harness.send("DELETE", "/v1/collections/demo/documents/caf%C3%A9.md", key: Harness.writeKey)
        #expect(try Harness.object(deleted)["deleted"] as? Int == 1)
        let long = "{\"documents\": [{\"id\": \"\(String(repeating: "x", count: DocumentID.maxBytes + 1))\", \"text\": \"x\"}]}"
        let refused = try await harness.send("POST", "/v1/collections/demo/documents", json: long, key: Harness.writeKey)
        #expect(refused.status == 400)
        #expect(String(decoding: refused.body, as: UTF8.self).contains("at most 1024"))
    }

    @Test("reads keep answering while a write commits, from the old generation and then the new one")
    func readsDuringWrite() async throws {
        let harness = try await Harness.start()
        defer { Task { await harness.stop() } }
        let documents = (0 ..< 200).map { #"{"id": "bulk\#($0)", "text": "bulk note \#($0) about tides and orbits and the moon"}"# }
        let body = #"{"documents": ["# + documents.joined(separator: ",") + "]}"
        let (statuses, write) = try await withThrowingTaskGroup(of: ([Int], Int?).self) { group -> ([Int], Int) in
            group.addTask { ([], try await harness.send("POST", "/v1/collections/demo/documents", json: body, key: Harness.writeKey).status) }
            for _ in 0 ..< 3 {
                group.addTask {
                    var seen: [Int] = []
                    for _ in 0 ..< 20 { seen.append(try await harness.send("POST", "/v1/collections/demo/search", json: #"{"query": "tides"}"#).status) }
                    return (seen, nil)
                }
            }
            var statuses: [Int] = []
            var write = 0
            for try await (seen, status) in group {
                statuses += seen
                if let status { write = status }
            }
            return (statuses, write)
        }
        #expect(write == 200)
        #expect(statuses.count == 60 && statuses.allSatisfy { $0 == 200 })
        let info = try Harness.object(try await harness.send("GET", "/v1/collections/demo"))
        #expect(info["documents"] as? Int == 203)
    }

    @Test("concurrent writes to one collection are serialised and all land")
    func concurrentWrites() async throws {
        let harness = try await Harness.start()
        defer { Task { await harness.stop() } }
        try await withThrowingTaskGroup(of: Int.self) { group in
            for i in 0 ..< 6 {
                group.addTask {
                    let body = #"{"documents": [{"id": "n\#(i)", "text": "note number \#(i) about orbits"}]}"#
                    return try await harness.send("POST", "/v1/collections/demo/documents", json: body, key: Harness.writeKey).status
                }
            }
            for try await status in group { #expect(status == 200) }
        }
        let info = try Harness.object(try await harness.send("GET", "/v1/collections/demo"))
        #expect(info["documents"] as? Int == 9)
        #expect(info["generation"] as? Int == 7)
    }
}

@Suite struct OpenAICompatibilityTests {
    static var venvPython: URL { Fixtures.packageRoot().appendingPathComponent(".venv-openai/bin/python") }

    @Test("the official openai Python SDK embeds and chats (plain and streamed) against the server",
          .enabled(if: FileManager.default.isExecutableFile(atPath: venvPython.path), "run scripts/setup to create .venv-openai"))
    func officialSDK() async throws {
        let model = Fixtures.packageRoot().appendingPathComponent("models/all-MiniLM-L6-v2")
        let harness = try await Harness.start { configuration in
            configuration.embedding.provider = .native
            configuration.embedding.model = model.path
        }
        defer { Task { await harness.stop() } }
        let result = try await CommandRunner.run(Self.venvPython, [Fixtures.packageRoot().appendingPathComponent("scripts/test/openai_sdk_check.py").path,
                                                             harness.server.baseURL.absoluteString, Harness.key, "demo"])
        #expect(result.status == 0, "\(result.stderr.suffix(3000))")
        let seen = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result.stdout)")
        #expect(seen["embedding_count"] as? Int == 2)
        #expect(seen["dimension"] as? Int == 384)
        #expect(seen["embedding_model"] as? String == "all-MiniLM-L6-v2")
        let content = try #require(seen["chat_content"] as? String)
        #expect(content.contains("Tides are caused mainly by the gravity of the Moon. [1]"))
        #expect(content.contains("Sources:\n[1] Tides (tides.md)"))
        #expect(seen["chat_finish"] as? String == "stop")
        #expect(seen["stream_content"] as? String == content)
        #expect(seen["stream_finish"] as? String == "stop")
        #expect(seen["missing_status"] as? Int == 404)
    }

    @Test("embeddings and chat reject bad input with problem+json")
    func badInput() async throws {
        let harness = try await Harness.start()
        defer { Task { await harness.stop() } }
        #expect(try await harness.send("POST", "/v1/embeddings", json: #"{"input": "x"}"#).status == 404, "no embedder configured: no such model")
        let cases = [(#"{"model": "demo", "messages": []}"#, 400), (#"{"model": "demo"}"#, 400),
                     (#"{"model": "demo", "messages": [{"role": "user", "content": "tides"}], "n": 2}"#, 400),
                     (#"{"model": "nope", "messages": [{"role": "user", "content": "tides"}]}"#, 404),
                     (#"{"model": "demo", "messages": [{"role": "user", "content": "tides"}], "tools": []}"#, 400)]
        for (body, status) in cases {
            let reply = try await harness.send("POST", "/v1/chat/completions", json: body)
            #expect(reply.status == status, "\(body)")
        }
        let ok = try await harness.send("POST", "/v1/chat/completions", json: #"{"model": "demo", "messages": [{"role": "user", "content": "What causes tides?"}]}"#)
        let reply = try Harness.object(ok)
        #expect(reply["object"] as? String == "chat.completion")
        #expect(((reply["quarry"] as? [String: Any])?["citations"] as? [[String: Any]])?.first?["doc_id"] as? String == "tides.md")
    }

    @Test("the native model answers the chat route: an answer cut at the token limit says length, with its token counts")
    func nativeChat() async throws {
        // annotate: the model's three tokens, not the check's verdict on them.
        guard let harness = try await Harness.native(maxTokens: 3, { $0.generation.grounding = .annotate }) else { return }
        defer { Task { await harness.stop() } }
        let ok = try await harness.send("POST", "/v1/chat/completions", json: #"{"model": "demo", "messages": [{"role": "user", "content": "What causes tides?"}]}"#)
        let reply = try Harness.object(ok)
        #expect((reply["quarry"] as? [String: Any])?["kind"] as? String == "generated")
        #expect(((reply["choices"] as? [[String: Any]])?.first?["finish_reason"] as? String) == "length")
        let usage = try #require(reply["usage"] as? [String: Any])
        #expect(usage["completion_tokens"] as? Int == 3)
        #expect((usage["prompt_tokens"] as? Int ?? 0) > 50)
        #expect(usage["total_tokens"] as? Int == (usage["prompt_tokens"] as? Int ?? 0) + 3)
    }
}

extension Harness {
    /// A server answering with SmolLM2 in process, or nil (with the issue recorded) when models/ lacks it.
    static func native(maxTokens: Int, _ adjust: @escaping (inout QuarryConfiguration) -> Void = { _ in }) async throws -> Harness? {
        let model = Fixtures.packageRoot().appendingPathComponent("models/SmolLM2-135M-Instruct")
        guard FileManager.default.fileExists(atPath: model.path) else {
            Issue.record("SmolLM2-135M-Instruct is not in models/ (run scripts/fetch-model SmolLM2-135M-Instruct)")
            return nil
        }
        return try await Harness.start { configuration in
            configuration.llm.provider = .native
            configuration.llm.model = model.path
            configuration.llm.maxTokens = maxTokens
            adjust(&configuration)
        }
    }
}

extension ServerTests {
    @Test("a strict stream sends only checked sentences: the tokens are the final answer's text, and the verdicts come in a grounding event before done")
    func strictStream() async throws {
        guard let harness = try await Harness.native(maxTokens: 48, { $0.llm.temperature = 0 }) else { return }
        defer { Task { await harness.stop() } }
        let reply = try await harness.send("POST", "/v1/collections/demo/query", json: #"{"query": "What causes tides?", "stream": true}"#)
        #expect(reply.status == 200)
        var events: [(name: String, data: [String: Any])] = []
        for block in String(decoding: reply.body, as: UTF8.self).components(separatedBy: "\n\n") where block.hasPrefix("event: ") {
            let lines = block.split(separator: "\n", maxSplits: 1)
            let data = try JSONSerialization.jsonObject(with: Data(lines[1].dropFirst(6).utf8)) as? [String: Any] ?? [:]
            events.append((String(lines[0].dropFirst(7)), data))
        }
        let names = events.map(\.name)
        #expect(names.first == "context" && names.last == "done")
        #expect(names.dropLast().last == "grounding", "\(names)")
        let done = try #require(events.last?.data)
        let tokens = events.filter { $0.name == "token" }.compactMap { $0.data["text"] as? String }.joined()
        let sentences = try #require(events.first { $0.name == "grounding" }?.data["sentences"] as? [[String: Any]])
        if done["kind"] as? String == "generated" {
            #expect(tokens == done["text"] as? String, "what was streamed is the answer")
        } else {
            #expect(tokens.isEmpty && names.contains("fallback"), "nothing backed: nothing streamed, then the fallback")
        }
        for sentence in sentences where sentence["status"] as? String == "unsupported" {
            #expect(!tokens.contains(sentence["text"] as? String ?? "-"), "an unsupported sentence was streamed")
        }
    }
}

@Suite struct ServerRegistryTests {
    @Test("a served pipeline follows its alias: requests keep succeeding while the alias moves, and new ones use the new version")
    func aliasSwitch() async throws {
        let harness = try await Harness.start(pipelines: ["qa": "production"], prepare: { home in
            let other = try TemporaryDirectory()
            defer { other.remove() }
            try other.write("docs/comets.md", "# Comets\n\nA comet's tail points away from the Sun.\n")
            let ingest = IngestOptions(paths: [other.path + "/docs"], collection: "demo2",
                                       settings: CollectionSettings(analyzer: "english", chunking: ChunkingSettings(), tokenCounter: "words", embedder: nil))
            _ = try await Ingestor(home: home, options: ingest).run()
            let registry = Registry(store: try SQLiteTrackingStore(home: home))
            for collection in ["demo", "demo2"] {
                let snapshot = try CollectionSnapshot.capture(home: home, collection: collection)
                _ = try registry.register(PipelineVersion(pipeline: "qa", collection: collection, generation: snapshot.generation,
                                                          manifestChecksum: snapshot.manifestChecksum, embedder: nil, reranker: nil, prompt: "p",
                                                          retrieval: [:], sourceRun: nil, metrics: ["ndcg@10": 0.5], corpusFingerprint: snapshot.corpusFingerprint))
            }
            try registry.setAlias("qa", alias: "production", version: 1, actor: "test", reason: "first")
        })
        defer { Task { await harness.stop() } }
        let before = try await harness.send("POST", "/v1/pipelines/qa/search", json: #"{"query": "tides comet"}"#)
        #expect((try Harness.object(before)["collection"] as? String) == "demo")
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group -> [Int] in
            for _ in 0 ..< 4 {
                group.addTask {
                    var seen: [Int] = []
                    for _ in 0 ..< 15 { seen.append(try await harness.send("POST", "/v1/pipelines/qa/search", json: #"{"query": "tides comet"}"#).status) }
                    return seen.allSatisfy { $0 == 200 } ? 200 : seen.first { $0 != 200 }!
                }
            }
            group.addTask {
                try await Task.sleep(nanoseconds: 50_000_000)
                let forbidden = try await harness.send("POST", "/v1/registry/qa/aliases", json: #"{"alias": "production", "version": 2}"#, key: Harness.writeKey)
                #expect(forbidden.status == 403, "moving an alias needs the admin scope")
                let gated = try await harness.send("POST", "/v1/registry/qa/aliases", json: #"{"alias": "production", "version": 2, "require": ["ndcg@10>=0.9"]}"#,
                                                   key: Harness.adminKey)
                #expect(gated.status == 400)
                return try await harness.send("POST", "/v1/registry/qa/aliases", json: #"{"alias": "production", "version": 2, "reason": "switch"}"#,
                                              key: Harness.adminKey).status
            }
            var statuses: [Int] = []
            for try await status in group { statuses.append(status) }
            return statuses
        }
        #expect(statuses.allSatisfy { $0 == 200 }, "no failed request during the switch: \(statuses)")
        let after = try await harness.send("POST", "/v1/pipelines/qa/search", json: #"{"query": "tides comet"}"#)
        let hits = try #require(try Harness.object(after)["hits"] as? [[String: Any]])
        #expect(hits.first?["doc_id"] as? String == "comets.md")
        let details = try Harness.object(try await harness.send("GET", "/v1/registry/qa"))
        #expect((details["aliases"] as? [String: Int])?["production"] == 2)
        #expect((details["history"] as? [[String: Any]])?.last?["reason"] as? String == "switch")
        #expect(try await harness.send("POST", "/v1/pipelines/other/search", json: #"{"query": "x"}"#).status == 404)
        let runs = try await harness.send("GET", "/v1/runs?limit=5")
        #expect(runs.status == 200)
        #expect(try await harness.send("GET", "/v1/runs/nope").status == 404)
        #expect(try await harness.send("GET", "/v1/runs?filter=colour%20%3D%20red").status == 400)
    }
}
