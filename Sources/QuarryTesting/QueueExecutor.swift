import Dispatch

/// A task executor on a serial dispatch queue of its own, so the stub servers' tasks (and the
/// tasks they start in groups, which inherit the preference) never wait for Swift's
/// cooperative pool. That pool has one thread per core; with every suite running at once on
/// two cores it is often busy for seconds, and a stub server waiting behind it would answer
/// late and fail the very timeout tests it exists for. A dispatch serial queue gets a thread
/// of its own even when the pool is saturated.
final class QueueExecutor: TaskExecutor, @unchecked Sendable {
    private let queue: DispatchQueue

    init(label: String) {
        queue = DispatchQueue(label: label)
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        queue.async { job.runSynchronously(on: executor) }
    }
}
