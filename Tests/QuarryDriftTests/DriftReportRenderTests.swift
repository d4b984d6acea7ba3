import Foundation
import QuarryDrift
import QuarryTesting
import Testing

/// Headless Chromium, when installed (`scripts/setup` installs it; `$QUARRY_CHROMIUM` overrides).
let chromium: String? = {
    let candidates = [ProcessInfo.processInfo.environment["QUARRY_CHROMIUM"], "/usr/bin/chromium", "/usr/bin/chromium-browser",
                      "/usr/bin/google-chrome"].compactMap { $0 }
    return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
}()

@Suite struct DriftReportRenderTests {
    /// Loads `page` in headless Chromium with name resolution disabled and returns the DOM
    /// after layout (waiting on a dispatch thread, not a cooperative one).
    func dumpDOM(_ page: String, in dir: TemporaryDirectory) async throws -> String {
        let box = Unchecked((self, dir))
        return try await CommandRunner.offPool { try box.value.0.dumpDOMBlocking(page, in: box.value.1) }
    }

    func dumpDOMBlocking(_ page: String, in dir: TemporaryDirectory) throws -> String {
        let file = try dir.write("page-\(UUID().uuidString).html", page)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: chromium!)
        process.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--disable-extensions",
                             "--disable-background-networking", "--host-resolver-rules=MAP * ~NOTFOUND", "--proxy-server=http://127.0.0.1:9",
                             "--user-data-dir=\(dir.path)/profile", "--virtual-time-budget=2000", "--window-size=1280,2000", "--dump-dom", file.absoluteString]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let box = DataBox()
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            box.data = output.fileHandleForReading.readDataToEndOfFile()
            done.signal()
        }
        if done.wait(timeout: .now() + 30) == .timedOut {
            process.terminate()
            throw CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "chromium did not finish in 30 s"])
        }
        process.waitUntilExit()
        return String(decoding: box.data, as: UTF8.self)
    }

    final class DataBox: @unchecked Sendable { var data = Data() }

    @Test("headless Chromium lays out every histogram and bar, offline", .enabled(if: chromium != nil, "chromium is not installed (scripts/setup installs it)"))
    func rendersCharts() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let report = try sampleReport()
        let page = report.html()

        // As written: the DOM holds an SVG per feature.
        let dom = try await dumpDOM(page, in: dir)
        #expect(dom.components(separatedBy: "<svg class=\"histogram\"").count - 1 == report.features.count, "\(dom.prefix(500))")

        // With a probe that measures the laid-out boxes (the report itself has no script; the
        // probe copy allows inline script but still fetches nothing).
        let probe = """
            <script>
            const svgs = [...document.querySelectorAll('svg.histogram')];
            const bars = svgs.flatMap(s => [...s.querySelectorAll('rect.ref, rect.cur')]);
            const out = document.createElement('div');
            out.id = 'render-check';
            out.dataset.svgs = svgs.filter(s => { const b = s.getBoundingClientRect(); return b.width > 400 && b.height > 150; }).length;
            out.dataset.bars = bars.length;
            out.dataset.drawn = bars.filter(r => r.getBoundingClientRect().height > 0).length;
            out.dataset.failed = performance.getEntriesByType('resource').length;
            document.body.appendChild(out);
            </script>
            """
        let instrumented = page.replacingOccurrences(of: "style-src 'unsafe-inline'", with: "style-src 'unsafe-inline'; script-src 'unsafe-inline'")
            .replacingOccurrences(of: "</body>", with: probe + "</body>")
        let measured = try await dumpDOM(instrumented, in: dir)
        func attribute(_ name: String) -> Int? {
            guard let range = measured.range(of: "data-\(name)=\"") else { return nil }
            return Int(measured[range.upperBound...].prefix { $0.isNumber })
        }
        #expect(attribute("svgs") == report.features.count, "\(measured.suffix(400))")
        let bars = report.features.reduce(0) { $0 + 2 * $1.histogram.labels.count }
        #expect(attribute("bars") == bars)
        #expect((attribute("drawn") ?? 0) > bars / 3, "most bars have a height")
        #expect(attribute("failed") == 0, "the page loads no resources")
    }
}
