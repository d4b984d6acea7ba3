import Foundation
import Testing
@testable import QuarryEval

@Suite struct ReportRendererTests {
    static let hostileQuery = "<script>alert(1)</script>"
    static let hostileVariant = "dense \"v2\" & co"

    /// Deterministic report: `queries` queries, bm25 baseline vs a dense variant with a hostile name.
    static func sampleReport(queries: Int) -> EvalReport {
        var basePQ: [String: [String: Double]] = [:]
        var densePQ: [String: [String: Double]] = [:]
        for i in 0..<queries {
            let qid = i == 0 ? hostileQuery : "q\(i)"
            let base = Double(i % 7) / 10
            let delta = Double(i % 5 - 2) / 20   // -0.1 ... +0.1
            basePQ[qid] = ["ndcg@10": base, "recall@100": base + 0.2]
            densePQ[qid] = ["ndcg@10": base + delta, "recall@100": base + 0.2]
        }
        let bm25 = VariantResult(name: "bm25", description: "BM25 baseline",
                                 mean: ["ndcg@10": 0.3012, "recall@100": 0.7555],
                                 perQuery: basePQ, queriesPerSecond: 850.5)
        let dense = VariantResult(name: hostileVariant, description: "e5 & friends",
                                  mean: ["ndcg@10": 0.3412, "recall@100": 0.7001],
                                  perQuery: densePQ)
        return EvalReport(
            suite: "nightly <msmarco>", createdAt: "2025-01-01T00:00:00Z", dataset: "msmarco-dev",
            queries: queries, metrics: ["ndcg@10", "recall@100"], variants: [bm25, dense],
            comparisons: [ComparisonRow(baseline: "bm25", variant: hostileVariant, metric: "ndcg@10",
                                        meanDelta: 0.04, pValue: 0.0123, ciLower: 0.01, ciUpper: 0.07)],
            gates: [GateResult(expression: "dense: ndcg@10 >= 0.30", value: 0.3412, passed: true),
                    GateResult(expression: "bm25: recall@100 >= 0.80", value: 0.7555, passed: false)])
    }

    static func count(_ needle: String, in haystack: String) -> Int {
        haystack.components(separatedBy: needle).count - 1
    }

    @Test func markdownHasSummaryTableWithBoldBest() {
        let md = ReportRenderer.markdown(Self.sampleReport(queries: 7))
        #expect(md.contains("| Variant | Description | ndcg@10 | recall@100 | QPS |"))
        #expect(md.contains("| bm25 | BM25 baseline | 0.3012 | **0.7555** | 850.5 |"))
        #expect(md.contains("**0.3412**"))
        #expect(!md.contains("**0.3012**"))
        #expect(!md.contains("**0.7001**"))
        // Comparisons and gates.
        #expect(md.contains("| Baseline | Variant | Metric | Δ | p-value | 95 % CI |"))
        #expect(md.contains("+0.0400 | 0.0123 | [+0.0100, +0.0700]"))
        #expect(md.contains("✅ `dense: ndcg@10 >= 0.30`"))
        #expect(md.contains("❌ `bm25: recall@100 >= 0.80`"))
        #expect(md.contains("msmarco-dev"))
        #expect(md.contains("2025-01-01T00:00:00Z"))
    }

    @Test func htmlIsSelfContainedAndEscaped() {
        let html = ReportRenderer.html(Self.sampleReport(queries: 7))
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.contains("<svg"))
        #expect(!html.contains("http://"))
        #expect(!html.contains("https://"))
        #expect(!html.contains("<script"))
        #expect(!html.contains(Self.hostileQuery))
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(!html.contains(Self.hostileVariant))
        #expect(html.contains("dense &quot;v2&quot; &amp; co"))
        #expect(html.contains("nightly &lt;msmarco&gt;"))
        #expect(html.contains("e5 &amp; friends"))
        #expect(html.contains("<td class=\"num best\">0.3412</td>"))
        #expect(html.contains("✅") && html.contains("❌"))
    }

    @Test func htmlDrawsOneBarPerQueryForSmallInputs() throws {
        let html = ReportRenderer.html(Self.sampleReport(queries: 7))
        #expect(Self.count("<rect class=\"bar ", in: html) == 7)
        #expect(Self.count("<title>", in: html) == 8)  // page title + one tooltip per bar
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;: Δ"))
        #expect(html.contains("class=\"bar pos\""))
        #expect(html.contains("class=\"bar neg\""))
        #expect(!html.contains("bucketed"))
        // Sorted ascending by delta: first bar is a loss, last a gain.
        let first = try #require(html.range(of: "<rect class=\"bar "))
        #expect(html[first.upperBound...].hasPrefix("neg"))
        let last = try #require(html.range(of: "<rect class=\"bar ", options: .backwards))
        #expect(html[last.upperBound...].hasPrefix("pos"))
        // Width bounded below.
        #expect(html.contains("<svg width=\"300\""))
    }

    @Test func htmlBucketsLargeQuerySets() {
        let html = ReportRenderer.html(Self.sampleReport(queries: 10_000))
        let bars = Self.count("<rect class=\"bar ", in: html)
        #expect(bars > 0 && bars <= ReportRenderer.maxBars)
        #expect(bars == 5_000)
        #expect(html.contains("bucketed into 5000 bars"))
        #expect(html.contains("<svg width=\"1200\""))
        #expect(!html.contains(Self.hostileQuery))
    }

    @Test func numbersAreLocaleIndependent() {
        #expect(ReportRenderer.fixed(0.12345, 4) == "0.1235" || ReportRenderer.fixed(0.12345, 4) == "0.1234")
        #expect(ReportRenderer.fixed(-0.00001, 4) == "0.0000")
        #expect(ReportRenderer.fixed(1234567.5, 1) == "1234567.5")
        #expect(ReportRenderer.signed(0.05, 4) == "+0.0500")
        #expect(ReportRenderer.signed(-0.05, 4) == "-0.0500")
        #expect(ReportRenderer.fixed(.nan, 4) == "NaN")
        #expect(ReportRenderer.pValue(0.00001) == "< 0.0001")
    }

    @Test func writeProducesThreeFilesAndJSONRoundTrips() throws {
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("quarry-report-\(UUID().uuidString)")
            .appendingPathComponent("nested")
        defer { try? FileManager.default.removeItem(at: dir.deletingLastPathComponent()) }
        let report = Self.sampleReport(queries: 25)
        let urls = try ReportRenderer.write(report, to: dir)
        #expect(urls.map(\.lastPathComponent) == ["report.json", "report.md", "report.html"])
        for url in urls { #expect(FileManager.default.fileExists(atPath: url.path)) }
        let decoded = try JSONDecoder().decode(EvalReport.self, from: Data(contentsOf: urls[0]))
        #expect(decoded == report)
        #expect(try String(contentsOf: urls[1], encoding: .utf8) == ReportRenderer.markdown(report))
        #expect(try String(contentsOf: urls[2], encoding: .utf8) == ReportRenderer.html(report))
        // Overwrites in place and leaves no temporary files behind.
        _ = try ReportRenderer.write(report, to: dir)
        let listing = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        #expect(listing == ["report.html", "report.json", "report.md"])
    }
}
