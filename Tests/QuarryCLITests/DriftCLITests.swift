import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import GRDB
import QuarryCore
import QuarryHTTP
import QuarryTesting
import Testing

@Suite struct DriftCLITests {
    /// The `quarry` built beside these tests (whatever the scratch path), else the default one.
    let quarry: URL = {
        let here = Bundle.main.bundleURL
        for folder in [here, here.deletingLastPathComponent(), URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()] {
            let candidate = folder.appendingPathComponent("quarry")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return Fixtures.quarryExecutable()
    }()

    let msmarco = Fixtures.shared().appendingPathComponent("corpora/msmarco/queries.jsonl").path
    let arcd = Fixtures.shared().appendingPathComponent("corpora/arcd/queries.jsonl").path

    func demoHome(_ dir: TemporaryDirectory) async throws -> String {
        let home = dir.path + "/h"
        let demo = Fixtures.packageRoot().appendingPathComponent("corpora/demo").path
        let ingest = try await CommandRunner.run(quarry, ["ingest", demo, "--home", home, "--collection", "demo", "--quiet", "--embedder", "none"])
        #expect(ingest.status == 0, "\(ingest.stderr)")
        return home
    }

    @Test("drift check: English vs Arabic queries drift (exit 2 with --fail-on-drift), writes both reports and is a tracked run", Fixtures.needsShared)
    func checkFiles() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let home = try await demoHome(dir)
        let result = try await CommandRunner.run(quarry, ["drift", "check", "--reference", msmarco, "--current", arcd, "--collection", "demo",
                                                    "--home", home, "--embedder", "none", "--output", dir.path + "/out", "--fail-on-drift"])
        #expect(result.status == 2, "\(result.stderr)")
        #expect(result.stdout.contains("dataset drift: yes"))
        #expect(result.stdout.contains("script") && result.stdout.contains("oov_rate"))
        #expect(result.stderr.contains("tracked as run"))
        let json = try #require(FileManager.default.contents(atPath: dir.path + "/out/report.json"))
        let report = try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])
        #expect(report["drifted"] as? Bool == true)
        let html = try String(contentsOfFile: dir.path + "/out/report.html", encoding: .utf8)
        #expect(html.contains("<svg class=\"histogram\""))

        let runs = try await CommandRunner.run(quarry, ["runs", "list", "--home", home, "--experiment", "drift", "--json"])
        let list = try #require(try JSONSerialization.jsonObject(with: Data(runs.stdout.utf8)) as? [[String: Any]])
        let id = try #require(list.first?["id"] as? String)
        #expect(report["run_id"] as? String == id)
        let show = try await CommandRunner.run(quarry, ["runs", "show", id, "--home", home, "--json"])
        let details = try #require(try JSONSerialization.jsonObject(with: Data(show.stdout.utf8)) as? [String: Any])
        #expect((details["metrics"] as? [String: Double])?["dataset_drift"] == 1)
        #expect((details["metrics"] as? [String: Double])?["script/drifted"] == 1)
        #expect((details["params"] as? [String: String])?["current"] == arcd)

        let same = try await CommandRunner.run(quarry, ["drift", "check", "--reference", msmarco, "--current", msmarco, "--collection", "demo",
                                                  "--home", home, "--embedder", "none", "--output", dir.path + "/same", "--fail-on-drift", "--json"])
        #expect(same.status == 0, "\(same.stderr)")
        #expect((try JSONSerialization.jsonObject(with: Data(same.stdout.utf8)) as? [String: Any])?["drifted"] as? Bool == false)
    }

    @Test("drift errors: a bad side, a missing query log, sides of two kinds")
    func errors() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let home = try await demoHome(dir)
        let bad = try await CommandRunner.run(quarry, ["drift", "check", "--reference", "nonsense", "--current", arcd, "--home", home, "--embedder", "none"])
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("is not a side"))
        let noLog = try await CommandRunner.run(quarry, ["drift", "queries", "--collection", "demo", "--home", home, "--embedder", "none"])
        #expect(noLog.status == 1)
        #expect(noLog.stderr.contains("no query log yet"))
        let mixed = try await CommandRunner.run(quarry, ["drift", "check", "--reference", "collection:demo", "--current", arcd, "--home", home])
        #expect(mixed.status == 1)
        #expect(mixed.stderr.contains("compare queries with queries"))
        let none = try await CommandRunner.run(quarry, ["drift", "show", "--collection", "demo", "--home", home])
        #expect(none.status == 1)
        #expect(none.stderr.contains("no drift report stored"))
    }

    @Test("drift queries over the query log stores the latest verdicts, which drift show and GET /v1/collections/{name}/drift return")
    func queryLogAndRoute() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let home = try await demoHome(dir)
        let log = try DatabaseQueue(path: home + "/collections/demo/querylog.sqlite")
        let english = ["how do telescopes work", "what causes tides", "how to bake bread", "who invented the computer", "moon phases explained",
                       "what is a reflector", "how to knead dough", "first programmable computer", "why is the sky blue", "how far is the moon"]
        try await log.write { db in
            try db.execute(sql: """
                CREATE TABLE queries(id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, route TEXT NOT NULL, query TEXT NOT NULL,
                    mode TEXT NOT NULL, k INTEGER NOT NULL, latency_ms REAL NOT NULL, hits TEXT NOT NULL, answer_kind TEXT, request_id TEXT NOT NULL)
                """)
            let now = Date()
            for (i, query) in english.enumerated() {
                for (ago, text) in [(30.0 * 3600, query), (3600.0, query + " ?")] {
                    try db.execute(sql: "INSERT INTO queries(at, route, query, mode, k, latency_ms, hits, answer_kind, request_id) VALUES (?,?,?,?,?,?,?,?,?)",
                                   arguments: [Timestamp.format(now.addingTimeInterval(-ago - Double(i))), "search", text, "lexical", 5,
                                               12.0 + Double(i % 4), #"[{"chunk_id":1,"doc_id":"a","score":3.5}]"#, nil, "r\(i)"])
                }
            }
        }
        let check = try await CommandRunner.run(quarry, ["drift", "queries", "--collection", "demo", "--window", "24h", "--home", home, "--embedder", "none",
                                                   "--output", dir.path + "/out", "--fail-on-drift"])
        #expect(check.status == 0, "\(check.stdout)\n\(check.stderr)")
        #expect(check.stdout.contains("querylog:demo@24h (10 rows) vs reference querylog:demo@48h..24h (10 rows)"))
        #expect(check.stdout.contains("latency_ms"))
        #expect(FileManager.default.fileExists(atPath: home + "/collections/demo/drift/latest.html"))

        let show = try await CommandRunner.run(quarry, ["drift", "show", "--collection", "demo", "--home", home, "--json"])
        let shown = try #require(try JSONSerialization.jsonObject(with: Data(show.stdout.utf8)) as? [String: Any], "\(show.stderr)")
        #expect(shown["collection"] as? String == "demo")

        let (server, port) = try serve(["--home", home, "--open-reads", "--embedder", "none"])
        defer { if server.isRunning { server.terminate() } }
        let reply = try await HTTPTransport.shared.send(URLRequest(url: URL(string: "http://127.0.0.1:\(port)/v1/collections/demo/drift")!),
                                                        limit: 1 << 20, timeout: 10)
        #expect(reply.status == 200)
        let body = try #require(try JSONSerialization.jsonObject(with: reply.body) as? [String: Any])
        #expect(body["drifted"] as? Bool == false)
        #expect(body["run_id"] as? String == shown["run_id"] as? String)
        let features = try #require(body["features"] as? [[String: Any]])
        #expect(Set(features.compactMap { $0["feature"] as? String }).isSuperset(of: ["query_length", "script", "oov_rate", "latency_ms"]))
        let missing = try await HTTPTransport.shared.send(URLRequest(url: URL(string: "http://127.0.0.1:\(port)/v1/collections/nope/drift")!),
                                                          limit: 1 << 20, timeout: 10)
        #expect(missing.status == 404)
        kill(server.processIdentifier, SIGTERM)
        await CommandRunner.waitForExit(server)
    }

    /// Starts `quarry serve --port 0 …` and returns the process and the port it printed.
    func serve(_ arguments: [String]) throws -> (Process, Int) {
        try ServeProcess.start(quarry, arguments)
    }
}
