import Foundation
import GRDB
import QuarryCore
import QuarryStore
import QuarryTesting
import Testing

@Suite struct QueryLogFileTests {
    @Test("the query log reads back what the writer appended, by time window, and refuses a newer format")
    func roundTripAndVersion() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let writer = try QueryLogFile.Writer(directory: dir.url)
        try writer.append(.init(route: "search", query: "tides", mode: "hybrid", k: 5, latencyMilliseconds: 3.5,
                                hits: [.init(docID: "a", chunkID: 7, score: 0.75), .init(docID: "b", chunkID: 8, score: 0.5)],
                                answerKind: nil, requestID: "r1"))
        try writer.append(.init(route: "query", query: "moon", mode: "lexical", k: 3, latencyMilliseconds: 9, hits: [],
                                answerKind: "extractive", requestID: "r2"))
        #expect(try writer.count() == 2)
        let all = try QueryLogFile.read(directory: dir.url, from: "0000", to: "9999")
        #expect(all == [.init(query: "tides", mode: "hybrid", latencyMilliseconds: 3.5, scores: [0.75, 0.5]),
                        .init(query: "moon", mode: "lexical", latencyMilliseconds: 9, scores: [])])
        #expect(try QueryLogFile.read(directory: dir.url, from: "9998", to: "9999").isEmpty)

        let raw = try DatabaseQueue(path: dir.url.appendingPathComponent(QueryLogFile.fileName).path)
        try raw.write { try $0.execute(sql: "PRAGMA user_version = \(QueryLogFile.formatVersion + 1)") }
        let newer = #expect(throws: StoreError.self) { try QueryLogFile.read(directory: dir.url, from: "0000", to: "9999") }
        #expect(newer?.code == .unsupportedFormat)
        #expect(throws: StoreError.self) { try QueryLogFile.Writer(directory: dir.url) }
        let missing = #expect(throws: StoreError.self) { try QueryLogFile.read(directory: dir.url.appendingPathComponent("none"), from: "0", to: "9") }
        #expect(missing?.code == .notFound)
    }
}
