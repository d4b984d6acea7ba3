import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A read-only memory map of a whole file. The bytes stay valid for the object's lifetime
/// even if the file is unlinked or replaced by rename, which is what lets a reader keep a
/// generation while a writer publishes the next one.
public final class MappedFile: @unchecked Sendable {
    public let path: String
    public let count: Int
    private let base: UnsafeRawPointer?

    public init(path: String) throws {
        self.path = path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw QuarryIOError(.open, path: path) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw QuarryIOError(.stat, path: path) }
        count = Int(info.st_size)
        if count == 0 {
            base = nil
            return
        }
        guard let mapped = mmap(nil, count, PROT_READ, MAP_PRIVATE, fd, 0), mapped != MAP_FAILED else {
            throw QuarryIOError(.read, path: path)
        }
        base = UnsafeRawPointer(mapped)
    }

    deinit {
        if let base { munmap(UnsafeMutableRawPointer(mutating: base), count) }
    }

    /// The mapped bytes.
    public var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

    /// Lets this process's page table drop the whole pages inside `range` (byte offsets);
    /// they stay in the kernel's page cache and fault back in when read. For a section that
    /// a verification pass has just read but later reads touch rarely (an int8 index's
    /// float vectors), so it stops counting towards resident memory.
    public func releasePages(_ range: Range<Int>) {
        guard let base, !range.isEmpty else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = (max(range.lowerBound, 0) + page - 1) / page * page
        let end = min(range.upperBound, count) / page * page
        guard end > start else { return }
        _ = madvise(UnsafeMutableRawPointer(mutating: base + start), end - start, MADV_DONTNEED)
    }
}
