import QuarryCore
import Testing

@Suite struct MetricThresholdTests {
    @Test("thresholds parse with or without spaces and hold by their comparison", arguments: [
        ("ndcg@10>=0.35", MetricThreshold.Comparison.atLeast, 0.35, [0.35: true, 0.3499: false]),
        ("recall@100 > 0.5", .above, 0.5, [0.5: false, 0.51: true]),
        ("latency_ms <= 20", .atMost, 20, [20: true, 20.5: false]),
        ("mrr@10<1", .below, 1, [0.99: true, 1: false]),
    ])
    func parse(text: String, comparison: MetricThreshold.Comparison, threshold: Double, cases: [Double: Bool]) throws {
        let parsed = try MetricThreshold(parsing: text)
        #expect(parsed.comparison == comparison && parsed.threshold == threshold)
        #expect(!parsed.metric.contains(" "))
        for (value, holds) in cases { #expect(parsed.holds(value) == holds, "\(text) at \(value)") }
    }

    @Test("malformed thresholds say what is wrong", arguments: [
        ("ndcg@10 ~ 3", MetricThreshold.ParseError.noComparison), (">= 0.3", .noMetric),
        ("ndcg@10 >= high", .badThreshold), ("ndcg@10 >= inf", .badThreshold),
    ])
    func malformed(text: String, error: MetricThreshold.ParseError) {
        #expect(throws: error) { try MetricThreshold(parsing: text) }
    }
}
