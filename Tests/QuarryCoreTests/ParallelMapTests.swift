import Foundation
import QuarryCore
import Synchronization
import Testing

@Suite struct ParallelMapTests {
    /// Counts live instances, so a test can see that results are released.
    final class Tracked: Sendable {
        static let live = Atomic<Int>(0)
        let value: Int
        init(_ value: Int) {
            self.value = value
            Self.live.add(1, ordering: .relaxed)
        }
        deinit { Self.live.subtract(1, ordering: .relaxed) }
    }

    @Test(arguments: [0, 1, 2, 7, 1000])
    func keepsOrder(count: Int) {
        #expect(ParallelMap.map(count) { $0 * 3 } == (0 ..< count).map { $0 * 3 })
        #expect(ParallelMap.map(count, chunk: 64) { String($0) } == (0 ..< count).map { String($0) })
        #expect(ParallelMap.map(count, chunk: .max) { $0 } == Array(0 ..< count))
    }

    /// The bug this type replaced: results that stayed retained after the array was gone.
    @Test func releasesEveryResult() {
        let before = Tracked.live.load(ordering: .relaxed)
        do {
            let values = ParallelMap.map(500, chunk: 7) { Tracked($0) }
            withExtendedLifetime(values) {
                #expect(values.map(\.value) == Array(0 ..< 500))
                #expect(Tracked.live.load(ordering: .relaxed) == before + 500)
            }
        }
        #expect(Tracked.live.load(ordering: .relaxed) == before)
    }
}
