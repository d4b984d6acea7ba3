#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A pthread reader–writer lock: any number of readers, or one writer.
///
/// On Linux it prefers writers (`PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP`), so a
/// steady stream of searches cannot starve an `add`; the price is that a thread must never
/// take the read lock twice (a waiting writer would deadlock it), which the vector indexes
/// respect by never calling a locking method from inside a locked region.
final class ReadWriteLock: @unchecked Sendable {
    private let lock: UnsafeMutablePointer<pthread_rwlock_t>

    init() {
        lock = .allocate(capacity: 1)
        #if os(Linux)
        var attributes = pthread_rwlockattr_t()
        pthread_rwlockattr_init(&attributes)
        pthread_rwlockattr_setkind_np(&attributes, Int32(PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP))
        let status = pthread_rwlock_init(lock, &attributes)
        pthread_rwlockattr_destroy(&attributes)
        #else
        let status = pthread_rwlock_init(lock, nil)
        #endif
        precondition(status == 0, "pthread_rwlock_init failed (\(status))")
    }

    deinit {
        pthread_rwlock_destroy(lock)
        lock.deallocate()
    }

    /// Takes the shared (read) lock; pair with `unlock()`.
    @inline(__always)
    func lockShared() { pthread_rwlock_rdlock(lock) }

    /// Takes the exclusive (write) lock; pair with `unlock()`.
    @inline(__always)
    func lockExclusive() { pthread_rwlock_wrlock(lock) }

    /// Releases the lock this thread holds.
    @inline(__always)
    func unlock() { pthread_rwlock_unlock(lock) }

    /// Runs `body` holding the shared (read) lock.
    @inline(__always)
    func withReadLock<T>(_ body: () throws -> T) rethrows -> T {
        pthread_rwlock_rdlock(lock)
        defer { pthread_rwlock_unlock(lock) }
        return try body()
    }

    /// Runs `body` holding the exclusive (write) lock.
    @inline(__always)
    func withWriteLock<T>(_ body: () throws -> T) rethrows -> T {
        pthread_rwlock_wrlock(lock)
        defer { pthread_rwlock_unlock(lock) }
        return try body()
    }
}
