@testable import QuarryIndex
import Testing

@Suite struct DistanceKernelTests {
    /// Dimensions covering every tail of the SIMD blocking (32, 16, 8, 4, scalar).
    static let dimensions = [1, 3, 4, 7, 8, 15, 16, 17, 31, 32, 33, 63, 100, 383, 384, 385, 768, 1000]

    @Test("C, SIMD and unrolled kernels match the Double reference", arguments: dimensions)
    func kernelsAgree(dimension: Int) {
        let vectors = randomVectors(count: 8, dimension: dimension, seed: UInt64(dimension))
        for form in [DistanceKernel.Form.negativeInnerProduct, .squaredEuclidean] {
            for i in 0 ..< 4 {
                vectors[i].withUnsafeBufferPointer { a in
                    vectors[i + 4].withUnsafeBufferPointer { b in
                        let a = a.baseAddress!, b = b.baseAddress!
                        let reference = DistanceKernel.referenceDistance(form, a, b, dimension)
                        // Error bound for float32 sums: n · ε · Σ|terms|, with Σ|terms| ≤ 4n for inputs in [-1, 1].
                        let tolerance = 1e-6 * Double(dimension) * 4 + 1e-6
                        let simd: Float, unrolled: Float
                        switch form {
                        case .negativeInnerProduct:
                            simd = -DistanceKernel.simdInnerProduct(a, b, dimension)
                            unrolled = -DistanceKernel.unrolledInnerProduct(a, b, dimension)
                        case .squaredEuclidean:
                            simd = DistanceKernel.simdSquaredEuclidean(a, b, dimension)
                            unrolled = DistanceKernel.unrolledSquaredEuclidean(a, b, dimension)
                        }
                        let metric: VectorMetric = form == .squaredEuclidean ? .l2 : .innerProduct
                        let c = DistanceKernel(metric: metric, dimension: dimension).distance(a, b)
                        #expect(abs(Double(c) - reference) <= tolerance, "C \(form) at \(dimension)")
                        #expect(abs(Double(simd) - reference) <= tolerance, "SIMD \(form) at \(dimension)")
                        #expect(abs(Double(unrolled) - reference) <= tolerance, "unrolled \(form) at \(dimension)")
                    }
                }
            }
        }
    }

    @Test("the batched kernel gives each row the distance the single-pair kernel gives", arguments: dimensions)
    func batchedRows(dimension: Int) {
        let rows = randomVectors(count: 9, dimension: dimension, seed: UInt64(dimension) &+ 1000)
        let matrix = rows.dropFirst().flatMap { $0 }
        let order: [UInt32] = [7, 0, 3, 3, 5, 1, 6, 2, 4]
        for metric in [VectorMetric.innerProduct, .l2] {
            let kernel = DistanceKernel(metric: metric, dimension: dimension)
            for count in [0, 1, order.count] {
                var output = [Float](repeating: .nan, count: order.count)
                rows[0].withUnsafeBufferPointer { query in
                    matrix.withUnsafeBufferPointer { matrix in
                        order.withUnsafeBufferPointer { ids in
                            output.withUnsafeMutableBufferPointer { output in
                                kernel.distances(query.baseAddress!, rows: ids.baseAddress!, count: count, of: matrix.baseAddress!,
                                                 into: output.baseAddress!)
                                for i in 0 ..< count {
                                    let single = kernel.distance(query.baseAddress!, matrix.baseAddress! + Int(order[i]) * dimension)
                                    #expect(output[i] == single, "\(metric) row \(i) at \(dimension)")
                                }
                            }
                        }
                    }
                }
                let untouched = output[count...].allSatisfy { $0.isNaN }
                #expect(untouched, "rows past count are untouched")
            }
        }
    }

    @Test("the kernel is chosen from the metric, and scores are negated distances", arguments: VectorMetric.allCases)
    func metricForms(metric: VectorMetric) {
        let kernel = DistanceKernel(metric: metric, dimension: 3)
        #expect(kernel.form == (metric == .l2 ? .squaredEuclidean : .negativeInnerProduct))
        let a: [Float] = [1, 2, 3], b: [Float] = [4, -5, 6]
        let expected: Float = metric == .l2 ? -(9 + 49 + 9) : 4 - 10 + 18
        #expect(kernel.score(a, b) == expected)
    }

    @Test("cosine inputs are normalised; zero and non-finite vectors are refused")
    func preparation() throws {
        let prepared = try VectorInput.prepare([3, 4], dimension: 2, metric: .cosine, role: "vector")
        #expect(abs(prepared[0] - 0.6) < 1e-7 && abs(prepared[1] - 0.8) < 1e-7)
        #expect(try VectorInput.prepare([3, 4], dimension: 2, metric: .l2, role: "vector") == [3, 4])
        #expect(throws: IndexError.self) { try VectorInput.prepare([0, 0], dimension: 2, metric: .cosine, role: "vector") }
        #expect(throws: IndexError.self) { try VectorInput.prepare([1, .nan], dimension: 2, metric: .l2, role: "vector") }
        #expect(throws: IndexError.self) { try VectorInput.prepare([1], dimension: 2, metric: .l2, role: "vector") }
        // A denormal-only vector has a representable norm but would overflow 1/norm in Float.
        let tiny = try? VectorInput.prepare([.leastNonzeroMagnitude, 0], dimension: 2, metric: .cosine, role: "vector")
        #expect(tiny == nil || tiny!.allSatisfy(\.isFinite))
    }
}
