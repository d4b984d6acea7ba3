import Foundation
import QuarryCore
import QuarryDrift
import QuarryRetrieve
import QuarryTesting
import QuarryTrack
import Testing

@Suite struct DriftMonitorTests {
    func verdict(_ report: DriftReport, _ feature: String) -> FeatureDriftVerdict? {
        report.verdicts.first { $0.feature == feature }
    }

    @Test("English queries against Arabic ones: script, OOV rate, embeddings and the dataset drift")
    func languageShift() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let home = try await MonitorFixture.collection(dir, texts: MonitorFixture.passages)
        let english = try MonitorFixture.queriesFile(dir, "en.jsonl", MonitorFixture.english)
        let arabic = try MonitorFixture.queriesFile(dir, "ar.jsonl", MonitorFixture.arabic)
        let monitor = DriftMonitor(home: home, embedder: MonitorFixture.embedder)
        let report = try await monitor.check(reference: .queryFile(english), current: .queryFile(arabic), collection: "docs")
        #expect(report.kind == .queries)
        #expect(report.drifted)
        for feature in ["script", "oov_rate", "query_embedding", "no_good_result", "best_lexical_score"] {
            #expect(verdict(report, feature)?.drifted == true, "\(feature)")
        }
        #expect(verdict(report, "script")?.method == .chiSquared)
        #expect(verdict(report, "query_embedding")?.method == .maximumMeanDiscrepancy)
        #expect(report.features.first { $0.verdict.feature == "script" }?.histogram.labels.sorted() == ["Arab", "Latn"])
        #expect(report.skipped.map(\.feature) == ["latency_ms"], "files have no latency")
        #expect(report.reference.rows == 20 && report.current.rows == 20)
    }

    @Test("two halves of one set of English queries do not drift")
    func sameDistribution() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let home = try await MonitorFixture.collection(dir, texts: MonitorFixture.passages)
        let first = try MonitorFixture.queriesFile(dir, "a.jsonl", Array(MonitorFixture.english.prefix(10)))
        let second = try MonitorFixture.queriesFile(dir, "b.jsonl", Array(MonitorFixture.english.suffix(10)))
        let report = try await DriftMonitor(home: home, embedder: MonitorFixture.embedder)
            .check(reference: .queryFile(first), current: .queryFile(second), collection: "docs")
        #expect(!report.drifted)
        #expect(verdict(report, "script")?.drifted == false)
        #expect(verdict(report, "oov_rate")?.drifted == false)
    }

    @Test("without a collection only text features are judged, and the report says why the rest were not")
    func noCollection() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let english = try MonitorFixture.queriesFile(dir, "en.jsonl", MonitorFixture.english)
        let arabic = try MonitorFixture.queriesFile(dir, "ar.jsonl", MonitorFixture.arabic)
        let report = try await DriftMonitor(home: QuarryHome(url: dir.url.appendingPathComponent("h")), embedder: nil)
            .check(reference: .queryFile(english), current: .queryFile(arabic))
        #expect(Set(report.verdicts.map(\.feature)) == ["query_length", "script"])
        #expect(Set(report.skipped.map(\.feature)) == ["oov_rate", "best_lexical_score", "best_dense_score", "no_good_result", "latency_ms", "query_embedding"])
        #expect(report.notes.contains { $0.contains("no collection given") })
    }

    @Test("a query-log window against the window before: latency and logged scores are judged")
    func queryLogWindows() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let home = try await MonitorFixture.collection(dir, texts: MonitorFixture.passages)
        let now = Date()
        var rows: [(query: String, ago: TimeInterval, mode: String, score: Double?, latency: Double)] = []
        for (i, query) in MonitorFixture.english.enumerated() {
            rows.append((query, 30 * 3600 + Double(i), "lexical", 4, 10 + Double(i % 3)))
            rows.append((query, 3600 + Double(i), "lexical", 4, 200 + Double(i % 3)))
        }
        try MonitorFixture.queryLog(home, rows, now: now)
        let window = QueryLogWindow.last(86400)
        let report = try await DriftMonitor(home: home, embedder: MonitorFixture.embedder)
            .check(reference: .queryLog(collection: "docs", window: window.preceding), current: .queryLog(collection: "docs", window: window), now: now)
        #expect(report.collection == "docs")
        #expect(verdict(report, "latency_ms")?.drifted == true)
        #expect(verdict(report, "best_lexical_score")?.drifted == false)
        #expect(verdict(report, "query_embedding")?.drifted == false)
        #expect(!report.drifted)
        #expect(report.current.windowStart != nil && report.current.rows == 20)

        do {
            _ = try await DriftMonitor(home: home, embedder: nil)
                .check(reference: .queryLog(collection: "docs", window: QueryLogWindow(start: .ago(900_000), end: .ago(800_000))),
                       current: .queryLog(collection: "docs", window: window), now: now)
            Issue.record("an empty window must be refused")
        } catch let error as DriftError {
            #expect(error.code == .sourceUnavailable)
            #expect(error.message.contains("holds 0 queries"))
        }
    }

    @Test("a side over the row cap is sampled, and the report says so")
    func rowCap() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let english = try MonitorFixture.queriesFile(dir, "en.jsonl", MonitorFixture.english)
        var monitor = DriftMonitor(home: QuarryHome(url: dir.url.appendingPathComponent("h")), embedder: MonitorFixture.embedder)
        monitor.configuration.maxRows = 8
        let report = try await monitor.check(reference: .queryFile(english), current: .queryFile(english))
        #expect(report.reference.rows == 8 && report.reference.totalRows == 20)
        #expect(report.notes.contains { $0.contains("8 of 20 queries sampled") })
    }

    @Test("corpus drift between two collections: vocabulary, script and chunk embeddings")
    func corpus() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let home = try await MonitorFixture.collection(dir, "en", texts: MonitorFixture.passages + MonitorFixture.english)
        try await MonitorFixture.collection(dir, "ar", texts: MonitorFixture.arabic)
        let monitor = DriftMonitor(home: home, embedder: nil)
        let report = try await monitor.check(reference: .collection("en"), current: .collection("ar"))
        #expect(report.kind == .corpus)
        #expect(report.drifted)
        #expect(verdict(report, "vocabulary")?.method == .jensenShannon || verdict(report, "vocabulary")?.method == .chiSquared)
        for feature in ["vocabulary", "script", "chunk_embedding"] { #expect(verdict(report, feature)?.drifted == true, "\(feature)") }
        let same = try await monitor.check(reference: .collection("en"), current: .collection("en"))
        #expect(!same.drifted)
        #expect(same.notes.contains { $0.contains("only sampling differs") })
        do {
            _ = try await monitor.check(reference: .collection("en"), current: .queryFile("x.jsonl"))
            Issue.record("mixed kinds must be refused")
        } catch let error as DriftError {
            #expect(error.code == .sourceUnavailable)
        }
    }

    @Test("a registry version whose generation is no longer on disk is refused, naming both generations")
    func movedVersion() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let home = try await MonitorFixture.collection(dir, "en", texts: MonitorFixture.passages)
        let registry = Registry(store: try SQLiteTrackingStore(home: home))
        let snapshot = try CollectionSnapshot.capture(home: home, collection: "en")
        _ = try registry.register(PipelineVersion(pipeline: "qa", collection: "en", generation: snapshot.generation, manifestChecksum: snapshot.manifestChecksum,
                                                  embedder: snapshot.embedder, reranker: nil, prompt: "p", retrieval: [:], sourceRun: nil, metrics: [:],
                                                  corpusFingerprint: snapshot.corpusFingerprint, description: ""))
        let monitor = DriftMonitor(home: home, embedder: nil)
        let pinned = try await monitor.check(reference: .registryVersion(pipeline: "qa", reference: "1"), current: .collection("en"))
        #expect(pinned.notes.contains { $0.contains("generation 1") })
        try await MonitorFixture.collection(dir, "en", texts: MonitorFixture.passages + ["A new passage about comets and their tails."])
        do {
            _ = try await monitor.check(reference: .registryVersion(pipeline: "qa", reference: "1"), current: .collection("en"))
            Issue.record("a moved generation must be refused")
        } catch let error as DriftError {
            #expect(error.code == .sourceUnavailable)
            #expect(error.message.contains("generation 1") && error.message.contains("now at generation 2"))
        }
    }
}
