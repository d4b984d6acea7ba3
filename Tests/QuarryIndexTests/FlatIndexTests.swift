import Foundation
@testable import QuarryIndex
import QuarryTesting
import Testing

@Suite struct FlatIndexTests {
    @Test("VectorIndex conformance", arguments: VectorMetric.allCases)
    func conformance(metric: VectorMetric) throws {
        try checkVectorIndexConformance(metric: metric) { try FlatIndex(dimension: $0, metric: $1) }
    }

    @Test("reproduces gt100's top 10 on msmarco (5,000 × 384)", Fixtures.needsShared)
    func groundTruth() throws {
        let data = try MSMarcoVectors.load()
        let index = try data.flatIndex(rows: data.base.indices)
        #expect(index.count == 5000)
        for (q, query) in data.queries.enumerated() {
            let hits = try index.search(query, k: 10)
            let expected = Array(data.groundTruth[q].prefix(10))
            // Same ids in the same order, except that float32 may swap near-ties (< 1e-5)
            // with the exact double-precision ranking.
            let tenth = data.groundTruthScores[q][9]
            for (rank, hit) in hits.enumerated() {
                #expect(abs(hit.score - data.groundTruthScores[q][rank]) < 1e-4)
                if Int(hit.chunkID) != expected[rank] {
                    #expect(abs(hit.score - data.groundTruthScores[q][rank]) < 1e-5 || abs(hit.score - tenth) < 1e-5,
                            "query \(q) rank \(rank): \(hit.chunkID) instead of \(expected[rank])")
                }
            }
            #expect(Set(hits.map { Int($0.chunkID) }).count == 10)
        }
    }

    @Test("removing moves the last row into the hole and keeps ids straight")
    func swapRemove() throws {
        let index = try FlatIndex(dimension: 3, metric: .l2)
        try index.add(id: 10, vector: [0, 0, 0])
        try index.add(id: 20, vector: [1, 0, 0])
        try index.add(id: 30, vector: [5, 5, 5])
        #expect(index.remove(id: 10))
        #expect(index.count == 2)
        #expect(try index.search([5, 5, 5], k: 1) == [ScoredChunk(chunkID: 30, score: 0)])
        #expect(try index.search([1, 0, 0], k: 2).map(\.chunkID) == [20, 30])
        #expect(index.vector(for: 30) == [5, 5, 5])
        #expect(index.vector(for: 10) == nil)
        #expect(index.contains(id: 20) && !index.contains(id: 10))
    }

    @Test("ties are broken by id ascending")
    func ties() throws {
        let index = try FlatIndex(dimension: 2, metric: .innerProduct)
        for id: Int64 in [9, 3, 7, 1] { try index.add(id: id, vector: [1, 1]) }
        #expect(try index.search([1, 0], k: 3).map(\.chunkID) == [1, 3, 7])
        #expect(try index.search([1, 0], k: 3, allowing: [9, 7]).map(\.chunkID) == [7, 9])
    }

    @Test("concurrent readers see well-formed results while a writer adds and removes", Fixtures.needsShared)
    func concurrentReaders() async throws {
        let data = try MSMarcoVectors.load()
        let index = try FlatIndex(dimension: 384)
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                for row in 0 ..< 1500 { try? index.add(id: Int64(row), vector: data.base[row]) }
                for row in stride(from: 0, to: 1500, by: 3) { index.remove(id: Int64(row)) }
                return true
            }
            for reader in 0 ..< 4 {
                group.addTask {
                    var ok = true
                    for i in 0 ..< 150 {
                        guard let hits = try? index.search(data.queries[(reader * 150 + i) % 50], k: 10) else { return false }
                        ok = ok && isWellFormed(hits, k: 10) && hits.allSatisfy { (0 ..< 1500).contains($0.chunkID) }
                    }
                    return ok
                }
            }
            for await ok in group { #expect(ok) }
        }
        #expect(index.count == 1000)
    }
}
