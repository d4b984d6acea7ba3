import CKernels
import Foundation
import QuarryCore
import Testing

/// CKernels' qk_dense, the dense layers of a short sequence: every body the CPU has must give
/// the product of a plain double-precision loop to within float rounding, at shapes that hit
/// the full tiles, the leftover rows and the leftover columns; the AVX2 and AVX-512 bodies
/// sum in the same order with FMA, so they must agree bit for bit.
@Suite(.serialized) struct DenseKernelTests {
    func product(_ a: [Float], _ b: [Float], bias: [Float]?, m: Int, n: Int, k: Int) -> [Float] {
        var c = [Float](repeating: .nan, count: m * n)
        if let bias {
            qk_dense(a, Int64(k), b, Int64(n), &c, Int64(n), Int32(m), Int32(n), Int32(k), bias)
        } else {
            qk_dense(a, Int64(k), b, Int64(n), &c, Int64(n), Int32(m), Int32(n), Int32(k), nil)
        }
        return c
    }

    @Test("every body matches a double-precision reference, with and without bias, at awkward shapes")
    func matchesReference() {
        var generator = SplitMix64(seed: 7)
        func value() -> Float { Float(Int(generator.next() % 2001) - 1000) / 1000 }
        let levels = Array(0 ... Int(qk_dense_level()))
        defer { qk_dense_force_level(-1) }
        for (m, n, k) in [(1, 1, 1), (1, 32, 384), (8, 1152, 384), (9, 40, 17), (3, 33, 64), (17, 95, 70), (32, 64, 5), (5, 7, 1536)] {
            let a = (0 ..< m * k).map { _ in value() }, b = (0 ..< k * n).map { _ in value() }
            let bias = (0 ..< n).map { _ in value() }
            for withBias in [false, true] {
                var results: [Int: [Float]] = [:]
                for level in levels {
                    qk_dense_force_level(Int32(level))
                    results[level] = product(a, b, bias: withBias ? bias : nil, m: m, n: n, k: k)
                }
                // The worst error of each body, as a share of what rounding may cost there.
                var worst = [Int: Double]()
                for i in 0 ..< m {
                    for j in 0 ..< n {
                        var sum = withBias ? Double(bias[j]) : 0, magnitude = abs(sum)
                        for p in 0 ..< k {
                            sum += Double(a[i * k + p]) * Double(b[p * n + j])
                            magnitude += abs(Double(a[i * k + p]) * Double(b[p * n + j]))
                        }
                        for level in levels {
                            let error = abs(Double(results[level]![i * n + j]) - sum) / (1e-5 * magnitude + 1e-7)
                            worst[level] = max(worst[level] ?? 0, error.isNaN ? .infinity : error)
                        }
                    }
                }
                for level in levels {
                    #expect(worst[level]! <= 1, "level \(level), \(m)×\(n)×\(k), bias \(withBias): error \(worst[level]!)× the allowance")
                }
                if levels.count == 3 { #expect(results[1] == results[2], "the AVX2 and AVX-512 bodies differ at \(m)×\(n)×\(k)") }
            }
        }
    }

    @Test("a transposed matrix reads back as the original's columns")
    func transpose() {
        for (rows, cols) in [(1, 1), (3, 5), (32, 32), (33, 70), (384, 1152)] {
            let source = (0 ..< rows * cols).map(Float.init)
            var out = [Float](repeating: -1, count: rows * cols)
            qk_transpose(source, &out, Int32(rows), Int32(cols))
            var ok = true
            for r in 0 ..< rows { for c in 0 ..< cols where out[c * rows + r] != source[r * cols + c] { ok = false } }
            #expect(ok, "\(rows)×\(cols)")
        }
    }
}
