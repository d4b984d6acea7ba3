import Foundation
import QuarryCore
import QuarryDrift
import QuarryTesting
import Testing

@Suite struct QueryLogReaderTests {
    @Test("a window returns the queries logged in it, with latency, mode and the top logged score")
    func window() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let home = try await MonitorFixture.collection(dir, texts: MonitorFixture.passages)
        let now = Date()
        try MonitorFixture.queryLog(home, [("old", 30 * 3600, "lexical", 3.5, 10), ("recent one", 3600, "dense", 0.75, 20),
                                           ("recent none", 60, "lexical", nil, 5)], now: now)
        let recent = try QueryLogReader.read(home: home, collection: "docs", span: QueryLogWindow.last(86400).resolve(now: now))
        #expect(recent == [ObservedQuery(text: "recent one", latencyMilliseconds: 20, mode: "dense", topScore: 0.75, hitCount: 1),
                           ObservedQuery(text: "recent none", latencyMilliseconds: 5, mode: "lexical", topScore: nil, hitCount: 0)])
        let earlier = try QueryLogReader.read(home: home, collection: "docs", span: QueryLogWindow(start: .ago(172_800), end: .ago(86400)).resolve(now: now))
        #expect(earlier.map(\.text) == ["old"])
    }

    @Test("a collection without a query log is a clear error")
    func missing() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let home = try await MonitorFixture.collection(dir, texts: MonitorFixture.passages)
        do {
            _ = try QueryLogReader.read(home: home, collection: "docs", span: QueryLogWindow.last(3600).resolve(now: Date()))
            Issue.record("expected an error")
        } catch let error as DriftError {
            #expect(error.code == .sourceNotFound)
            #expect(error.message.contains("no query log yet"))
        }
    }
}
