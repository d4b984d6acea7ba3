import Foundation
import QuarryIndex
import QuarryTesting
import Testing
@testable import QuarryFuzzTargets

/// The fuzz targets' seeds and every input that once crashed one (Fuzz/regressions/<target>)
/// run through the targets on every `swift test`, so a fixed crash stays fixed without a
/// fuzzer build.
@Suite struct FuzzReplayTests {
    static func inputs(_ folder: String, _ target: String) -> [URL] {
        let url = Fixtures.packageRoot().appendingPathComponent("Fuzz/\(folder)/\(target)")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
        return names.sorted().map { url.appendingPathComponent($0) }
    }

    @Test("every target has seeds, and every seed and past crash runs through its target", arguments: FuzzTargets.names)
    func replay(target: String) throws {
        let seeds = Self.inputs("seeds", target)
        #expect(!seeds.isEmpty, "Fuzz/seeds/\(target) is empty")
        for url in seeds + Self.inputs("regressions", target) {
            FuzzTargets.run(target, Array(try Data(contentsOf: url)))
        }
    }

    @Test("re-signing keeps a valid index valid, so fuzzed inputs reach the parsers behind the checksum")
    func resigning() throws {
        let bm25 = try #require(Self.inputs("seeds", "bm25").first)
        let original = Array(try Data(contentsOf: bm25))
        #expect(FuzzTargets.resigned(original, endMagic: "QBM25END") == original)
        var damaged = original
        damaged[damaged.count / 2] ^= 0x01
        // The checksum passes after re-signing; whatever the parser makes of the flipped bit,
        // it answers with a value or an error.
        try FuzzTargets.withScratch(FuzzTargets.resigned(damaged, endMagic: "QBM25END")) { url in _ = try? BM25Reader(path: url.path) }
        let hnsw = try #require(Self.inputs("seeds", "hnsw").first)
        let image = Array(try Data(contentsOf: hnsw))
        #expect(FuzzTargets.resigned(image, endMagic: "QHNSWEND") == image)
        #expect(try HNSWIndex(decoding: image).count == 3)
    }
}
