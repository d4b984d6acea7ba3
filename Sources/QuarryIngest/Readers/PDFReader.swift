import Foundation

/// Reads PDF files through poppler's `pdftotext`, when it is installed.
///
/// Runs as a separate process with a time limit and a page cap, so an encrypted, malformed
/// or 50,000-page PDF costs at most `timeout` seconds and never hangs the ingest.
public struct PDFReader: Sendable {
    public var executable: String
    public var timeout: Double
    public var maxPages: Int

    public init(executable: String = "pdftotext", timeout: Double = 60, maxPages: Int = 2000) {
        self.executable = executable
        self.timeout = timeout
        self.maxPages = maxPages
    }

    /// Why a PDF could not be read.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// The executable's full path, or nil when it is not installed.
    public func resolvedExecutable() -> String? {
        if executable.contains("/") { return FileManager.default.isExecutableFile(atPath: executable) ? executable : nil }
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let candidate = "\(directory)/\(executable)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    public func parse(url: URL, fallbackTitle: String) throws -> ParsedDocument {
        guard let path = resolvedExecutable() else {
            throw Failure(description: "PDF support needs `\(executable)` (Debian package poppler-utils; scripts/setup installs it)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = ["-q", "-enc", "UTF-8", "-l", "\(maxPages)", "--", url.path, "-"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let deadline = DispatchTime.now() + timeout
        let finished = DispatchSemaphore(value: 0)
        let collected = OutputBox()
        DispatchQueue.global().async {
            collected.data = output.fileHandleForReading.readDataToEndOfFile()
            finished.signal()
        }
        if finished.wait(timeout: deadline) == .timedOut {
            process.terminate()
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw Failure(description: "pdftotext took longer than \(Int(timeout)) s")
        }
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(description: "pdftotext failed with status \(process.terminationStatus) (encrypted or damaged PDF?)")
        }
        guard let text = String(data: collected.data, encoding: .utf8) else { throw Failure(description: "pdftotext produced invalid UTF-8") }
        // Pages are separated by form feeds: make them paragraph breaks.
        let cleaned = TextDecoding.normalizeNewlines(text.replacingOccurrences(of: "\u{0C}", with: "\n\n"))
        return ParsedDocument(title: fallbackTitle, text: cleaned)
    }

    private final class OutputBox: @unchecked Sendable {
        var data = Data()
    }
}
