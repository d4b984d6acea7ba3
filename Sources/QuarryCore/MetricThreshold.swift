import Foundation

/// "metric >= threshold" (or `>`, `<=`, `<`): the one rule an eval suite's gates and a
/// registry promotion's requirements are written in and checked by, so `ndcg@10>=0.35`
/// means the same in `suite.yaml`, `quarry registry promote --require` and the HTTP API.
public struct MetricThreshold: Sendable, Equatable, CustomStringConvertible {
    public enum Comparison: String, Sendable, CaseIterable {
        case atLeast = ">=", atMost = "<=", above = ">", below = "<"
    }

    public var metric: String
    public var comparison: Comparison
    public var threshold: Double

    public init(metric: String, comparison: Comparison, threshold: Double) {
        self.metric = metric
        self.comparison = comparison
        self.threshold = threshold
    }

    /// Why a text is not a threshold.
    public enum ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        case noComparison, noMetric, badThreshold

        public var description: String {
            switch self {
            case .noComparison: "no comparison (use >=, >, <= or <)"
            case .noMetric: "no metric before the comparison"
            case .badThreshold: "the threshold is not a finite number"
            }
        }
    }

    /// Parses `METRIC OP NUMBER`; spaces around the parts are allowed. The metric name is
    /// not checked here: eval checks it against its metrics, tracking against its names.
    public init(parsing text: String) throws(ParseError) {
        // Two-character comparisons first, so ">=" is not read as ">" and "=…".
        guard let comparison = Comparison.allCases.first(where: { text.contains($0.rawValue) }),
              let range = text.range(of: comparison.rawValue) else { throw .noComparison }
        let metric = text[..<range.lowerBound].trimmingCharacters(in: .whitespaces)
        let number = text[range.upperBound...].trimmingCharacters(in: .whitespaces)
        guard !metric.isEmpty else { throw .noMetric }
        guard let threshold = Double(number), threshold.isFinite else { throw .badThreshold }
        self.init(metric: metric, comparison: comparison, threshold: threshold)
    }

    public func holds(_ value: Double) -> Bool {
        switch comparison {
        case .atLeast: value >= threshold
        case .above: value > threshold
        case .atMost: value <= threshold
        case .below: value < threshold
        }
    }

    public var description: String { "\(metric)\(comparison.rawValue)\(threshold)" }
}
