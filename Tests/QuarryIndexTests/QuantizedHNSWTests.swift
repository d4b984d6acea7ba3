import Foundation
import QuarryCore
@testable import QuarryIndex
import QuarryTesting
import Testing

/// int8 serving (`VectorQuantization.int8`): SQ8 codes steer the graph search and the float
/// vectors rescore the beam, read in place from the mapped file.
@Suite struct QuantizedHNSWTests {
    typealias Fixture = HNSWIndexTests.Fixture

    func search(_ index: HNSWIndex, _ queries: [[Float]], ef: Int = 64, filter: VectorFilter? = nil) throws -> [[ScoredChunk]] {
        try queries.map { try index.search($0, k: 10, filter: filter, expansionSearch: ef) }
    }

    @Test("VectorIndex conformance with int8 (codes trained once 64 vectors are in)", arguments: VectorMetric.allCases)
    func conformance(metric: VectorMetric) throws {
        try checkVectorIndexConformance(metric: metric) { try HNSWIndex(dimension: $0, metric: $1, quantization: .int8) }
    }

    @Test("codes decode to within half a step of every component, clamping outside the trained range")
    func quantizer() {
        var generator = SplitMix64(seed: 9)
        let dimension = 40, count = 200
        var vectors: [Float] = []
        for i in 0 ..< count * dimension { vectors.append(Float(generator.nextUnitInterval() * 2 - 1) * Float(1 + (i % dimension) % 3)) }
        let trained = vectors.withUnsafeBufferPointer { ScalarQuantizer(dimension: dimension, vectors: $0.baseAddress!, count: count) { _ in true } }
        var codes = [UInt8](repeating: 0, count: dimension)
        var worst: Float = 0
        for node in 0 ..< count {
            vectors.withUnsafeBufferPointer { trained.encode($0.baseAddress! + node * dimension, into: &codes) }
            for d in 0 ..< dimension {
                let decoded = trained.low[d] + trained.step[d] * Float(codes[d])
                worst = max(worst, abs(decoded - vectors[node * dimension + d]) / trained.step[d])
            }
        }
        #expect(worst <= 0.5001, "worst error \(worst) steps")
        let outside = (0 ..< dimension).map { Float($0 % 2 == 0 ? 100 : -100) }
        outside.withUnsafeBufferPointer { trained.encode($0.baseAddress!, into: &codes) }
        #expect((0 ..< dimension).allSatisfy { codes[$0] == ($0 % 2 == 0 ? 255 : 0) })
        // A constant dimension gets step 0 and decodes to its value.
        let flat = [Float](repeating: 0.25, count: 3 * 2)
        let constant = flat.withUnsafeBufferPointer { ScalarQuantizer(dimension: 2, vectors: $0.baseAddress!, count: 3) { _ in true } }
        #expect(constant.step == [0, 0] && constant.low == [0.25, 0.25])
    }

    @Test("int8 recall@10 at ef 64 and 16 stays within 0.01 of float; scores are the exact cosines", Fixtures.needsShared)
    func recallAgainstFloat() throws {
        let fixture = try Fixture.shared.get()
        let int8 = try HNSWIndex(decoding: fixture.bytes, quantization: .int8)
        #expect(int8.quantization == .int8)
        for ef in [16, 64] {
            let float = recall(try search(fixture.index, fixture.data.queries, ef: ef), fixture.truth)
            let results = try search(int8, fixture.data.queries, ef: ef)
            let quantized = recall(results, fixture.truth)
            #expect(quantized >= float - 0.01, "ef \(ef): int8 recall \(quantized), float \(float)")
            #expect(results.allSatisfy { isWellFormed($0, k: 10) && $0.count == 10 })
            for (query, hits) in zip(fixture.data.queries, results) {
                for hit in hits.prefix(3) {
                    #expect(abs(Double(hit.score) - referenceScore(.cosine, query, fixture.data.base[Int(hit.chunkID)])) < 1e-4)
                }
            }
        }
        let filter = VectorFilter(allowing: Set((0 ..< 1000).map { Int64($0) }))
        let truth = try fixture.data.queries.map { try fixture.exact.search($0, k: 10, filter: filter) }
        let filtered = try search(int8, fixture.data.queries, filter: filter)
        #expect(filtered.allSatisfy { $0.allSatisfy { $0.chunkID < 1000 } })
        #expect(recall(filtered, truth) >= 0.95, "filtered int8 recall \(recall(filtered, truth))")
    }

    @Test("a mapped int8 load answers as the copied one, writes the same file, and copies its vectors out on the first add", Fixtures.needsShared)
    func mappedFile() throws {
        let fixture = try Fixture.shared.get()
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let url = try dir.write("vectors.42.hnsw", Data(fixture.bytes))
        let mapped = try HNSWIndex(path: url.path, expectedEmbedderID: "test-embedder", quantization: .int8)
        let copied = try HNSWIndex(decoding: fixture.bytes, quantization: .int8)
        mapped.lock.withReadLock { #expect(mapped.graph.vectorsMapping != nil && mapped.graph.codes != nil) }
        try mapped.checkInvariants()
        #expect(try search(mapped, fixture.data.queries) == search(copied, fixture.data.queries))
        #expect(try mapped.encoded(generation: 42, embedderID: "test-embedder") == fixture.bytes)

        var generator = SplitMix64(seed: 5)
        let extra = (0 ..< 384).map { _ in Float(generator.nextUnitInterval() - 0.5) }
        try mapped.add(id: 100_000, vector: extra)
        mapped.lock.withReadLock { #expect(mapped.graph.vectorsMapping == nil) }
        #expect(try mapped.search(extra, k: 1).first?.chunkID == 100_000)
        #expect(mapped.remove(id: 3))
        #expect(try !mapped.search(fixture.data.base[3], k: 10).contains { $0.chunkID == 3 })
        try mapped.checkInvariants()
    }

    @Test("int8 after deleting 30 % and compacting keeps recall ≥ 0.95", Fixtures.needsShared)
    func deletions() throws {
        let fixture = try Fixture.shared.get()
        var generator = SplitMix64(seed: 2024)
        let deleted = Set(fixture.data.base.indices.shuffled(using: &generator).prefix(1500).map { Int64($0) })
        let remaining = try fixture.data.flatIndex(rows: fixture.data.base.indices.filter { !deleted.contains(Int64($0)) })
        let truth = try fixture.data.queries.map { try remaining.search($0, k: 10) }
        let index = try HNSWIndex(decoding: fixture.bytes, quantization: .int8)
        for id in deleted { index.remove(id: id) }
        index.compact()
        index.lock.withReadLock { #expect(index.graph.codes != nil && index.graph.quantizedCount == 3500) }
        let results = try search(index, fixture.data.queries)
        #expect(results.allSatisfy { $0.count == 10 && !$0.contains { deleted.contains($0.chunkID) } })
        #expect(recall(results, truth) >= 0.95, "recall \(recall(results, truth))")
    }
}
