import Foundation
import QuarryCore
@testable import QuarryIndex
import QuarryTesting
import Testing

@Suite struct HNSWIndexTests {
    /// The 5,000 msmarco vectors in an HNSW index with default knobs (ids = row numbers),
    /// its file image, and the exact answers, built once for the suite.
    struct Fixture: Sendable {
        let data: MSMarcoVectors
        let index: HNSWIndex
        let bytes: [UInt8]
        let exact: FlatIndex
        let truth: [[ScoredChunk]]

        static let shared: Result<Fixture, any Error> = Result {
            let data = try MSMarcoVectors.load()
            let index = try HNSWIndex(dimension: 384, metric: .cosine)
            try index.add(ids: data.base.indices.map { Int64($0) }, vectors: data.base)
            let exact = try data.flatIndex(rows: data.base.indices)
            return Fixture(data: data, index: index, bytes: try index.encoded(generation: 42, embedderID: "test-embedder"),
                           exact: exact, truth: try data.queries.map { try exact.search($0, k: 10) })
        }

        /// 600 msmarco vectors: a small file image for the damage tests.
        static let small: Result<[UInt8], any Error> = Result {
            let data = try MSMarcoVectors.load()
            let index = try HNSWIndex(dimension: 384, metric: .cosine, configuration: .init(connectivity: 8, expansionAdd: 64))
            try index.add(ids: (0 ..< 600).map { Int64($0) * 10 }, vectors: Array(data.base[0 ..< 600]))
            index.remove(id: 50)
            return try index.encoded(generation: 1, embedderID: "small")
        }
    }

    func search(_ index: HNSWIndex, _ queries: [[Float]], filter: VectorFilter? = nil) throws -> [[ScoredChunk]] {
        try queries.map { try index.search($0, k: 10, filter: filter) }
    }

    // MARK: Basics

    @Test("VectorIndex conformance", arguments: VectorMetric.allCases)
    func conformance(metric: VectorMetric) throws {
        try checkVectorIndexConformance(metric: metric) { try HNSWIndex(dimension: $0, metric: $1) }
    }

    @Test("Configuration defaults and validate()")
    func configuration() throws {
        let defaults = HNSWIndex.Configuration()
        #expect(defaults.connectivity == 16 && defaults.expansionAdd == 200 && defaults.expansionSearch == 64)
        try defaults.validate()
        for bad in [HNSWIndex.Configuration(connectivity: 1), .init(connectivity: 1000), .init(expansionAdd: 0),
                    .init(expansionSearch: 0), .init(exactFilterFraction: 1.5), .init(exactFilterScale: -1),
                    .init(filteredExpansionFactor: 0.5), .init(compactionThreshold: 0), .init(compactionThreshold: .nan)] {
            #expect(throws: IndexError.self) { try bad.validate() }
            #expect(throws: IndexError.self) { try HNSWIndex(dimension: 8, configuration: bad) }
        }
        #expect(throws: IndexError.self) { try HNSWIndex(dimension: 0) }
        let index = try HNSWIndex(dimension: 4)
        #expect(throws: IndexError.self) { try index.search([1, 2, 3, 4], k: 1, expansionSearch: 0) }
        #expect(throws: IndexError.self) { try index.add(ids: [1, 2], vectors: [[1, 2, 3, 4]]) }
    }

    @Test("builds are deterministic for a seed")
    func deterministic() throws {
        let vectors = randomVectors(count: 300, dimension: 16, seed: 3)
        func build(seed: UInt64) throws -> [UInt8] {
            let index = try HNSWIndex(dimension: 16, configuration: .init(seed: seed))
            try index.add(ids: vectors.indices.map { Int64($0) }, vectors: vectors)
            try index.checkInvariants()
            return try index.encoded(generation: 0, embedderID: "")
        }
        #expect(try build(seed: 5) == build(seed: 5))
        #expect(try build(seed: 5) != build(seed: 6))
    }

    @Test("removing every vector empties the index, which then accepts new ones")
    func removeAll() throws {
        let index = try HNSWIndex(dimension: 8, metric: .l2)
        let vectors = randomVectors(count: 50, dimension: 8, seed: 9)
        try index.add(ids: (0 ..< 50).map { Int64($0) }, vectors: vectors)
        for id in 0 ..< 50 { #expect(index.remove(id: Int64(id))) }
        #expect(index.count == 0)
        #expect(try index.search(vectors[0], k: 5).isEmpty)
        try index.checkInvariants()
        try index.add(id: 7, vector: vectors[3])
        #expect(try index.search(vectors[3], k: 5).map(\.chunkID) == [7])
        try index.checkInvariants()
    }

    // MARK: Recall on msmarco

    @Test("recall@10 ≥ 0.95 vs FlatIndex at the default ef (5,000 × 384 msmarco)", Fixtures.needsShared)
    func recallAtDefaultExpansion() throws {
        let fixture = try Fixture.shared.get()
        try fixture.index.checkInvariants()
        #expect(fixture.index.count == 5000)
        let results = try search(fixture.index, fixture.data.queries)
        #expect(results.allSatisfy { isWellFormed($0, k: 10) && $0.count == 10 })
        let measured = recall(results, fixture.truth)
        #expect(measured >= 0.95, "recall@10 \(measured)")
        // Scores are the exact cosine similarities of the returned ids.
        for (query, hits) in zip(fixture.data.queries, results) {
            for hit in hits.prefix(3) {
                #expect(abs(Double(hit.score) - referenceScore(.cosine, query, fixture.data.base[Int(hit.chunkID)])) < 1e-4)
            }
        }
    }

    @Test("after deleting 30 % (seeded), recall vs the flat index over the rest stays ≥ 0.95", Fixtures.needsShared)
    func deletions() throws {
        let fixture = try Fixture.shared.get()
        var generator = SplitMix64(seed: 2024)
        let deleted = Array(fixture.data.base.indices.shuffled(using: &generator).prefix(1500))
        let deletedSet = Set(deleted.map { Int64($0) })
        let remaining = try fixture.data.flatIndex(rows: fixture.data.base.indices.filter { !deletedSet.contains(Int64($0)) })
        let truth = try fixture.data.queries.map { try remaining.search($0, k: 10) }

        // Tombstones only: deleted nodes keep routing.
        var manual = HNSWIndex.Configuration()
        manual.compactionThreshold = nil
        let tombstoned = try HNSWIndex(decoding: fixture.bytes, configuration: manual)
        for id in deleted { #expect(tombstoned.remove(id: Int64(id))) }
        #expect(tombstoned.count == 3500 && tombstoned.tombstoneCount == 1500)
        let withTombstones = try search(tombstoned, fixture.data.queries)
        #expect(withTombstones.allSatisfy { $0.count == 10 && !$0.contains { deletedSet.contains($0.chunkID) } })
        #expect(recall(withTombstones, truth) >= 0.95, "recall with tombstones \(recall(withTombstones, truth))")
        try tombstoned.checkInvariants()

        // Default knobs: compaction runs by itself at 25 %, and again on request.
        let compacting = try HNSWIndex(decoding: fixture.bytes)
        for id in deleted { compacting.remove(id: Int64(id)) }
        #expect(compacting.count == 3500)
        #expect(compacting.tombstoneCount == 250)
        try compacting.checkInvariants()
        let afterAutomatic = try search(compacting, fixture.data.queries)
        #expect(recall(afterAutomatic, truth) >= 0.95, "recall after automatic compaction \(recall(afterAutomatic, truth))")
        compacting.compact()
        #expect(compacting.tombstoneCount == 0 && compacting.count == 3500)
        try compacting.checkInvariants()
        let afterCompaction = try search(compacting, fixture.data.queries)
        #expect(afterCompaction.allSatisfy { $0.count == 10 && !$0.contains { deletedSet.contains($0.chunkID) } })
        #expect(recall(afterCompaction, truth) >= 0.95, "recall after compact() \(recall(afterCompaction, truth))")
        // A compacted index still takes inserts.
        try compacting.add(id: Int64(deleted[0]), vector: fixture.data.base[deleted[0]])
        #expect(try compacting.search(fixture.data.base[deleted[0]], k: 1).first?.chunkID == Int64(deleted[0]))
    }

    // MARK: Filters

    @Test("a 1 % allow-list keeps recall ≥ 0.95 (exact scan of the allowed ids)", Fixtures.needsShared)
    func selectiveFilter() throws {
        let fixture = try Fixture.shared.get()
        var generator = SplitMix64(seed: 77)
        let allowed = Set(fixture.data.base.indices.shuffled(using: &generator).prefix(50).map { Int64($0) })
        for filter in [VectorFilter(allowing: allowed), VectorFilter { allowed.contains($0) }] {
            let truth = try fixture.data.queries.map { try fixture.exact.search($0, k: 10, filter: filter) }
            let results = try search(fixture.index, fixture.data.queries, filter: filter)
            #expect(results.allSatisfy { $0.count == 10 && isWellFormed($0, k: 10) && $0.allSatisfy { allowed.contains($0.chunkID) } })
            #expect(recall(results, truth) >= 0.95, "recall \(recall(results, truth))")
        }
    }

    @Test("a 10 % allow-list through the graph (traversing disallowed nodes) keeps recall ≥ 0.95", Fixtures.needsShared)
    func graphFilter() throws {
        let fixture = try Fixture.shared.get()
        var graphOnly = HNSWIndex.Configuration()
        graphOnly.exactFilterFraction = 0
        graphOnly.exactFilterScale = 0
        let index = try HNSWIndex(decoding: fixture.bytes, configuration: graphOnly)
        var generator = SplitMix64(seed: 78)
        let allowed = Set(fixture.data.base.indices.shuffled(using: &generator).prefix(500).map { Int64($0) })
        let filter = VectorFilter(allowing: allowed)
        let truth = try fixture.data.queries.map { try fixture.exact.search($0, k: 10, filter: filter) }
        let results = try search(index, fixture.data.queries, filter: filter)
        #expect(results.allSatisfy { $0.count == 10 && $0.allSatisfy { allowed.contains($0.chunkID) } })
        #expect(recall(results, truth) >= 0.95, "recall \(recall(results, truth))")
    }

    // MARK: Persistence

    @Test("encode → load gives identical results, the same bytes again, and a readable header", Fixtures.needsShared)
    func roundTrip() throws {
        let fixture = try Fixture.shared.get()
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let url = try dir.write("vectors.42.hnsw", Data(fixture.bytes))
        let header = try HNSWFile.readHeader(at: url.path)
        #expect(header.version == HNSWFile.version && header.metric == .cosine && header.dimension == 384)
        #expect(header.nodeCount == 5000 && header.liveCount == 5000 && header.generation == 42)
        #expect(header.embedderID == "test-embedder" && header.configuration == fixture.index.configuration)
        let loaded = try HNSWIndex(path: url.path, expectedEmbedderID: "test-embedder")
        try loaded.checkInvariants()
        #expect(try search(loaded, fixture.data.queries) == search(fixture.index, fixture.data.queries))
        let filter = VectorFilter(allowing: Set((0 ..< 2000).map { Int64($0) }))
        #expect(try search(loaded, fixture.data.queries, filter: filter) == search(fixture.index, fixture.data.queries, filter: filter))
        #expect(try loaded.encoded(generation: 42, embedderID: "test-embedder") == fixture.bytes)
        let mismatch = #expect(throws: IndexError.self) { try HNSWIndex(path: url.path, expectedEmbedderID: "other") }
        #expect(mismatch?.code == .mismatch)
        #expect(throws: IndexError.self) { try fixture.index.encoded(generation: 1, embedderID: String(repeating: "x", count: 65)) }
        #expect(throws: IndexError.self) { try HNSWIndex(path: dir.url.appendingPathComponent("missing.hnsw").path) }
        #expect(throws: IndexError.self) { try HNSWFile.readHeader(at: try dir.write("junk.hnsw", Data("not an index".utf8)).path) }
    }

    @Test("a flipped byte anywhere is detected", Fixtures.needsShared, arguments: ["magic", "version", "metric", "counts", "offsets", "embedder",
                                                          "ids", "vectors", "links0", "upper", "levels", "tombstones",
                                                          "padding", "checksum", "end magic"])
    func flippedByte(at section: String) throws {
        let bytes = try Fixture.small.get()
        let layout = try bytes.withUnsafeBytes { try HNSWFile.parseHeader($0, path: "") }.layout
        let offsets = ["magic": 2, "version": 9, "metric": 12, "counts": 49, "offsets": 140, "embedder": 200,
                       "ids": layout.ids + 17, "vectors": layout.vectors + 1001, "links0": layout.links0 + 77,
                       "upper": layout.upper + 5, "levels": layout.levels + 3, "tombstones": layout.tombstones + 50,
                       "padding": layout.footer - 1, "checksum": layout.footer + 10, "end magic": bytes.count - 1]
        var damaged = bytes
        damaged[offsets[section]!] ^= 0x10
        #expect(throws: IndexError.self) { try HNSWIndex(decoding: damaged) }
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let url = try dir.write("damaged.hnsw", Data(damaged))
        #expect(throws: IndexError.self) { try HNSWIndex(path: url.path) }
    }

    @Test("a truncated file is detected", Fixtures.needsShared, arguments: [0, 1, 100, 255, 256, 1000, -41, -40, -1])
    func truncated(length: Int) throws {
        let bytes = try Fixture.small.get()
        let cut = Array(bytes.prefix(length >= 0 ? length : bytes.count + length))
        #expect(throws: IndexError.self) { try HNSWIndex(decoding: cut) }
        #expect(throws: IndexError.self) { try HNSWIndex(decoding: bytes + [0]) }
    }

    /// Damage that keeps a valid checksum (as a crafted file would).
    enum Craft: String, CaseIterable, Sendable {
        case neighbourOutOfRange, selfLink, listTooLong, levelAboveMaximum, upperLinkToLowerNode, nonFiniteVector,
             duplicateLiveID, tombstoneFlag, liveCount, nodeCount, entryPoint, metric, connectivity, version
    }

    @Test("crafted files with a valid checksum are refused, never trusted", Fixtures.needsShared, arguments: Craft.allCases)
    func crafted(_ craft: Craft) throws {
        var bytes = try Fixture.small.get()
        let header = try bytes.withUnsafeBytes { try HNSWFile.parseHeader($0, path: "") }
        let layout = header.layout, stride0 = header.connectivity0 + 1, strideUpper = header.configuration.connectivity + 1
        func put32(_ value: UInt32, _ at: Int) { withUnsafeBytes(of: value.littleEndian) { bytes.replaceSubrange(at ..< at + 4, with: $0) } }
        func put64(_ value: UInt64, _ at: Int) { withUnsafeBytes(of: value.littleEndian) { bytes.replaceSubrange(at ..< at + 8, with: $0) } }
        let levels = Array(bytes[layout.levels ..< layout.levels + header.nodeCount])
        switch craft {
        case .neighbourOutOfRange: put32(UInt32(header.nodeCount + 3), layout.links0 + 4)
        case .selfLink: put32(0, layout.links0 + 4)
        case .listTooLong: put32(UInt32(stride0), layout.links0)
        case .levelAboveMaximum: bytes[layout.levels] = UInt8(header.maxLevel + 1)
        case .upperLinkToLowerNode:
            let upper = levels.firstIndex { $0 > 0 }!, low = levels.firstIndex(of: 0)!
            let at = layout.upper + 4 * strideUpper * levels[..<upper].reduce(0) { $0 + Int($1) }
            put32(max(1, bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: at, as: UInt32.self) }), at)
            put32(UInt32(low), at + 4)
        case .nonFiniteVector: put32(Float.nan.bitPattern, layout.vectors + 8)
        case .duplicateLiveID: put64(0, layout.ids + 8 * 1)
        case .tombstoneFlag: bytes[layout.tombstones + 3] = 2
        case .liveCount: put64(UInt64(header.liveCount + 1), 56)
        case .nodeCount: put64(UInt64(header.nodeCount + 1), 48)
        case .entryPoint: put32(UInt32(header.nodeCount), 40)
        case .metric: put32(9, 12)
        case .connectivity: put32(1, 20)
        case .version: put32(HNSWFile.version + 1, 8)
        }
        HNSWFile.seal(&bytes)
        do {
            _ = try HNSWIndex(decoding: bytes)
            Issue.record("\(craft) was accepted")
        } catch let error as IndexError {
            #expect(error.code == (craft == .version ? .unsupportedVersion : .corrupt), "\(error)")
        }
    }

    // MARK: Concurrency

    @Test("concurrent readers see only well-formed results while a writer inserts and removes", Fixtures.needsShared)
    func concurrentReaders() async throws {
        let data = try MSMarcoVectors.load()
        let index = try HNSWIndex(dimension: 384, configuration: .init(expansionAdd: 64))
        let allowed = Set((0 ..< 1200).filter { $0 % 40 == 0 }.map { Int64($0) })
        let results = await withTaskGroup(of: Bool.self, returning: [Bool].self) { group in
            group.addTask {
                for row in 0 ..< 1200 { try? index.add(id: Int64(row), vector: data.base[row]) }
                for row in stride(from: 0, to: 400, by: 4) { index.remove(id: Int64(row)) }
                return true
            }
            for reader in 0 ..< 4 {
                group.addTask {
                    var ok = true
                    for i in 0 ..< 120 {
                        let query = data.queries[(reader * 120 + i) % data.queries.count]
                        let filter: VectorFilter? = switch i % 3 {
                        case 0: nil
                        case 1: VectorFilter(allowing: allowed)
                        default: VectorFilter { $0 % 2 == 1 }
                        }
                        guard let hits = try? index.search(query, k: 10, filter: filter) else { return false }
                        ok = ok && isWellFormed(hits, k: 10) && hits.allSatisfy { (0 ..< 1200).contains($0.chunkID) && $0.score <= 1.0001 }
                            && hits.allSatisfy { filter?.allows($0.chunkID) ?? true }
                    }
                    return ok
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.allSatisfy { $0 })
        #expect(index.count == 1100)
        try index.checkInvariants()
        let removed = Set(stride(from: 0, to: 400, by: 4).map { Int64($0) })
        for query in data.queries { #expect(try !index.search(query, k: 50).contains { removed.contains($0.chunkID) }) }
    }
}
