/// Runs writes to one collection one after another: the collection's writer lock is
/// exclusive per open file, so two writes from this process would otherwise refuse each
/// other. Writes to different collections run concurrently.
actor WriteQueue {
    private var tails: [String: Task<Void, Never>] = [:]

    func run<T: Sendable>(_ collection: String, _ work: @escaping @Sendable () async throws -> T) async throws -> T {
        let previous = tails[collection]
        let task = Task<T, any Error> {
            await previous?.value
            return try await work()
        }
        tails[collection] = Task { _ = try? await task.value }
        return try await task.value
    }
}
