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
public final class BatchingEmbedder: Embedder, @unchecked Sendable {
    public let base: any Embedder
    public let maxWait: Double
    public let maxBatch: Int
    private let lock = NSLock()
    private var pending: [(texts: [String], continuation: CheckedContinuation<[[Float]], any Error>)] = []
    private var pendingCount = 0
    private var scheduled = false
    /// Batches sent and texts embedded, for tests and metrics.
    public private(set) var batches = 0

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

    public func embed(_ texts: [String]) async throws -> [[Float]] {
        if texts.isEmpty { return [] }
        // A large request is a batch by itself.
        if texts.count >= maxBatch { return try await base.embed(texts) }
        return try await withCheckedThrowingContinuation { continuation in
            lock.lock()
            pending.append((texts, continuation))
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
    }

    private func take() -> [(texts: [String], continuation: CheckedContinuation<[[Float]], any Error>)] {
        lock.withLock {
            let batch = pending
            pending.removeAll()
            pendingCount = 0
            scheduled = false
            if !batch.isEmpty { batches += 1 }
            return batch
        }
    }

    /// Sends everything pending as one batch.
    private func flush() async {
        let batch = take()
        guard !batch.isEmpty else { return }
        do {
            let vectors = try await base.embed(batch.flatMap(\.texts))
            var offset = 0
            for entry in batch {
                entry.continuation.resume(returning: Array(vectors[offset ..< offset + entry.texts.count]))
                offset += entry.texts.count
            }
        } catch {
            for entry in batch { entry.continuation.resume(throwing: error) }
        }
    }
}
