/// Vectors packed row-major into one contiguous `[Double]`, with the blocked pairwise
/// squared-distance kernel the MMD and the domain classifier run on.
///
/// Embeddings arrive as `[[Float]]`; they are widened to `Double` once so distances and kernel
/// sums match a float64 NumPy reference to ~1e-12, and packed so the hot loops walk
/// `UnsafeBufferPointer`s instead of nested arrays.
struct PackedVectors: Sendable {
    var values: [Double]
    var count: Int
    var dimension: Int

    init<T: BinaryFloatingPoint>(_ groups: [[T]]..., dimension: Int) {
        let total = groups.reduce(0) { $0 + $1.count }
        var values = [Double]()
        values.reserveCapacity(total * dimension)
        for group in groups {
            for vector in group { for x in vector { values.append(Double(x)) } }
        }
        self.values = values
        self.count = total
        self.dimension = dimension
    }

    /// Rows picked by index, in that order.
    func subset(_ indices: [Int]) -> PackedVectors {
        var copy = self
        copy.values = []
        copy.values.reserveCapacity(indices.count * dimension)
        for i in indices { copy.values.append(contentsOf: values[(i * dimension)..<((i + 1) * dimension)]) }
        copy.count = indices.count
        return copy
    }

    /// Rows per tile side: 64 rows × 384 dims × 8 bytes ≈ 200 KB, so a pair of tiles stays in L2.
    static let tile = 64

    /// Calls `body(i, j, ‖xᵢ − xⱼ‖²)` for every pair i < j, tile by tile so each tile of rows is
    /// reused from cache across a tile of columns.
    ///
    /// Distances are summed as Σ(xᵢₖ − xⱼₖ)² with four interleaved accumulators, not as
    /// ‖x‖² + ‖y‖² − 2x·y, which would cancel catastrophically for near neighbours.
    func forEachPair(_ body: (Int, Int, Double) -> Void) {
        let n = count, d = dimension, tile = Self.tile
        values.withUnsafeBufferPointer { data in
            guard let base = data.baseAddress else { return }
            var rowStart = 0
            while rowStart < n {
                let rowEnd = min(rowStart + tile, n)
                var columnStart = rowStart
                while columnStart < n {
                    let columnEnd = min(columnStart + tile, n)
                    for i in rowStart..<rowEnd {
                        let x = base + i * d
                        for j in max(columnStart, i + 1)..<max(columnEnd, i + 1) {
                            body(i, j, Self.squaredDistance(x, base + j * d, d))
                        }
                    }
                    columnStart = columnEnd
                }
                rowStart = rowEnd
            }
        }
    }

    @inline(__always)
    static func squaredDistance(_ x: UnsafePointer<Double>, _ y: UnsafePointer<Double>, _ d: Int) -> Double {
        var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
        var k = 0
        while k + 4 <= d {
            let a = x[k] - y[k], b = x[k + 1] - y[k + 1], c = x[k + 2] - y[k + 2], e = x[k + 3] - y[k + 3]
            s0 += a * a
            s1 += b * b
            s2 += c * c
            s3 += e * e
            k += 4
        }
        while k < d {
            let a = x[k] - y[k]
            s0 += a * a
            k += 1
        }
        return (s0 + s1) + (s2 + s3)
    }
}
