import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import QuarryHTTP
import QuarryStore
import QuarryTesting
import Testing

@Suite struct ServeCLITests {
    let quarry = Fixtures.quarryExecutable()

    /// Starts `quarry serve --port 0 …` and returns the process and the port it printed.
    func serve(_ arguments: [String], environment: [String: String] = [:]) throws -> (Process, Int) {
        try ServeProcess.start(quarry, arguments, environment: environment)
    }

    func send(_ port: Int, _ path: String, json: String? = nil, timeout: Double = 30) async throws -> HTTPReply {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        if let json {
            request.httpMethod = "POST"
            request.httpBody = Data(json.utf8)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        return try await HTTPTransport.shared.send(request, limit: 1 << 20, timeout: timeout)
    }

    @Test("quarry serve answers, refuses to start without keys or open reads, and shuts down on SIGTERM after finishing requests in flight and writing their query-log lines")
    func serveAndShutdown() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let home = dir.path + "/h"
        let demo = Fixtures.packageRoot().appendingPathComponent("corpora/demo").path
        let ingest = try await CommandRunner.run(quarry, ["ingest", demo, "--home", home, "--collection", "demo", "--quiet", "--embedder", "none"])
        #expect(ingest.status == 0, "\(ingest.stderr)")

        let refused = try await CommandRunner.run(quarry, ["serve", "--home", home, "--port", "0", "--embedder", "none"],
                                            environment: ["QUARRY_API_KEYS": ""])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("no API keys"))
        // Open reads on an address others may reach: refused unless the operator says so.
        for host in ["0.0.0.0", "::", "192.168.1.20"] {
            let public_ = try await CommandRunner.run(quarry, ["serve", "--home", home, "--port", "0", "--embedder", "none", "--open-reads", "--host", host],
                                                      environment: ["QUARRY_API_KEYS": ""])
            #expect(public_.status != 0 && public_.stderr.contains("is not a loopback address"), "\(host): \(public_.stderr)")
        }
        for spec in ["", "@production", "rag@"] {
            let bad = try await CommandRunner.run(quarry, ["serve", "--home", home, "--port", "0", "--embedder", "none", "--pipeline", spec],
                                            environment: ["QUARRY_API_KEYS": ""])
            #expect(bad.status != 0)
            #expect(bad.stderr.contains("--pipeline must be NAME or NAME@ALIAS"), "\(bad.stderr)")
        }

        let slow = try await LocalHTTPServer { _ in .json(#"{"choices":[{"message":{"content":"Newton built it [1]."}}]}"#, delay: 1.0) }
        defer { slow.stop() }
        try dir.write("quarry.yaml", """
            embedding:
              provider: none
            llm:
              provider: openai
              url: \(slow.baseURL.absoluteString)
              model: slow
              stream: false
            server:
              query_log_flush_ms: 60000
            """)
        let (process, port) = try serve(["--home", home, "--open-reads", "--config", dir.path + "/quarry.yaml"])
        defer { if process.isRunning { process.terminate() } }
        #expect(try await send(port, "/healthz").status == 200)
        for query in ["telescope", "tides", "bread"] {
            #expect(try await send(port, "/v1/collections/demo/search", json: #"{"query": "\#(query)", "mode": "lexical"}"#).status == 200)
        }
        async let inFlight = send(port, "/v1/collections/demo/query", json: #"{"query": "Who built the first practical reflecting telescope?", "mode": "lexical"}"#)
        // SIGTERM once the request is in flight for sure (the LLM has it), however loaded the machine.
        let deadline = Date().addingTimeInterval(20)
        while slow.requests.isEmpty && Date() < deadline { try await Task.sleep(nanoseconds: 20_000_000) }
        kill(process.processIdentifier, SIGTERM)
        let answered = try await inFlight
        #expect(answered.status == 200, "the request in flight finishes during shutdown")
        #expect(String(decoding: answered.body, as: UTF8.self).contains("Newton built it [1]."))
        let stopBy = Date().addingTimeInterval(10)
        while process.isRunning && Date() < stopBy { try await Task.sleep(nanoseconds: 50_000_000) }
        #expect(!process.isRunning)
        #expect(process.terminationStatus == 0)
        // The log is written once a minute here, so every line comes from the flush at shutdown,
        // the in-flight query's included.
        let logged = try QueryLogFile.read(directory: URL(fileURLWithPath: home + "/collections/demo"), from: "0000", to: "9999")
        #expect(logged.map(\.query) == ["telescope", "tides", "bread", "Who built the first practical reflecting telescope?"])
    }
}
