import Foundation
import QuarryDrift
import Testing

@Suite struct DriftSourceTests {
    @Test("sides parse from their spellings and print back the same way")
    func parsing() throws {
        #expect(try DriftSource.parse("suite/queries.jsonl") == .queryFile("suite/queries.jsonl"))
        #expect(try DriftSource.parse("file:q.txt") == .queryFile("q.txt"))
        #expect(try DriftSource.parse("querylog:docs") == .queryLog(collection: "docs", window: .last(86400)))
        #expect(try DriftSource.parse("querylog:docs@90m") == .queryLog(collection: "docs", window: .last(5400)))
        #expect(try DriftSource.parse("querylog:docs@48h..24h") == .queryLog(collection: "docs", window: QueryLogWindow(start: .ago(172_800), end: .ago(86400))))
        #expect(try DriftSource.parse("collection:docs") == .collection("docs"))
        #expect(try DriftSource.parse("version:qa@production") == .registryVersion(pipeline: "qa", reference: "production"))
        for text in ["querylog:docs@48h..24h", "querylog:docs@7d", "collection:docs", "version:qa@3"] {
            #expect(try DriftSource.parse(text).description == text)
        }
        #expect(try DriftSource.parse("querylog:docs@7d").kind == .queries)
        #expect(try DriftSource.parse("version:qa@3").kind == .corpus)
    }

    @Test("bad sides and windows are refused with the accepted forms", arguments: [
        "nothing-here", "querylog:Bad Name@24h", "querylog:docs@24x", "querylog:docs@24h..48h", "version:qa", "collection:",
        "querylog:docs@2026-11-02T00:00:00Z..2026-11-01T00:00:00Z",
    ])
    func refused(_ text: String) {
        #expect(throws: DriftError.self) { try DriftSource.parse(text) }
        do { _ = try DriftSource.parse(text) } catch let error as DriftError {
            #expect(error.code == .invalidSource)
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test("windows resolve against now; the preceding window has the same length and ends where this one starts")
    func windows() throws {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let day = try QueryLogWindow.parse("24h")
        #expect(day.resolve(now: now) == now.addingTimeInterval(-86400) ..< now)
        #expect(day.preceding == QueryLogWindow(start: .ago(172_800), end: .ago(86400)))
        #expect(try QueryLogWindow.parse("48h..24h").preceding == QueryLogWindow(start: .ago(259_200), end: .ago(172_800)))
        let absolute = try QueryLogWindow.parse("2026-11-01T00:00:00Z..2026-11-02T00:00:00.000Z")
        let span = absolute.resolve(now: now)
        #expect(span.upperBound.timeIntervalSince(span.lowerBound) == 86400)
        let before = absolute.preceding.resolve(now: now)
        #expect(before.upperBound == span.lowerBound)
        #expect(try QueryLogWindow.parse("2026-11-01T00:00:00Z..now").resolve(now: now).upperBound == now)
    }
}
