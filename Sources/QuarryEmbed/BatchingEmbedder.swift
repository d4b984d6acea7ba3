import Foundation
import QuarryCore

/// Coalesces concurrent `embed` calls into batches without waiting for company: a call that
/// finds a free slot (fewer than `maxInFlight` batches being embedded) is sent at once, with
/// whatever else is pending; calls that arrive while every slot is busy queue, and the next
/// slot to free up sends them together (whole callers, at most `maxBatch` texts), until the
/// queue is empty. Each caller gets its own vectors back.
///
/// Why: the server embeds one short query per request. A forward pass on one text is bound
/// by streaming the weights, so a batch of 16 queries costs little more than one: under load
/// the queue turns into batches and throughput grows with it, while an idle server sends a
/// lone query at once. (This replaced a fixed 2 ms window, which added up to 2 ms to every
/// lone query — as much as the encoder itself takes for one since `qk_dense`.) The identity
/// is the wrapped embedder's: the vectors are the same.
///
/// Cancellation: a cancelled caller stops waiting at once with `CancellationError` — taken out
/// of the queue, or, when its batch is already being embedded, answered without its vectors —
/// so a request past the server's deadline is not held until the wrapped embedder's own
/// timeout (an HTTP embedder's can be minutes with retries). Batches run in their own tasks,
/// so one caller's cancellation never cancels the others' batch.
public final class BatchingEmbedder: WrappingEmbedder, @unchecked Sendable {
    public let base: any Embedder
    public let maxBatch: Int
    /// Batches embedded at once (the cores, for an in-process model: a batch of a few
    /// queries runs on one).
    public let maxInFlight: Int
    private let lock = NSLock()
    /// Guarded by `lock`, as is every waiter's `continuation`.
    private var pending: [Waiter] = []
    private var inFlight = 0

    /// One caller: its texts, and the continuation that is resumed exactly once — by the batch
    /// or by cancellation, whichever takes it from under the lock first.
    private final class Waiter: @unchecked Sendable {
        let texts: [String]
        var continuation: CheckedContinuation<[[Float]], any Error>?
        init(_ texts: [String]) { self.texts = texts }
    }

    public init(_ base: any Embedder, maxBatch: Int = 32, maxInFlight: Int = ProcessInfo.processInfo.activeProcessorCount) {
        self.base = base
        self.maxBatch = max(1, maxBatch)
        self.maxInFlight = max(1, maxInFlight)
    }

    /// Callers queued behind busy slots now (for metrics and tests).
    public var queued: Int { lock.withLock { pending.count } }

    public func embed(_ texts: [String]) async throws -> [[Float]] {
        if texts.isEmpty { return [] }
        // A large request is a batch by itself.
        if texts.count >= maxBatch { return try await base.embed(texts) }
        let waiter = Waiter(texts)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                lock.lock()
                // Checked under the lock: a cancellation that ran its handler before this
                // point found nothing to resume, and is seen here instead.
                if Task.isCancelled {
                    lock.unlock()
                    continuation.resume(throwing: CancellationError())
                    return
                }
                waiter.continuation = continuation
                pending.append(waiter)
                let start = inFlight < maxInFlight
                if start { inFlight += 1 }
                lock.unlock()
                if start { Task { await self.drain() } }
            }
        } onCancel: {
            let continuation = lock.withLock { () -> CheckedContinuation<[[Float]], any Error>? in
                if let index = pending.firstIndex(where: { $0 === waiter }) {
                    pending.remove(at: index)
                }
                defer { waiter.continuation = nil }
                return waiter.continuation
            }
            continuation?.resume(throwing: CancellationError())
        }
    }

    /// The next batch — whole callers in arrival order, at most `maxBatch` texts unless the
    /// first caller alone has more — or nil when nothing is pending, freeing the slot. One
    /// lock for both, so a caller that arrives just after cannot find the slot taken with
    /// nobody left to send its texts.
    private func next() -> [Waiter]? {
        lock.withLock {
            guard !pending.isEmpty else {
                inFlight -= 1
                return nil
            }
            var taken = 0, texts = 0
            while taken < pending.count, taken == 0 || texts + pending[taken].texts.count <= maxBatch {
                texts += pending[taken].texts.count
                taken += 1
            }
            let batch = Array(pending.prefix(taken))
            pending.removeFirst(taken)
            return batch
        }
    }

    /// Resumes `waiter` with `result` unless cancellation already has.
    private func resume(_ waiter: Waiter, with result: Result<[[Float]], any Error>) {
        let continuation = lock.withLock { () -> CheckedContinuation<[[Float]], any Error>? in
            defer { waiter.continuation = nil }
            return waiter.continuation
        }
        continuation?.resume(with: result)
    }

    /// Holds a slot: sends batches while callers are queued, then frees it.
    private func drain() async {
        while let batch = next() {
            await send(batch)
        }
    }

    private func send(_ batch: [Waiter]) async {
        do {
            let vectors = try await base.embed(batch.flatMap(\.texts))
            var offset = 0
            for waiter in batch {
                resume(waiter, with: .success(Array(vectors[offset ..< offset + waiter.texts.count])))
                offset += waiter.texts.count
            }
        } catch {
            for waiter in batch { resume(waiter, with: .failure(error)) }
        }
    }
}
