import Foundation
import QuarryCore
@testable import QuarryIndex
import QuarryTesting
import Testing

/// The msmarco MiniLM vectors in `../shared/vectors/msmarco-minilm` (5,000 passages and 50
/// queries, 384-d, normalised; gt100 holds each query's exact top 100 by inner product).
struct MSMarcoVectors: Sendable {
    let base: [[Float]]
    let queries: [[Float]]
    /// Row indices into `base`, best first.
    let groundTruth: [[Int]]
    let groundTruthScores: [[Float]]

    /// Loaded once for the whole test run.
    static let shared: Result<MSMarcoVectors, any Error> = Result {
        let folder = Fixtures.shared(file: #filePath).appendingPathComponent("vectors/msmarco-minilm")
        return try MSMarcoVectors(
            base: VectorFiles.read(folder.appendingPathComponent("base.fvecs"), as: Float.self),
            queries: VectorFiles.read(folder.appendingPathComponent("query.fvecs"), as: Float.self),
            groundTruth: VectorFiles.read(folder.appendingPathComponent("gt100.ivecs"), as: Int32.self).map { $0.map(Int.init) },
            groundTruthScores: VectorFiles.read(folder.appendingPathComponent("gt100_scores.fvecs"), as: Float.self))
    }

    static func load() throws -> MSMarcoVectors { try shared.get() }

    /// An exact index over `base` (ids = row numbers).
    func flatIndex(rows: some Sequence<Int>) throws -> FlatIndex {
        let index = try FlatIndex(dimension: 384, metric: .cosine)
        for row in rows { try index.add(id: Int64(row), vector: base[row]) }
        return index
    }
}

/// Readers for the `.fvecs` / `.ivecs` layout: per vector an Int32 length, then the values.
enum VectorFiles {
    static func read<T: BitwiseCopyable>(_ url: URL, as type: T.Type) throws -> [[T]] {
        let data = try Data(contentsOf: url)
        return try data.withUnsafeBytes { raw in
            var rows: [[T]] = []
            var offset = 0
            while offset < raw.count {
                guard offset + 4 <= raw.count else { throw IndexError(.corrupt, path: url.path, "truncated row header") }
                let length = Int(raw.loadUnaligned(fromByteOffset: offset, as: Int32.self))
                offset += 4
                guard length >= 0, offset + length * 4 <= raw.count else { throw IndexError(.corrupt, path: url.path, "truncated row") }
                rows.append((0 ..< length).map { raw.loadUnaligned(fromByteOffset: offset + $0 * 4, as: T.self) })
                offset += length * 4
            }
            return rows
        }
    }
}

/// The share of `truth`'s top `k` ids that `results` found, over all queries.
func recall(_ results: [[ScoredChunk]], _ truth: [[ScoredChunk]], k: Int = 10) -> Double {
    var found = 0, total = 0
    for (got, expected) in zip(results, truth) {
        let wanted = Set(expected.prefix(k).map(\.chunkID))
        found += got.prefix(k).filter { wanted.contains($0.chunkID) }.count
        total += wanted.count
    }
    return total == 0 ? 1 : Double(found) / Double(total)
}

/// Deterministic pseudo-random vectors for small tests.
func randomVectors(count: Int, dimension: Int, seed: UInt64) -> [[Float]] {
    var generator = SplitMix64(seed: seed)
    return (0 ..< count).map { _ in (0 ..< dimension).map { _ in Float(generator.nextUnitInterval() * 2 - 1) } }
}

/// A vector index that can be written to: both implementations, for the shared checks.
protocol WritableVectorIndex: VectorIndex {
    func add(id: Int64, vector: [Float]) throws
    @discardableResult func remove(id: Int64) -> Bool
}

extension FlatIndex: WritableVectorIndex {}
extension HNSWIndex: WritableVectorIndex {}

/// Whether `hits` are well formed: at most `k`, distinct ids, finite scores, ordered by
/// score descending with ties by id ascending.
func isWellFormed(_ hits: [ScoredChunk], k: Int) -> Bool {
    guard hits.count <= k, Set(hits.map(\.chunkID)).count == hits.count, hits.allSatisfy({ $0.score.isFinite }) else { return false }
    return zip(hits, hits.dropFirst()).allSatisfy { ScoredChunk.ranksBefore($0, $1) }
}

/// The score an index should report, computed in `Double` from the stored forms.
func referenceScore(_ metric: VectorMetric, _ query: [Float], _ vector: [Float]) -> Double {
    func normalised(_ v: [Float]) -> [Double] {
        let norm = v.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot()
        return v.map { Double($0) / norm }
    }
    switch metric {
    case .cosine: return zip(normalised(query), normalised(vector)).reduce(0) { $0 + $1.0 * $1.1 }
    case .innerProduct: return zip(query, vector).reduce(0) { $0 + Double($1.0) * Double($1.1) }
    case .l2: return -zip(query, vector).reduce(0) { $0 + (Double($1.0) - Double($1.1)) * (Double($1.0) - Double($1.1)) }
    }
}

/// The behaviour every `VectorIndex` promises, checked on 300 random 24-d vectors against a
/// brute-force reference computed here: ordering, scores, k bounds, filters, removal,
/// replacement and input validation.
func checkVectorIndexConformance(metric: VectorMetric, makeIndex: (Int, VectorMetric) throws -> any WritableVectorIndex) throws {
    let dimension = 24
    let index = try makeIndex(dimension, metric)
    #expect(index.dimension == dimension)
    #expect(index.metric == metric)
    #expect(try index.search([Float](repeating: 0.5, count: dimension), k: 5).isEmpty)

    let vectors = randomVectors(count: 300, dimension: dimension, seed: 42)
    for (row, vector) in vectors.enumerated() { try index.add(id: Int64(row) * 3, vector: vector) }
    #expect(index.count == 300)

    let queries = randomVectors(count: 20, dimension: dimension, seed: 7)
    for query in queries {
        let hits = try index.search(query, k: 10)
        #expect(hits.count == 10)
        #expect(isWellFormed(hits, k: 10))
        // Scores are the metric's, and the hits are the true top 10 (exact on 300 points).
        let reference = vectors.indices.map { (id: Int64($0) * 3, score: referenceScore(metric, query, vectors[$0])) }
            .sorted { $0.score > $1.score }
        for hit in hits {
            let expected = referenceScore(metric, query, vectors[Int(hit.chunkID) / 3])
            #expect(abs(Double(hit.score) - expected) <= 1e-4 * max(1, abs(expected)))
        }
        #expect(Set(hits.map(\.chunkID)) == Set(reference.prefix(10).map(\.id)))
    }
    // A stored vector finds itself first under cosine and l2.
    if metric != .innerProduct {
        #expect(try index.search(vectors[17], k: 1).first?.chunkID == 51)
    }
    // k bounds.
    #expect(try index.search(queries[0], k: 0).isEmpty)
    #expect(try index.search(queries[0], k: 1000).count == 300)
    #expect(throws: IndexError.self) { try index.search(queries[0], k: -1) }
    // Filters: an allow-list and a predicate return only allowed ids.
    let allowed: Set<Int64> = [3, 30, 300, 600, 897]
    let filtered = try index.search(queries[1], k: 3, allowing: allowed)
    #expect(filtered.count == 3 && filtered.allSatisfy { allowed.contains($0.chunkID) })
    let even = try index.search(queries[1], k: 10, filter: VectorFilter { $0 % 2 == 0 })
    #expect(even.count == 10 && even.allSatisfy { $0.chunkID % 2 == 0 } && isWellFormed(even, k: 10))
    #expect(try index.search(queries[1], k: 5, allowing: [123_456]).isEmpty)
    // Removal and replacement.
    let top = try index.search(queries[2], k: 1)[0].chunkID
    #expect(index.remove(id: top))
    #expect(!index.remove(id: top))
    #expect(!index.remove(id: 1))
    #expect(index.count == 299)
    #expect(try !index.search(queries[2], k: 50).contains { $0.chunkID == top })
    let replacedID: Int64 = top == 6 ? 9 : 6
    try index.add(id: replacedID, vector: queries[3])
    #expect(index.count == 299)
    let replaced = try index.search(queries[3], k: 1)
    if metric != .innerProduct { #expect(replaced.first?.chunkID == replacedID) }
    // Input validation.
    #expect(throws: IndexError.self) { try index.add(id: 1, vector: [Float](repeating: 1, count: dimension - 1)) }
    #expect(throws: IndexError.self) { try index.add(id: 1, vector: [Float](repeating: .nan, count: dimension)) }
    #expect(throws: IndexError.self) { try index.search([Float](repeating: .infinity, count: dimension), k: 1) }
    #expect(throws: IndexError.self) { try index.search([Float](repeating: 1, count: dimension + 1), k: 1) }
    if metric == .cosine {
        #expect(throws: IndexError.self) { try index.add(id: 1, vector: [Float](repeating: 0, count: dimension)) }
        #expect(throws: IndexError.self) { try index.search([Float](repeating: 0, count: dimension), k: 1) }
    }
    #expect(index.count == 299)
}
