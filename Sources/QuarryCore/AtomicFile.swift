import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Writes files so that a reader sees either the old content or the new, never a torn mix,
/// even across a crash or power loss: write a temporary file beside the target, fsync it,
/// rename it over the target, then fsync the directory so the rename itself is durable.
public enum AtomicFile {
    /// Replaces the file at `url` with `data` atomically and durably.
    /// - Throws: `QuarryIOError` naming the path and the failing step.
    public static func write(_ data: Data, to url: URL) throws {
        let directory = url.deletingLastPathComponent()
        let temporary = directory.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0 ... .max))")
        let fd = open(temporary.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw QuarryIOError(.open, path: temporary.path) }
        var failed: QuarryIOError?
        data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    failed = QuarryIOError(.write, path: temporary.path)
                    return
                }
                offset += n
            }
        }
        if failed == nil, fsync(fd) != 0 { failed = QuarryIOError(.sync, path: temporary.path) }
        close(fd)
        if let failed {
            unlink(temporary.path)
            throw failed
        }
        Failpoint.hit("file.written")
        guard rename(temporary.path, url.path) == 0 else {
            let error = QuarryIOError(.rename, path: url.path)
            unlink(temporary.path)
            throw error
        }
        Failpoint.hit("file.renamed")
        try syncDirectory(directory)
    }

    /// fsyncs a directory so that entries created, renamed or removed in it are durable.
    public static func syncDirectory(_ directory: URL) throws {
        let fd = open(directory.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw QuarryIOError(.open, path: directory.path) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw QuarryIOError(.sync, path: directory.path) }
    }
}

/// A failed file-system operation, with the path, the step and the system's reason.
public struct QuarryIOError: Error, CustomStringConvertible, Sendable {
    /// The step that failed.
    public enum Step: String, Sendable { case open, read, write, sync, rename, remove, lock, stat }
    public var step: Step
    public var path: String
    public var code: Int32

    public init(_ step: Step, path: String, code: Int32 = errno) {
        self.step = step
        self.path = path
        self.code = code
    }

    public var description: String {
        "\(step.rawValue) failed for \(path): \(String(cString: strerror(code)))"
    }
}
