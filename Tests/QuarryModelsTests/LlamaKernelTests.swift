import CKernels
import Foundation
import QuarryCore
import Testing

/// CKernels' qllama: the AVX2 bodies and the portable ones must give the same bits (the
/// portable ones spell out llama.cpp's arithmetic one lane at a time), and the products must
/// be the dot products of the widened blocks to within rounding.
@Suite(.serialized) struct LlamaKernelTests {
    /// Runs `body` with the fastest bodies the CPU allows and then the portable ones; when
    /// the CPU has AVX-512 VNNI, also checks that the AVX2 bodies give what it gives.
    func both<T: Equatable>(_ body: () -> T) -> (T, T) {
        ql_force_portable(0)
        let fast = body()
        if ql_level() >= 2 {
            ql_force_level(1)
            let avx2 = body()
            ql_force_level(-1)
            #expect(avx2 == fast, "the AVX2 and AVX-512 VNNI bodies differ")
        }
        ql_force_portable(1)
        defer { ql_force_portable(0) }
        return (fast, body())
    }

    /// Weights in ggml blocks, built from random bytes with sane f16 scales.
    func blocks(type: Int32, rows: Int, blocksPerRow: Int, using g: inout SplitMix64) -> [UInt8] {
        let size = type == QL_Q4_1 ? 20 : type == QL_Q4_0 ? 18 : 34
        var out = [UInt8](repeating: 0, count: rows * blocksPerRow * size)
        for b in 0 ..< rows * blocksPerRow {
            let base = b * size
            for i in 0 ..< size { out[base + i] = UInt8(truncatingIfNeeded: g.next()) }
            let d = Float16(Float(g.next() % 1000 + 1) / 50_000).bitPattern
            out[base] = UInt8(d & 0xFF); out[base + 1] = UInt8(d >> 8)
            if type == QL_Q4_1 {
                let m = Float16(-Float(g.next() % 1000) / 20_000).bitPattern
                out[base + 2] = UInt8(m & 0xFF); out[base + 3] = UInt8(m >> 8)
            }
            if type == QL_Q8_0 { for i in 2 ..< 34 where out[base + i] == 0x80 { out[base + i] = 0x81 } }  // −128 is not a quantised value
        }
        return out
    }

    @Test("products on Q4_0, Q4_1 and Q8_0 blocks: the same bits on both paths, the widened dot product to rounding")
    func products() {
        var g = SplitMix64(seed: 11)
        for type in [Int32(QL_Q4_0), Int32(QL_Q4_1), Int32(QL_Q8_0)] {
            let rows = 13, perRow = 5, tokens = 11, columns = perRow * 32  // 8- and 4-row tiles, 8- and 2-token tiles, leftovers
            let w = blocks(type: type, rows: rows, blocksPerRow: perRow, using: &g)
            let x = (0 ..< tokens * columns).map { _ in Float(Int(g.next() % 2001) - 1000) / 300 }
            let activationBytes = type == QL_Q4_1 ? Int(QL_Q8_1_BYTES) : Int(QL_Q8_0_BYTES)
            let (fast, portable) = both { () -> [Float] in
                var a = [UInt8](repeating: 0, count: tokens * perRow * activationBytes)
                var out = [Float](repeating: 0, count: tokens * rows)
                if type == QL_Q4_1 { ql_quantize_q8_1(x, &a, Int64(x.count)) } else { ql_quantize_q8_0(x, &a, Int64(x.count)) }
                #expect(ql_gemm(type, w, Int64(rows), Int64(perRow), a, Int64(tokens), &out, Int64(rows)) == 0)
                return out
            }
            #expect(fast.map(\.bitPattern) == portable.map(\.bitPattern), "type \(type)")
            // Against Float32: widen the weights, dot with the unrounded activations.
            let size = type == QL_Q4_1 ? 20 : type == QL_Q4_0 ? 18 : 34
            for t in 0 ..< tokens {
                for r in 0 ..< rows {
                    // Rounding an activation block moves each value by at most max|x|/254 (and its
                    // f16 scale by 2⁻¹¹): bound the difference by that times Σ|w|.
                    var exact: Float = 0, bound: Float = 1e-4
                    for b in 0 ..< perRow {
                        let block = Array(w[(r * perRow + b) * size ..< (r * perRow + b + 1) * size])
                        let weights = Self.widen(type, block)
                        let slice = x[(t * columns + b * 32) ..< (t * columns + b * 32 + 32)]
                        let step = slice.map(abs).max()! / 127
                        for j in 0 ..< 32 {
                            exact += weights[j] * x[t * columns + b * 32 + j]
                            bound += abs(weights[j]) * (step * 0.5 + abs(x[t * columns + b * 32 + j]) * 1e-3)
                        }
                    }
                    #expect(abs(fast[t * rows + r] - exact) <= bound, "type \(type) row \(r) token \(t): \(fast[t * rows + r]) vs \(exact) (bound \(bound))")
                }
            }
        }
        var sink: Float = 0
        #expect(ql_gemm(12, [UInt8](repeating: 0, count: 144), 1, 1, [UInt8](repeating: 0, count: 36), 1, &sink, 1) == -1, "Q4_K is not read in place")
    }

    static func widen(_ type: Int32, _ block: [UInt8]) -> [Float] {
        func half(_ i: Int) -> Float { Float(Float16(bitPattern: UInt16(block[i]) | UInt16(block[i + 1]) << 8)) }
        if type == QL_Q8_0 { return (0 ..< 32).map { Float(Int8(bitPattern: block[2 + $0])) * half(0) } }
        let offset = type == QL_Q4_1 ? 4 : 2
        return (0 ..< 32).map { j in
            let nibble = j < 16 ? Int(block[offset + j] & 15) : Int(block[offset + j - 16] >> 4)
            return type == QL_Q4_1 ? Float(nibble) * half(0) + half(2) : Float(nibble - 8) * half(0)
        }
    }

    @Test("activation blocks: ties round to even, the scale is max/127, an all-zero block is zeros; both paths agree")
    func quantize() {
        var x = [Float](repeating: 0, count: 64)
        x[0] = 127; x[1] = 0.5; x[2] = 1.5; x[3] = -2.5; x[4] = -127
        let (fast, portable) = both { () -> [UInt8] in
            var a = [UInt8](repeating: 0, count: 72)
            ql_quantize_q8_1(x, &a, 64)
            return a
        }
        #expect(fast == portable)
        #expect(Float(Float16(bitPattern: UInt16(fast[0]) | UInt16(fast[1]) << 8)) == 1)
        #expect(Array(fast[4 ..< 9]).map { Int8(bitPattern: $0) } == [127, 0, 2, -2, -127])
        #expect(Float(Float16(bitPattern: UInt16(fast[2]) | UInt16(fast[3]) << 8)) == 0, "s = d·Σq = 127 + 0 + 2 − 2 − 127")
        #expect(fast[36 ..< 72].allSatisfy { $0 == 0 }, "a zero block has scale 0 and zeros")
    }

    @Test("attention, softmax, RMSNorm, SwiGLU and rotary positions: the same bits on both paths; attention sums to a convex mix")
    func floatSteps() {
        var g = SplitMix64(seed: 3)
        let d = 64, stride = 3 * d, count = 45
        let keys = (0 ..< count * stride).map { _ in Float16(Float(Int(g.next() % 2001) - 1000) / 500).bitPattern }
        let values = (0 ..< count * stride).map { _ in Float16(Float(Int(g.next() % 2001) - 1000) / 500).bitPattern }
        let q = (0 ..< d).map { _ in Float(Int(g.next() % 2001) - 1000) / 250 }
        for batched in [Int32(0), 1] {
            let (fast, portable) = both { () -> [UInt32] in
                var scratch = [Float](repeating: 0, count: count + 8)
                var out = [Float](repeating: 0, count: d)
                ql_attend(q, keys, values, Int64(stride), Int32(count), Int32(d), 0.125, batched, &scratch, &out)
                return out.map(\.bitPattern)
            }
            #expect(fast == portable, "batched \(batched)")
            let out = fast.map { Float(bitPattern: $0) }
            for e in 0 ..< d {
                let column = (0 ..< count).map { Float(Float16(bitPattern: values[$0 * stride + e])) }
                #expect(out[e] >= column.min()! - 1e-3 && out[e] <= column.max()! + 1e-3)
            }
        }
        let x = (0 ..< 96).map { _ in Float(Int(g.next() % 2001) - 1000) / 100 }
        let (fast, portable) = both { () -> [UInt32] in
            var gate = x, normed = [Float](repeating: 0, count: 96), rotated = x
            ql_swiglu(&gate, x.reversed(), 96)
            ql_rmsnorm(x, [Float](repeating: 2, count: 96), &normed, 96, 1e-5)
            ql_rope(&rotated, 3, 32, 17, 10000)
            return (gate + normed + rotated).map(\.bitPattern)
        }
        #expect(fast == portable)
        let gate = fast.prefix(96).map { Float(bitPattern: $0) }
        for i in 0 ..< 96 {
            let v = x[i], up = x[95 - i]
            let want = v / (1 + exp(-v)) * up
            #expect(abs(gate[i] - want) <= 1e-5 * max(1, abs(want)))
        }
        let rotated = fast.suffix(96).map { Float(bitPattern: $0) }
        for pair in 0 ..< 48 {
            let before = x[2 * pair] * x[2 * pair] + x[2 * pair + 1] * x[2 * pair + 1]
            let after = rotated[2 * pair] * rotated[2 * pair] + rotated[2 * pair + 1] * rotated[2 * pair + 1]
            #expect(abs(before - after) <= 1e-4 * max(1, before), "a rotation keeps each pair's length")
        }
    }
}

