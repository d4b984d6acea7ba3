import Foundation
import QuarryCore
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

    public init(name: String, description: String = "", mean: [String: Double],
                perQuery: [String: [String: Double]] = [:], queriesPerSecond: Double? = nil) {
        self.name = name
        self.description = description
        self.mean = mean
        self.perQuery = perQuery
        self.queriesPerSecond = queriesPerSecond
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

    public static func html(_ report: EvalReport) -> String {
        let title = "Evaluation report: \(report.suite)"
        var out = """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(HTMLText.escape(title))</title>
        <style>
        body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 2rem auto; max-width: 1280px; padding: 0 1rem; color: #1f2328; }
        h1 { font-size: 1.6rem; margin-bottom: .3rem; }
        h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid #d0d7de; padding-bottom: .2rem; }
        .meta { color: #57606a; margin-top: 0; }
        table { border-collapse: collapse; margin: .5rem 0; }
        th, td { border: 1px solid #d0d7de; padding: .3rem .6rem; }
        th { background: #f6f8fa; text-align: left; }
        td.num { text-align: right; font-variant-numeric: tabular-nums; font-family: ui-monospace, Menlo, Consolas, monospace; }
        td.best { font-weight: 700; background: #dafbe1; }
        .pass { color: #1a7f37; } .fail { color: #cf222e; }
        figure { margin: 1.2rem 0; }
        figcaption { font-size: .9rem; color: #57606a; margin-bottom: .3rem; }
        svg { background: #fff; border: 1px solid #d0d7de; }
        svg text { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 11px; fill: #57606a; }
        rect.pos { fill: #2da44e; } rect.neg { fill: #cf222e; } rect.zero { fill: #8c959f; }
        rect.bar:hover { opacity: .7; }
        </style>
        </head>
        <body>
        <h1>\(HTMLText.escape(title))</h1>
        <p class="meta">Dataset <b>\(HTMLText.escape(report.dataset))</b> · \(report.queries) queries · created \(HTMLText.escape(report.createdAt))</p>

        """

        out += "<h2>Summary</h2>\n"
        if report.variants.isEmpty {
            out += "<p>No variants.</p>\n"
        } else {
            let best = bestValues(report)
            let showQPS = report.variants.contains { $0.queriesPerSecond != nil }
            out += "<table>\n<thead><tr><th>Variant</th><th>Description</th>"
            for metric in report.metrics { out += "<th>\(HTMLText.escape(metric))</th>" }
            if showQPS { out += "<th>QPS</th>" }
            out += "</tr></thead>\n<tbody>\n"
            for variant in report.variants {
                out += "<tr><td>\(HTMLText.escape(variant.name))</td><td>\(HTMLText.escape(variant.description))</td>"
                for metric in report.metrics {
                    if let value = variant.mean[metric] {
                        let cls = isBest(value, best[metric]) ? "num best" : "num"
                        out += "<td class=\"\(cls)\">\(fixed(value, 4))</td>"
                    } else {
                        out += "<td class=\"num\">–</td>"
                    }
                }
                if showQPS { out += "<td class=\"num\">\(variant.queriesPerSecond.map { fixed($0, 1) } ?? "–")</td>" }
                out += "</tr>\n"
            }
            out += "</tbody>\n</table>\n<p class=\"meta\">Best value per metric highlighted (higher is better).</p>\n"
        }

        if !report.comparisons.isEmpty {
            out += "<h2>Comparisons</h2>\n<table>\n<thead><tr><th>Baseline</th><th>Variant</th><th>Metric</th>"
            out += "<th>Δ</th><th>p-value</th><th>95 % CI</th></tr></thead>\n<tbody>\n"
            for row in report.comparisons {
                out += "<tr><td>\(HTMLText.escape(row.baseline))</td><td>\(HTMLText.escape(row.variant))</td><td>\(HTMLText.escape(row.metric))</td>"
                out += "<td class=\"num\">\(signed(row.meanDelta, 4))</td><td class=\"num\">\(HTMLText.escape(pValue(row.pValue)))</td>"
                out += "<td class=\"num\">[\(signed(row.ciLower, 4)), \(signed(row.ciUpper, 4))]</td></tr>\n"
            }
            out += "</tbody>\n</table>\n"
        }

        if !report.gates.isEmpty {
            let passed = report.gates.filter(\.passed).count
            out += "<h2>Gates</h2>\n<p>\(passed)/\(report.gates.count) passed.</p>\n<table>\n"
            out += "<thead><tr><th></th><th>Gate</th><th>Value</th></tr></thead>\n<tbody>\n"
            for gate in report.gates {
                let mark = gate.passed ? "<span class=\"pass\">✅</span>" : "<span class=\"fail\">❌</span>"
                out += "<tr><td>\(mark)</td><td>\(HTMLText.escape(gate.expression))</td><td class=\"num\">\(fixed(gate.value, 4))</td></tr>\n"
            }
            out += "</tbody>\n</table>\n"
        }

        if !report.comparisons.isEmpty {
            out += "<h2>Per-query deltas</h2>\n"
            let byName = Dictionary(report.variants.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
            for row in report.comparisons {
                out += deltaChart(row, baseline: byName[row.baseline], variant: byName[row.variant])
            }
        }

        out += "</body>\n</html>\n"
        return out
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
        var s = String(format: "%.\(max(0, digits))f", x)
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
