import Foundation
import QuarryCore
import QuarryDrift
import QuarryTesting
import QuarryTrack
import Testing

/// A report with one feature of each kind, built without a collection.
func sampleReport() throws -> DriftReport {
    var reference = FeatureTable(rowCount: 40), current = FeatureTable(rowCount: 40)
    reference.add("query_length", "words per query", .numeric((0 ..< 40).map { Double($0 % 7) }))
    current.add("query_length", "words per query", .numeric((0 ..< 40).map { Double($0 % 7 + 4) }))
    reference.add("script", "dominant script", .categorical((0 ..< 40).map { $0 % 10 == 0 ? "Arab" : "Latn" }))
    current.add("script", "dominant script", .categorical((0 ..< 40).map { $0 % 2 == 0 ? "Arab" : "<Zzzz & \"x\">" }))
    reference.add("query_embedding", "vectors", .embedding((0 ..< 40).map { [Float($0 % 5), 1, 0] }))
    current.add("query_embedding", "vectors", .embedding((0 ..< 40).map { [Float($0 % 5), 1, 0.1] }))
    reference.markUnavailable("latency_ms", "only query logs record latency")
    let outcome = try FeatureComparison().compare(reference: reference, current: current)
    return DriftReport(kind: .queries, checkedAt: "2026-11-29T18:00:00.000Z", collection: "docs",
                       reference: DriftSideSummary(source: "ref <a>.jsonl", rows: 40, totalRows: 40),
                       current: DriftSideSummary(source: "querylog:docs@24h", rows: 40, totalRows: 90, windowStart: "2026-11-28T18:00:00.000Z",
                                                 windowEnd: "2026-11-29T18:00:00.000Z"),
                       verdict: outcome.verdict, features: outcome.features, skipped: outcome.skipped, notes: ["a note"], settings: ["seed": "42"],
                       runID: "run-1")
}

@Suite struct DriftReportTests {
    @Test("report.json round-trips with snake_case keys")
    func json() throws {
        let report = try sampleReport()
        let data = try report.encoded()
        let text = String(decoding: data, as: UTF8.self)
        for key in ["\"format_version\"", "\"checked_at\"", "\"drifted_share\"", "\"p_value\"", "\"reference_count\"", "\"run_id\"", "\"upper_edge\""] {
            #expect(text.contains(key), "\(key)")
        }
        #expect(try DriftReport.decode(data) == report)
        var newer = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        newer["format_version"] = 99
        #expect(throws: DriftError.self) { try DriftReport.decode(try JSONSerialization.data(withJSONObject: newer)) }
    }

    @Test("the HTML page has an SVG histogram per feature, the verdicts, escaped text, and nothing to fetch")
    func html() throws {
        let report = try sampleReport()
        let page = report.html()
        #expect(page.components(separatedBy: "<svg class=\"histogram\"").count - 1 == report.features.count)
        #expect(page.contains("id=\"dataset-verdict\""))
        #expect(page.contains("&lt;Zzzz &amp; &quot;x&quot;&gt;"))
        #expect(!page.contains("<Zzzz"))
        #expect(page.contains("ref &lt;a&gt;.jsonl"))
        #expect(page.contains("Kolmogorov–Smirnov") && page.contains("MMD permutation test") && page.contains("χ² test"))
        #expect(page.contains("only query logs record latency"))
        for forbidden in ["<script", "<link", "<img", "http://", "https://", "@import", "url("] {
            #expect(!page.contains(forbidden), "\(forbidden)")
        }
        #expect(page.contains("Content-Security-Policy"))
    }

    @Test("histograms: shares sum to one per side; categories keep the most frequent")
    func histograms() throws {
        let report = try sampleReport()
        for feature in report.features {
            #expect(abs(feature.histogram.reference.reduce(0, +) - 1) < 1e-9, "\(feature.verdict.feature)")
            #expect(abs(feature.histogram.current.reduce(0, +) - 1) < 1e-9, "\(feature.verdict.feature)")
            #expect(feature.histogram.labels.count == feature.histogram.reference.count)
        }
        let length = try #require(report.features.first { $0.verdict.feature == "query_length" })
        #expect(length.histogram.labels == (0 ... 10).map(String.init), "a bin per whole number")
        #expect(length.histogram.upperEdge == "11")
        let spread = FeatureHistogram.numeric(axis: "x", reference: (0 ..< 100).map { Double($0) / 7 }, current: [1, 2, 3])
        #expect(spread.labels.count == FeatureHistogram.binCount)
    }

    @Test("the store keeps the latest report per collection; the verdicts drop the histograms")
    func store() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let home = try await MonitorFixture.collection(dir, texts: MonitorFixture.passages)
        let store = DriftReportStore(home: home)
        #expect(try store.latest("docs") == nil)
        let report = try sampleReport()
        try store.save(report, json: try report.encoded(), html: report.html(), collection: "docs")
        #expect(try store.latest("docs") == report)
        let verdicts = try JSONSerialization.jsonObject(with: try DriftVerdicts(report, collection: "docs").encoded()) as! [String: Any]
        #expect(verdicts["drifted"] as? Bool == report.drifted)
        #expect((verdicts["features"] as? [[String: Any]])?.count == report.features.count)
        #expect(verdicts["run_id"] as? String == "run-1")
        #expect(!String(decoding: try DriftVerdicts(report, collection: "docs").encoded(), as: UTF8.self).contains("histogram"))
    }

    @Test("a check records params, per-feature metrics, the dataset verdict and both reports in a tracking run")
    func tracking() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try SQLiteTrackingStore(home: QuarryHome(url: dir.url))
        let recorder = RunRecorder(store: store, experiment: "drift", name: "queries-docs", configHash: nil)
        let report = try sampleReport()
        let json = try report.encoded()
        report.record(into: recorder, json: json, html: report.html())
        recorder.finish(.finished)
        #expect(recorder.warnings.isEmpty, "\(recorder.warnings)")
        let run = try store.run(try #require(recorder.runID))
        #expect(run.params["reference"] == "ref <a>.jsonl" && run.params["current"] == "querylog:docs@24h")
        #expect(run.params["query_length/method"] == "kolmogorovSmirnov")
        #expect(run.metrics["dataset_drift"] == (report.drifted ? 1 : 0))
        #expect(run.metrics["script/drifted"] == 1)
        #expect(run.metrics["query_length/p_value"] != nil)
        #expect(Set(run.artifacts.map(\.name)) == ["report.json", "report.html"])
        #expect(try store.artifact(run.run.id, name: "report.json") == [UInt8](json))
    }
}
