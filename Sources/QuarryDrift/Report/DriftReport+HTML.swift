import Foundation
import Mustache
import QuarryCore

extension DriftReport {
    /// The report as one self-contained HTML page: inline CSS and inline SVG histograms of
    /// reference vs current per feature, with the method, the value, the p-value or threshold
    /// and the verdict.
    ///
    /// Why self-contained: reports are opened from CI artifacts, mail attachments and the
    /// artifact store, often offline; a page that fetches a chart library shows nothing there.
    /// A Content-Security-Policy of `default-src 'none'` makes any accidental external
    /// reference fail visibly in tests rather than work by luck on a connected machine. No
    /// script runs: the charts are plain SVG, so the page renders the same in any browser.
    public func html() -> String {
        let sides: [[String: Any]] = [("reference", reference), ("current", current)].map { label, side in
            ["label": label, "swatch": label == "reference" ? "ref" : "cur", "source": side.source,
             "rows": side.rows == side.totalRows ? "\(side.rows)" : "\(side.rows) sampled of \(side.totalRows)",
             "window": side.windowStart.map { "\($0) – \(side.windowEnd ?? "")" } ?? "—"]
        }
        let rows: [[String: Any]] = features.map { feature in
            let v = feature.verdict
            return ["name": v.feature, "kind": v.kind.rawValue, "method": HTML.methodName(v.method), "score": HTML.number(v.score),
                    "pValue": v.pValue.map(HTML.number) ?? "—", "hasPValue": v.pValue != nil, "threshold": HTML.threshold(v),
                    "referenceCount": v.referenceCount, "currentCount": v.currentCount,
                    "verdictClass": v.drifted ? "drift" : "ok", "verdictWord": v.drifted ? "drift" : "no drift",
                    "description": feature.description, "histogram": HTML.svg(feature.histogram, title: v.feature),
                    "referenceSummary": feature.referenceSummary, "currentSummary": feature.currentSummary]
        }
        var page: [String: Any] = [
            "kind": kind.rawValue, "checkedAt": checkedAt, "style": HTML.style,
            "verdictClass": drifted ? "drift" : "ok", "verdictWord": drifted ? "yes" : "no",
            "driftedCount": driftedCount, "featureCount": features.count,
            "driftedShare": HTML.percent(driftedShare), "shareThreshold": HTML.percent(shareThreshold),
            "sides": sides, "features": rows,
            "hasSkipped": !skipped.isEmpty, "skipped": skipped.map { ["feature": $0.feature, "reason": $0.reason] as [String: Any] },
            "hasNotes": !notes.isEmpty, "notes": notes,
            "settings": settings.sorted { $0.key < $1.key }.map { "\($0.key) = \($0.value)" }.joined(separator: " · "),
        ]
        if let collection { page["collection"] = collection }
        if let runID { page["runID"] = runID }
        return HTML.template.render(page)
    }
}

/// HTML and SVG pieces of the drift report. The page is `Resources/report.html.mustache`
/// (compiled into the binary; Mustache escapes every value); the histograms are built and
/// escaped here and go in as they are.
enum HTML {
    static let template: MustacheTemplate = {
        do {
            return try MustacheTemplate(string: String(decoding: PackageResources.report_html_mustache, as: UTF8.self))
        } catch {
            preconditionFailure("Resources/report.html.mustache does not parse: \(error)")
        }
    }()

    static let referenceColor = "#4c78a8"
    static let currentColor = "#f58518"

    static let style = """
        body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2328;max-width:1200px;margin:24px auto;padding:0 16px}
        h1{font-size:22px;margin:0 0 8px}h2{font-size:17px;margin:24px 0 8px}h3{font-size:15px;margin:0 0 4px}
        table{border-collapse:collapse}th,td{padding:4px 10px;border-bottom:1px solid #d0d7de;text-align:left;vertical-align:top}
        code{font:12px ui-monospace,Menlo,Consolas,monospace;word-break:break-all}
        .dataset{font-size:16px;padding:8px 12px;border-radius:6px}.dataset.drift{background:#ffebe9}.dataset.ok{background:#dafbe1}
        .badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600}
        .badge.drift{background:#cf222e;color:#fff}.badge.ok{background:#1a7f37;color:#fff}
        .swatch{display:inline-block;width:10px;height:10px;margin-right:6px;border-radius:2px}
        .swatch.ref{background:\(referenceColor)}.swatch.cur{background:\(currentColor)}
        .features{display:grid;grid-template-columns:repeat(auto-fill,minmax(560px,1fr));gap:16px}
        .feature{border:1px solid #d0d7de;border-radius:8px;padding:12px}.feature.drift{border-color:#cf222e}
        .feature p{margin:2px 0}.meta{color:#57606a;font-size:12px}svg{display:block;margin:8px 0}
        dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:6px 0 0}dt{color:#57606a}dd{margin:0}
        """

    static func number(_ value: Double) -> String {
        guard value.isFinite else { return "\(value)" }
        if value != 0 && abs(value) < 0.001 { return String(format: "%.2e", value) }
        return String(format: "%.4f", value)
    }

    static func percent(_ share: Double) -> String {
        String(format: "%.0f %%", share * 100)
    }

    static func methodName(_ method: DriftMethod) -> String {
        switch method {
        case .kolmogorovSmirnov: "Kolmogorov–Smirnov (D)"
        case .chiSquared: "χ² test (χ²)"
        case .populationStabilityIndex: "PSI"
        case .wasserstein: "Wasserstein-1"
        case .jensenShannon: "Jensen–Shannon distance"
        case .maximumMeanDiscrepancy: "MMD permutation test (MMD²)"
        case .domainClassifier: "domain classifier (ROC AUC)"
        }
    }

    static func threshold(_ verdict: FeatureDriftVerdict) -> String {
        verdict.method.isStatisticalTest ? "p < \(number(verdict.threshold))" : (verdict.method == .domainClassifier ? "> " : "≥ ") + number(verdict.threshold)
    }

    /// Paired bars per bin: reference then current, heights as shares of each side.
    static func svg(_ histogram: FeatureHistogram, title: String) -> String {
        let width = 540.0, height = 230.0
        let left = 44.0, right = 8.0, top = 24.0, bottom = 62.0
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        let bins = max(histogram.labels.count, 1)
        let peak = max((histogram.reference + histogram.current).max() ?? 0, 0.0001)
        let group = plotWidth / Double(bins)
        let bar = group * 0.4
        func f(_ value: Double) -> String { String(format: "%.1f", value) }
        var svg = "<svg class=\"histogram\" width=\"\(Int(width))\" height=\"\(Int(height))\" "
            + "viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"\(HTMLText.escape("histogram of \(title): reference vs current"))\">\n"
        svg += "<title>\(HTMLText.escape(title)): \(HTMLText.escape(histogram.axis))</title>\n"
        svg += "<rect x=\"\(f(left))\" y=\"6\" width=\"10\" height=\"10\" fill=\"\(referenceColor)\"/>"
            + "<text x=\"\(f(left + 14))\" y=\"15\" font-size=\"11\">reference</text>"
            + "<rect x=\"\(f(left + 84))\" y=\"6\" width=\"10\" height=\"10\" fill=\"\(currentColor)\"/>"
            + "<text x=\"\(f(left + 98))\" y=\"15\" font-size=\"11\">current</text>\n"
        for tick in [0.0, 0.5, 1.0] {
            let y = top + plotHeight * (1 - tick)
            svg += "<line x1=\"\(f(left))\" x2=\"\(f(width - right))\" y1=\"\(f(y))\" y2=\"\(f(y))\" stroke=\"#d0d7de\" stroke-width=\"1\"/>"
                + "<text x=\"\(f(left - 4))\" y=\"\(f(y + 4))\" font-size=\"10\" text-anchor=\"end\" fill=\"#57606a\">\(percent(peak * tick))</text>\n"
        }
        let categorical = histogram.upperEdge == nil
        let labelEvery = categorical ? 1 : max(1, Int((Double(bins) / 6).rounded(.up)))
        for index in 0 ..< histogram.labels.count {
            let x = left + Double(index) * group
            for (offset, shares, color, side) in [(0.1, histogram.reference, referenceColor, "reference"), (0.5, histogram.current, currentColor, "current")] {
                let share = index < shares.count ? shares[index] : 0
                let h = plotHeight * share / peak
                svg += "<rect class=\"\(side == "reference" ? "ref" : "cur")\" x=\"\(f(x + group * offset))\" y=\"\(f(top + plotHeight - h))\" "
                    + "width=\"\(f(bar))\" height=\"\(f(h))\" fill=\"\(color)\"><title>\(HTMLText.escape(histogram.labels[index])): \(side) \(percent(share))</title></rect>"
            }
            svg += "\n"
            // A numeric bin's label is its lower edge; the last ones give way to the upper edge.
            if index % labelEvery == 0 && (categorical || x < left + plotWidth - 36) {
                if categorical {
                    let label = histogram.labels[index].count > 14 ? String(histogram.labels[index].prefix(13)) + "…" : histogram.labels[index]
                    let cx = x + group / 2, cy = top + plotHeight + 10
                    svg += "<text x=\"\(f(cx))\" y=\"\(f(cy))\" font-size=\"10\" text-anchor=\"end\" transform=\"rotate(-35 \(f(cx)) \(f(cy)))\">"
                        + "\(HTMLText.escape(label))</text>\n"
                } else {
                    svg += "<text x=\"\(f(x))\" y=\"\(f(top + plotHeight + 14))\" font-size=\"10\" text-anchor=\"middle\">\(HTMLText.escape(histogram.labels[index]))</text>\n"
                }
            }
        }
        if let upper = histogram.upperEdge {
            svg += "<text x=\"\(f(left + plotWidth))\" y=\"\(f(top + plotHeight + 14))\" font-size=\"10\" text-anchor=\"end\">\(HTMLText.escape(upper))</text>\n"
        }
        svg += "<line x1=\"\(f(left))\" x2=\"\(f(width - right))\" y1=\"\(f(top + plotHeight))\" y2=\"\(f(top + plotHeight))\" stroke=\"#57606a\" stroke-width=\"1\"/>\n"
        svg += "<text x=\"\(f(left + plotWidth / 2))\" y=\"\(f(height - 4))\" font-size=\"11\" text-anchor=\"middle\" fill=\"#57606a\">\(HTMLText.escape(histogram.axis))</text>\n"
        svg += "</svg>\n"
        return svg
    }
}
