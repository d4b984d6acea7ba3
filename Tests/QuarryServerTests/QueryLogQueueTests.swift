import Foundation
import GRDB
import QuarryCore
@testable import QuarryServer
import QuarryStore
import QuarryTesting
import Testing

/// The query log written off the request path: when lines reach the disk, what shutdown
/// writes, and what a full queue or a failed write does.
@Suite struct QueryLogQueueTests {
    static func logged(_ harness: Harness) throws -> [String] {
        try QueryLogFile.read(directory: harness.dir.url.appendingPathComponent("home/collections/demo"), from: "0000", to: "9999").map(\.query)
    }

    @Test("answers do not wait for the log: lines queue until the interval, show in /metrics, and the server's stop writes them")
    func queuedUntilStop() async throws {
        let harness = try await Harness.start { $0.server.queryLogFlushMilliseconds = 60_000 }
        defer { harness.dir.remove() }
        for query in ["telescope", "tides", "bread"] {
            #expect(try await harness.send("POST", "/v1/collections/demo/search", json: #"{"query": "\#(query)"}"#).status == 200)
        }
        #expect(try Self.logged(harness).isEmpty, "nothing is written on the request path")
        let metrics = String(decoding: try await harness.send("GET", "/metrics").body, as: UTF8.self)
        #expect(metrics.contains("quarry_query_log_queued_lines 3"), "\(metrics)")
        await harness.server.stop()
        #expect(try Self.logged(harness) == ["telescope", "tides", "bread"])
    }

    @Test("the default interval writes lines while the server runs; an interval of 0 writes each before its answer")
    func intervals() async throws {
        let running = try await Harness.start()
        defer { Task { await running.stop() } }
        _ = try await running.send("POST", "/v1/collections/demo/search", json: #"{"query": "tides"}"#)
        let deadline = Date().addingTimeInterval(20)
        while try Self.logged(running).isEmpty && Date() < deadline { try await Task.sleep(nanoseconds: 20_000_000) }
        #expect(try Self.logged(running) == ["tides"])
        let metrics = String(decoding: try await running.send("GET", "/metrics").body, as: UTF8.self)
        #expect(metrics.contains("quarry_query_log_lines_total{result=\"written\"} 1"), "\(metrics)")

        let strict = try await Harness.start { $0.server.queryLogFlushMilliseconds = 0 }
        defer { Task { await strict.stop() } }
        _ = try await strict.send("POST", "/v1/collections/demo/query", json: #"{"query": "bread"}"#)
        #expect(try Self.logged(strict) == ["bread"])
    }

    @Test("a full queue drops new lines and says so once per run of drops; a failed write counts its lines and reports them")
    func fullAndFailed() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let writer = try QueryLogFile.Writer(directory: dir.url)
        let reports = Reports()
        let queue = QueryLogQueue(flushMilliseconds: 60_000, capacity: 2) { reports.add($0) }
        func entry(_ query: String) -> QueryLogFile.Entry {
            .init(route: "search", query: query, mode: "lexical", k: 5, latencyMilliseconds: 1, hits: [], answerKind: nil, requestID: query)
        }
        for query in ["a", "b", "c", "d"] { queue.enqueue(entry(query), to: writer) }
        #expect(queue.queued == 2)
        #expect(queue.counts == .init(written: 0, dropped: 2, failed: 0))
        #expect(reports.all.count == 1 && reports.all[0].contains("queue full"), "\(reports.all)")
        queue.flush()
        #expect(queue.counts == .init(written: 2, dropped: 2, failed: 0))
        #expect(try QueryLogFile.read(directory: dir.url, from: "0000", to: "9999").map(\.query) == ["a", "b"])
        // A second run of drops, after the queue drained, is reported again.
        for query in ["f", "g", "h"] { queue.enqueue(entry(query), to: writer) }
        #expect(reports.all.filter { $0.contains("queue full") }.count == 2, "\(reports.all)")
        queue.flush()
        #expect(queue.counts == .init(written: 4, dropped: 3, failed: 0))

        let raw = try DatabaseQueue(path: dir.url.appendingPathComponent(QueryLogFile.fileName).path)
        try raw.write { try $0.execute(sql: "DROP TABLE queries") }
        queue.enqueue(entry("e"), to: writer)
        queue.flush()
        #expect(queue.counts == .init(written: 4, dropped: 3, failed: 1))
        #expect(reports.all.last?.contains("query log write failed (1 line lost)") == true, "\(reports.all)")
    }
}

/// Messages a queue reported, collected across threads.
final class Reports: @unchecked Sendable {
    private let lock = NSLock()
    private var messages: [String] = []
    func add(_ message: String) { lock.withLock { messages.append(message) } }
    var all: [String] { lock.withLock { messages } }
}
