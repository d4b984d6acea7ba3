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

    @Test("the hits column is valid JSON for any document id, keys sorted, scores as numbers (null when not finite), written in one batch")
    func hitsJSON() throws {
        let ids = ["plain.md", "quote\"and\\slash", "tab\tnew\nline\r", "bell\u{07}nul\u{00}esc\u{1B}", "ünï 文字 🚀", "\u{2028}sep"]
        let hits = ids.enumerated().map { QueryLogFile.Entry.Hit(docID: $1, chunkID: Int64($0) - 2, score: Float($0) / 3) }
            + [.init(docID: "nan", chunkID: 9, score: .nan), .init(docID: "inf", chunkID: 10, score: -.infinity)]
        let json = QueryLogFile.hitsJSON(hits)
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]], "\(json)")
        #expect(parsed.map { $0["doc_id"] as? String } == hits.map(\.docID))
        #expect(parsed.map { ($0["chunk_id"] as? NSNumber)?.int64Value } == hits.map(\.chunkID))
        #expect(parsed.prefix(ids.count).map { ($0["score"] as? NSNumber)?.doubleValue } == hits.prefix(ids.count).map { Double($0.score) })
        #expect(parsed.suffix(2).allSatisfy { $0["score"] is NSNull })
        #expect(json.hasPrefix(#"[{"chunk_id":-2,"doc_id":"plain.md","score":0.0}"#), "\(json)")
        #expect(QueryLogFile.hitsJSON([]) == "[]")

        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let writer = try QueryLogFile.Writer(directory: dir.url)
        let entry = QueryLogFile.Entry(route: "search", query: "q", mode: "dense", k: 8, latencyMilliseconds: 2, hits: hits, answerKind: nil, requestID: "r")
        try writer.append(contentsOf: [(entry, "2026-12-07T10:00:00.000Z"), (entry, "2026-12-07T10:00:01.000Z")])
        let read = try QueryLogFile.read(directory: dir.url, from: "2026", to: "2027")
        #expect(read.count == 2)
        #expect(read.first?.scores == hits.prefix(ids.count).map { Double($0.score) })
    }
}
