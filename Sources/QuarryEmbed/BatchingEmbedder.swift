import Foundation
import QuarryCore

/// Coalesces concurrent `embed` calls into one batch: the first call waits up to `maxWait`
/// seconds (2 ms by default) for others, then all pending texts — at most `maxBatch` — go to
/// the wrapped embedder together and each caller gets its own vectors back.
///
/// Why: the server embeds one short query per request, and a BERT forward pass on one text
/// leaves most of the matrix kernels' width unused; under load, a batch of 16 queries costs
/// little more than one, so throughput grows with load while an idle server adds at most
/// `maxWait` of latency. The identity is the wrapped embedder's: the vectors are the same.
///
/// Cancellation: a cancelled caller stops waiting at once with `CancellationError` — taken out
/// of the pending batch, or, when its batch is already being embedded, answered without its
/// vectors — so a request past the server's deadline is not held until the wrapped
/// embedder's own timeout (an HTTP embedder's can be minutes with retries).
public final class BatchingEmbedder: Embedder, @unchecked Sendable {
    public let base: any Embedder
    public let maxWait: Double
    public let maxBatch: Int
    private let lock = NSLock()
    /// Guarded by `lock`, as is every waiter's `continuation`.
    private var pending: [Waiter] = []
    private var pendingCount = 0
    private var scheduled = false

    /// One caller: its texts, and the continuation that is resumed exactly once — by the batch
    /// or by cancellation, whichever takes it from under the lock first.
    private final class Waiter: @unchecked Sendable {
        let texts: [String]
        var continuation: CheckedContinuation<[[Float]], any Error>?
        init(_ texts: [String]) { self.texts = texts }
    }

    public init(_ base: any Embedder, maxWait: Double = 0.002, maxBatch: Int = 32) {
        self.base = base
        self.maxWait = maxWait
        self.maxBatch = max(1, maxBatch)
    }

    public var identity: EmbedderIdentity { base.identity }
    public func countTokens(_ text: String) -> Int? { base.countTokens(text) }
    public var maxInputTokens: Int? { base.maxInputTokens }
    public var specialTokenCount: Int { base.specialTokenCount }
    public var scripts: Set<String>? { base.scripts }
    public func vocabularyFit(_ text: String) -> VocabularyFit? { base.vocabularyFit(text) }

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
                pendingCount += texts.count
                let full = pendingCount >= maxBatch
                let start = !scheduled || full
                if start { scheduled = true }
                lock.unlock()
                if full {
                    Task { await self.flush() }
                } else if start {
                    Task {
                        try? await Task.sleep(nanoseconds: UInt64(self.maxWait * 1e9))
                        await self.flush()
                    }
                }
            }
        } onCancel: {
            let continuation = lock.withLock { () -> CheckedContinuation<[[Float]], any Error>? in
                if let index = pending.firstIndex(where: { $0 === waiter }) {
                    pending.remove(at: index)
                    pendingCount -= waiter.texts.count
                }
                defer { waiter.continuation = nil }
                return waiter.continuation
            }
            continuation?.resume(throwing: CancellationError())
        }
    }

    private func take() -> [Waiter] {
        lock.withLock {
            let batch = pending
            pending.removeAll()
            pendingCount = 0
            scheduled = false
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

    /// Sends everything pending as one batch.
    private func flush() async {
        let batch = take()
        guard !batch.isEmpty else { return }
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
