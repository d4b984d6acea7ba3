import Foundation
import QuarryCore

/// The way a command reports into tracking: start a run, log as it goes, end it with the
/// right status. Tracking is a side channel — a command's real work must not fail because
/// the tracking store is unwritable — so the recorder collects tracking errors as
/// `warnings` for the command to print instead of throwing them.
public final class RunRecorder: @unchecked Sendable {
    public let store: any TrackingStore
    public private(set) var runID: String?
    public private(set) var warnings: [String] = []
    private let lock = NSLock()

    /// Starts a run; on failure the recorder stays inert and keeps the warning.
    public init(store: any TrackingStore, experiment: String, name: String, configHash: String?, tags: [String: String] = [:]) {
        self.store = store
        let source = CommandLine.arguments.map { $0.contains(" ") ? "'\($0)'" : $0 }.joined(separator: " ")
        do {
            runID = try store.startRun(experiment: experiment, name: name, source: source, gitCommit: GitCommit.current(),
                                       configHash: configHash, tags: tags)
        } catch {
            warnings.append("tracking: could not start a run: \(error)")
        }
    }

    private func attempt(_ what: String, _ body: (String) throws -> Void) {
        lock.lock()
        defer { lock.unlock() }
        guard let runID else { return }
        do {
            try body(runID)
        } catch {
            warnings.append("tracking: \(what): \(error)")
        }
    }

    public func param(_ key: String, _ value: String) { attempt("param \(key)") { try store.logParam($0, key: key, value: value) } }

    public func metric(_ key: String, _ value: Double, step: Int = 0) {
        attempt("metric \(key)") { try store.logMetric($0, key: key, value: value, step: step) }
    }

    public func artifact(_ name: String, _ data: Data) {
        attempt("artifact \(name)") { _ = try store.logArtifact($0, name: name, data: [UInt8](data)) }
    }

    public func finish(_ status: RunStatus) { attempt("end") { try store.endRun($0, status: status) } }
}

/// The commit checked out in the working directory's git repository, read from `.git`
/// (HEAD, then the ref it names, loose or packed) without running git.
public enum GitCommit {
    public static func current(from directory: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)) -> String? {
        var folder = directory.standardizedFileURL
        for _ in 0 ..< 64 {
            let git = folder.appendingPathComponent(".git")
            if let head = try? String(contentsOf: git.appendingPathComponent("HEAD"), encoding: .utf8)
                .trimmingCharacters(in: .whitespacesAndNewlines) {
                guard head.hasPrefix("ref: ") else { return valid(head) }
                let ref = String(head.dropFirst(5))
                if let loose = try? String(contentsOf: git.appendingPathComponent(ref), encoding: .utf8) {
                    return valid(loose.trimmingCharacters(in: .whitespacesAndNewlines))
                }
                let packed = (try? String(contentsOf: git.appendingPathComponent("packed-refs"), encoding: .utf8)) ?? ""
                for line in packed.split(separator: "\n") where line.hasSuffix(" " + ref) {
                    return valid(String(line.prefix(40)))
                }
                return nil
            }
            let parent = folder.deletingLastPathComponent()
            if parent.path == folder.path { break }
            folder = parent
        }
        return nil
    }

    static func valid(_ text: String) -> String? {
        text.count == 40 && text.allSatisfy(\.isHexDigit) ? text : nil
    }
}
