import Foundation

/// CPU-bound or blocking work (a model's forward pass, loading weights) run on a dispatch
/// worker and awaited, so it never occupies the cooperative thread pool that HTTP handling
/// and other tasks need.
public enum BlockingWork {
    public static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global(qos: .userInitiated).async {
                continuation.resume(with: Result { try body() })
            }
        }
    }
}
