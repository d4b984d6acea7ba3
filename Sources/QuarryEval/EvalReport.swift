import Foundation
import Mustache
import QuarryCore
import QuarryWire
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The outcome of one evaluation suite: per-variant metrics, paired comparisons and quality gates.
public struct EvalReport: Sendable, Codable, Equatable {
    public var suite: String
    public var createdAt: String
    public var dataset: String
    public var queries: Int
    /// Metric names in display order, e.g. `["ndcg@10", "recall@100"]`.
    public var metrics: [String]
    public var variants: [VariantResult]
    public var comparisons: [ComparisonRow]
    public var gates: [GateResult]

    public init(suite: String, createdAt: String, dataset: String, queries: Int, metrics: [String],
                variants: [VariantResult], comparisons: [ComparisonRow] = [], gates: [GateResult] = []) {
        self.suite = suite
        self.createdAt = createdAt
        self.dataset = dataset
        self.queries = queries
        self.metrics = metrics
        self.variants = variants
        self.comparisons = comparisons
        self.gates = gates
    }
}

/// One retrieval configuration's scores.
public struct VariantResult: Sendable, Codable, Equatable {
    public var name: String
    public var description: String
    /// metric -> mean value
    public var mean: [String: Double]
    /// query id -> metric -> value
    public var perQuery: [String: [String: Double]]
    public var queriesPerSecond: Double?
    /// query id -> the answer its metrics score (suites with reference answers), so a bad
    /// score can be read: text, citations, grounding verdicts, fallback reason.
    public var answers: [String: AnswerRecord]?

    public init(name: String, description: String = "", mean: [String: Double],
                perQuery: [String: [String: Double]] = [:], queriesPerSecond: Double? = nil, answers: [String: AnswerRecord]? = nil) {
        self.name = name
        self.description = description
        self.mean = mean
        self.perQuery = perQuery
        self.queriesPerSecond = queriesPerSecond
        self.answers = answers
    }
}

/// One answer as an eval run saw it, kept beside its scores.
public struct AnswerRecord: Sendable, Codable, Equatable {
    public var question: String
    public var text: String
    /// generated, extractive or no_context.
    public var kind: String
    public var model: String?
    public var fallbackReason: String?
    /// Cited passages as "[n] doc-id".
    public var citations: [String]
    /// The reference answers it was scored against (empty for unanswerable questions).
    public var references: [String]
    public var grounding: GroundingReport?

    public init(_ answer: Answer, references: [String]) {
        question = answer.question
        text = answer.text
        kind = answer.kind.rawValue
        model = answer.model
        fallbackReason = answer.fallbackReason
        citations = answer.citations.map { "[\($0.number)] \($0.docID)" }
        self.references = references
        grounding = answer.grounding
    }
}

/// A paired significance test of `variant` against `baseline` on one metric.
public struct ComparisonRow: Sendable, Codable, Equatable {
    public var baseline: String
    public var variant: String
    public var metric: String
    public var meanDelta: Double
    public var pValue: Double
    public var ciLower: Double
    public var ciUpper: Double

    public init(baseline: String, variant: String, metric: String, meanDelta: Double,
                pValue: Double, ciLower: Double, ciUpper: Double) {
        self.baseline = baseline
        self.variant = variant
        self.metric = metric
        self.meanDelta = meanDelta
        self.pValue = pValue
        self.ciLower = ciLower
        self.ciUpper = ciUpper
    }
}

/// A threshold check such as `"dense: ndcg@10 >= 0.30"` and its outcome.
public struct GateResult: Sendable, Codable, Equatable {
    public var expression: String
    public var value: Double
    public var passed: Bool

    public init(expression: String, value: Double, passed: Bool) {
        self.expression = expression
        self.value = value
        self.passed = passed
    }
}

/// Renders an `EvalReport` as Markdown, as a self-contained HTML page, and writes both plus JSON.
///
/// All metrics are treated as higher-is-better when choosing the bold "best" value per column.
/// Numbers use a fixed, locale-independent format (`.` decimal separator, no grouping).
public enum ReportRenderer {
    /// Above this many queries a delta chart averages sorted queries into buckets.
    static let maxBars = 5_000

    // MARK: - Markdown

    public static func markdown(_ report: EvalReport) -> String {
        var out = "# Evaluation report: \(md(report.suite))\n\n"
        out += "- Dataset: \(md(report.dataset))\n"
        out += "- Queries: \(report.queries)\n"
        out += "- Created: \(md(report.createdAt))\n\n"

        out += "## Summary\n\n"
        if report.variants.isEmpty {
            out += "_No variants._\n\n"
        } else {
            let best = bestValues(report)
            let showQPS = report.variants.contains { $0.queriesPerSecond != nil }
            let showDescription = report.variants.contains { !$0.description.isEmpty }
            var header = ["Variant"]
            if showDescription { header.append("Description") }
            header += report.metrics.map(md)
            if showQPS { header.append("QPS") }
            out += "| " + header.joined(separator: " | ") + " |\n"
            out += "|" + header.indices.map { $0 == 0 || (showDescription && $0 == 1) ? " --- |" : " ---: |" }.joined() + "\n"
            for variant in report.variants {
                var cells = [md(variant.name)]
                if showDescription { cells.append(md(variant.description)) }
                for metric in report.metrics {
                    guard let value = variant.mean[metric] else { cells.append("–"); continue }
                    let text = fixed(value, 4)
                    cells.append(isBest(value, best[metric]) ? "**\(text)**" : text)
                }
                if showQPS { cells.append(variant.queriesPerSecond.map { fixed($0, 1) } ?? "–") }
                out += "| " + cells.joined(separator: " | ") + " |\n"
            }
            out += "\nBest value per metric in **bold** (higher is better).\n\n"
        }

        if !report.comparisons.isEmpty {
            out += "## Comparisons\n\n"
            out += "| Baseline | Variant | Metric | Δ | p-value | 95 % CI |\n"
            out += "| --- | --- | --- | ---: | ---: | --- |\n"
            for row in report.comparisons {
                let cells = [md(row.baseline), md(row.variant), md(row.metric), signed(row.meanDelta, 4),
                             pValue(row.pValue), "[\(signed(row.ciLower, 4)), \(signed(row.ciUpper, 4))]"]
                out += "| " + cells.joined(separator: " | ") + " |\n"
            }
            out += "\n"
        }

        if !report.gates.isEmpty {
            let passed = report.gates.filter(\.passed).count
            out += "## Gates\n\n"
            out += "\(passed)/\(report.gates.count) passed.\n\n"
            for gate in report.gates {
                out += "- \(gate.passed ? "✅" : "❌") `\(gate.expression.replacingOccurrences(of: "`", with: "'").replacingOccurrences(of: "\n", with: " "))` — value \(fixed(gate.value, 4))\n"
            }
            out += "\n"
        }
        return out
    }

    // MARK: - HTML

    /// The page template (`Resources/report.html.mustache`, compiled into the binary):
    /// Mustache escapes every value it is given; only the charts, built and escaped here,
    /// go in unescaped.
    static let htmlTemplate: MustacheTemplate = {
        do {
            return try MustacheTemplate(string: String(decoding: PackageResources.report_html_mustache, as: UTF8.self))
        } catch {
            preconditionFailure("Resources/report.html.mustache does not parse: \(error)")
        }
    }()

    public static func html(_ report: EvalReport) -> String {
        let best = bestValues(report)
        let showQPS = report.variants.contains { $0.queriesPerSecond != nil }
        let variants: [[String: Any]] = report.variants.map { variant in
            ["name": variant.name, "description": variant.description,
             "cells": report.metrics.map { metric -> [String: Any] in
                 guard let value = variant.mean[metric] else { return ["style": "num", "value": "–"] }
                 return ["style": isBest(value, best[metric]) ? "num best" : "num", "value": fixed(value, 4)]
             },
             "qps": variant.queriesPerSecond.map { fixed($0, 1) } ?? "–"]
        }
        let comparisons: [[String: Any]] = report.comparisons.map { row in
            ["baseline": row.baseline, "variant": row.variant, "metric": row.metric, "delta": signed(row.meanDelta, 4),
             "pValue": pValue(row.pValue), "lower": signed(row.ciLower, 4), "upper": signed(row.ciUpper, 4)]
        }
        let byName = Dictionary(report.variants.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let charts: [[String: Any]] = report.comparisons.map { row in
            ["figure": deltaChart(row, baseline: byName[row.baseline], variant: byName[row.variant])]
        }
        let answers: [[String: Any]] = report.variants.compactMap { variant in
            guard let records = variant.answers, !records.isEmpty else { return nil }
            let rows: [[String: Any]] = records.keys.sorted().map { id in
                let record = records[id]!
                let scores = variant.perQuery[id] ?? [:]
                let f1 = scores["answer_f1"].map { fixed($0, 3) } ?? "–"
                let verdicts = record.grounding.map { report in
                    report.sentences.map { "\($0.status.rawValue)\($0.shown ? "" : " (hidden)"): \($0.text)" }
                } ?? []
                return ["id": id, "question": record.question, "text": record.text, "kind": record.kind, "f1": f1,
                        "references": record.references.joined(separator: " | "), "citations": record.citations.joined(separator: ", "),
                        "fallback": record.fallbackReason ?? "", "hasFallback": record.fallbackReason != nil,
                        "verdicts": verdicts, "hasVerdicts": !verdicts.isEmpty, "draft": record.grounding?.draft ?? "",
                        "hasDraft": record.grounding?.draft != nil]
            }
            return ["name": variant.name, "rows": rows]
        }
        let gates: [[String: Any]] = report.gates.map { ["passed": $0.passed, "expression": $0.expression, "value": fixed($0.value, 4)] }
        let page: [String: Any] = [
            "title": "Evaluation report: \(report.suite)", "dataset": report.dataset, "queries": report.queries, "createdAt": report.createdAt,
            "hasVariants": !variants.isEmpty, "variants": variants, "metrics": report.metrics, "showQPS": showQPS,
            "hasComparisons": !comparisons.isEmpty, "comparisons": comparisons, "charts": charts,
            "hasGates": !gates.isEmpty, "gates": gates, "hasAnswers": !answers.isEmpty, "answerSets": answers, "gatesPassed": report.gates.filter(\.passed).count, "gateCount": report.gates.count,
        ]
        return htmlTemplate.render(page)
    }

    /// Paired per-query deltas (variant − baseline) for `metric`, sorted ascending by delta then query id.
    static func deltas(metric: String, baseline: VariantResult, variant: VariantResult) -> [(qid: String, delta: Double)] {
        var result: [(qid: String, delta: Double)] = []
        for (qid, values) in variant.perQuery {
            guard let v = values[metric], let b = baseline.perQuery[qid]?[metric], v.isFinite, b.isFinite else { continue }
            result.append((qid, v - b))
        }
        result.sort { $0.delta != $1.delta ? $0.delta < $1.delta : $0.qid < $1.qid }
        return result
    }

    static func deltaChart(_ row: ComparisonRow, baseline: VariantResult?, variant: VariantResult?) -> String {
        let heading = "\(row.variant) vs \(row.baseline) — \(row.metric)"
        guard let baseline, let variant else {
            return "<figure><figcaption>\(HTMLText.escape(heading)): variant results missing.</figcaption></figure>\n"
        }
        let points = deltas(metric: row.metric, baseline: baseline, variant: variant)
        guard !points.isEmpty else {
            return "<figure><figcaption>\(HTMLText.escape(heading)): no paired per-query values.</figcaption></figure>\n"
        }
        let n = points.count
        let minDelta = points.first!.delta
        let maxDelta = points.last!.delta
        let improved = points.filter { $0.delta > 0 }.count
        let worse = points.filter { $0.delta < 0 }.count

        // Bars: one per query, or averages of consecutive sorted queries above maxBars.
        let bucketSize = (n + maxBars - 1) / maxBars
        struct Bar { var label: String; var value: Double }
        var bars: [Bar] = []
        bars.reserveCapacity((n + bucketSize - 1) / bucketSize)
        if bucketSize == 1 {
            for p in points { bars.append(Bar(label: "\(p.qid): Δ \(signed(p.delta, 4))", value: p.delta)) }
        } else {
            var start = 0
            while start < n {
                let end = min(start + bucketSize, n)
                let slice = points[start..<end]
                let mean = slice.reduce(0) { $0 + $1.delta } / Double(slice.count)
                bars.append(Bar(label: "\(slice.first!.qid) … \(slice.last!.qid) (\(slice.count) queries): mean Δ \(signed(mean, 4))", value: mean))
                start = end
            }
        }

        var caption = "\(heading): mean Δ \(signed(row.meanDelta, 4)), p \(pValue(row.pValue)); "
        caption += "\(n) queries, \(improved) improved, \(worse) worse, \(n - improved - worse) tied; "
        caption += "min Δ \(signed(minDelta, 4)), max Δ \(signed(maxDelta, 4))."
        if bucketSize > 1 {
            caption += " \(n) queries bucketed into \(bars.count) bars of up to \(bucketSize) consecutive sorted queries (bar = mean Δ of its bucket)."
        }

        let width = Double(min(1200, max(300, 4 * n)))
        let height = 240.0
        let left = 70.0, right = 10.0, top = 12.0, bottom = 28.0
        let plotW = width - left - right
        let plotH = height - top - bottom
        var lo = min(0, minDelta), hi = max(0, maxDelta)
        if hi - lo <= 0 { lo = -1; hi = 1 }
        func y(_ v: Double) -> Double { top + (hi - v) / (hi - lo) * plotH }
        let y0 = y(0)
        let step = plotW / Double(bars.count)
        let gap = step >= 4 ? 1.0 : 0.0
        // Sub-pixel bars overlap slightly so anti-aliasing does not wash out dense charts.
        let barWidth = step < 1 ? step + 0.5 : step - gap

        var svg = "<svg width=\"\(fixed(width, 0))\" height=\"\(fixed(height, 0))\" viewBox=\"0 0 \(fixed(width, 0)) \(fixed(height, 0))\" role=\"img\" aria-label=\"\(HTMLText.escape(heading))\">\n"
        for (i, bar) in bars.enumerated() {
            let x = left + Double(i) * step
            let yv = y(bar.value)
            let cls = bar.value > 0 ? "pos" : (bar.value < 0 ? "neg" : "zero")
            svg += "<rect class=\"bar \(cls)\" x=\"\(fixed(x, 2))\" y=\"\(fixed(min(yv, y0), 2))\" width=\"\(fixed(barWidth, 2))\" height=\"\(fixed(abs(yv - y0), 2))\"><title>\(HTMLText.escape(bar.label))</title></rect>\n"
        }
        // Axes: zero line, frame ticks and labels.
        svg += "<line x1=\"\(fixed(left, 2))\" y1=\"\(fixed(y0, 2))\" x2=\"\(fixed(width - right, 2))\" y2=\"\(fixed(y0, 2))\" stroke=\"#1f2328\" stroke-width=\"1\"/>\n"
        svg += "<line x1=\"\(fixed(left, 2))\" y1=\"\(fixed(top, 2))\" x2=\"\(fixed(left, 2))\" y2=\"\(fixed(top + plotH, 2))\" stroke=\"#8c959f\" stroke-width=\"1\"/>\n"
        var labels: [(Double, String)] = [(y0, "0")]
        if hi != 0 { labels.append((y(hi), signed(hi, 4))) }
        if lo != 0 { labels.append((y(lo), signed(lo, 4))) }
        for (ly, text) in labels {
            svg += "<line x1=\"\(fixed(left - 4, 2))\" y1=\"\(fixed(ly, 2))\" x2=\"\(fixed(left, 2))\" y2=\"\(fixed(ly, 2))\" stroke=\"#8c959f\"/>"
            svg += "<text x=\"\(fixed(left - 6, 2))\" y=\"\(fixed(ly + 4, 2))\" text-anchor=\"end\">\(HTMLText.escape(text))</text>\n"
        }
        let axisText = bucketSize > 1 ? "\(n) queries sorted by Δ (\(bars.count) buckets)" : "\(n) queries sorted by Δ"
        svg += "<text x=\"\(fixed(left + plotW / 2, 2))\" y=\"\(fixed(height - 8, 2))\" text-anchor=\"middle\">\(HTMLText.escape(axisText))</text>\n"
        svg += "</svg>\n"
        return "<figure>\n<figcaption>\(HTMLText.escape(caption))</figcaption>\n\(svg)</figure>\n"
    }

    // MARK: - Writing

    /// Writes `report.json`, `report.md` and `report.html` into `directory` (created if needed),
    /// each atomically via a temporary file and rename in the same directory.
    @discardableResult
    public static func write(_ report: EvalReport, to directory: URL) throws -> [URL] {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let outputs: [(String, Data)] = [
            ("report.json", try encoder.encode(report)),
            ("report.md", Data(markdown(report).utf8)),
            ("report.html", Data(html(report).utf8)),
        ]
        var urls: [URL] = []
        for (name, data) in outputs {
            let target = directory.appendingPathComponent(name)
            let temp = directory.appendingPathComponent(".\(name).\(UUID().uuidString).tmp")
            try data.write(to: temp, options: .withoutOverwriting)
            if rename(temp.path, target.path) != 0 {
                let code = errno
                try? FileManager.default.removeItem(at: temp)
                throw EvalError(file: target.path, "rename failed: \(String(cString: strerror(code)))")
            }
            urls.append(target)
        }
        return urls
    }

    // MARK: - Formatting helpers

    /// Highest finite mean per metric across variants.
    static func bestValues(_ report: EvalReport) -> [String: Double] {
        var best: [String: Double] = [:]
        for metric in report.metrics {
            let values = report.variants.compactMap { $0.mean[metric] }.filter(\.isFinite)
            if let top = values.max() { best[metric] = top }
        }
        return best
    }

    /// Compares at display precision so ties that print identically are all bold.
    static func isBest(_ value: Double, _ best: Double?) -> Bool {
        guard let best, value.isFinite else { return false }
        return fixed(value, 4) == fixed(best, 4)
    }

    /// Fixed-point, locale-independent (C format, `.` separator, no grouping); no negative zero.
    static func fixed(_ x: Double, _ digits: Int) -> String {
        guard x.isFinite else { return x.isNaN ? "NaN" : (x > 0 ? "inf" : "-inf") }
        var s = FixedPoint.format(x, digits: max(0, digits))
        if s.hasPrefix("-"), s.dropFirst().allSatisfy({ $0 == "0" || $0 == "." }) { s.removeFirst() }
        return s
    }

    static func signed(_ x: Double, _ digits: Int) -> String {
        let s = fixed(x, digits)
        return s.hasPrefix("-") || s == "NaN" || !s.contains(where: { $0 != "0" && $0 != "." }) ? s : "+" + s
    }

    static func pValue(_ p: Double) -> String {
        p.isFinite && p < 0.0001 ? "< 0.0001" : fixed(p, 4)
    }

    /// Markdown table-cell escaping: pipes, emphasis/code markers, raw HTML and newlines.
    static func md(_ s: String) -> String {
        var out = ""
        for ch in s {
            switch ch {
            case "\\", "|", "*", "_", "`", "[", "]": out += "\\\(ch)"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "&": out += "&amp;"
            case "\n", "\r", "\r\n": out += " "
            default: out.append(ch)
            }
        }
        return out
    }
}
