import Foundation
import QuarryCore
#if canImport(Glibc)
import Glibc
#endif

/// The single-writer lock of a collection: an exclusive `flock` on `<collection>/LOCK`.
///
/// `flock` is released by the kernel when the holder exits for any reason, SIGKILL included,
/// so a crashed writer never leaves a stale lock behind. The holder's pid is written into
/// the file only to make the "locked" message useful.
public final class CollectionLock: @unchecked Sendable {
    private var fd: Int32
    public let path: String

    /// Takes the lock or fails at once.
    /// - Throws: `StoreError.locked` naming the holder's pid when another process holds it.
    public init(directory: URL, collection: String) throws {
        path = directory.appendingPathComponent("LOCK").path
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw StoreError(.io, collection: collection, "cannot open lock file \(path): \(String(cString: strerror(errno)))")
        }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let holder = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "?"
            close(fd)
            fd = -1
            throw StoreError(.locked, collection: collection,
                             "collection '\(collection)' is being written by another process (pid \(holder.isEmpty ? "?" : holder)); wait for it to finish, or stop it")
        }
        let pid = "\(getpid())\n"
        _ = ftruncate(fd, 0)
        _ = pid.withCString { pwrite(fd, $0, strlen($0), 0) }
    }

    /// Releases the lock (also released when the process exits).
    public func release() {
        guard fd >= 0 else { return }
        _ = ftruncate(fd, 0)
        flock(fd, LOCK_UN)
        close(fd)
        fd = -1
    }

    deinit { release() }
}
