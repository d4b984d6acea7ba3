/// The ggml tensor types Quarry reads, with their block geometry: `blockWeights` weights are
/// stored in `blockBytes` bytes. (ggml's ids; the ones not listed here are refused by name.)
public enum GGMLType: UInt32, Sendable, CaseIterable {
    case f32 = 0, f16 = 1, q4_0 = 2, q4_1 = 3, q8_0 = 8, q4_K = 12, q6_K = 14, bf16 = 30

    public var name: String {
        switch self {
        case .f32: "F32"
        case .f16: "F16"
        case .q4_0: "Q4_0"
        case .q4_1: "Q4_1"
        case .q8_0: "Q8_0"
        case .q4_K: "Q4_K"
        case .q6_K: "Q6_K"
        case .bf16: "BF16"
        }
    }

    public var blockWeights: Int {
        switch self {
        case .f32, .f16, .bf16: 1
        case .q4_0, .q4_1, .q8_0: 32
        case .q4_K, .q6_K: 256
        }
    }

    public var blockBytes: Int {
        switch self {
        case .f32: 4
        case .f16, .bf16: 2
        case .q4_0: 18   // f16 d, 16 bytes of nibbles
        case .q4_1: 20   // f16 d, f16 m, 16 bytes of nibbles
        case .q8_0: 34   // f16 d, 32 int8
        case .q4_K: 144  // f16 d, f16 dmin, 12 bytes of 6-bit scales and mins, 128 bytes of nibbles
        case .q6_K: 210  // 128 bytes low nibbles, 64 bytes high 2 bits, 16 int8 scales, f16 d
        }
    }
}

/// Widening ggml blocks to Float32 — the reference path (each weight as ggml defines it);
/// the decoder's matrix-vector products work on the blocks directly.
enum GGMLDequantize {
    /// Widens `count` weights (whole blocks) of `type` from `raw` into `out`.
    static func row(_ type: GGMLType, _ raw: UnsafeRawBufferPointer, into out: UnsafeMutablePointer<Float>, count: Int) {
        let blocks = count / type.blockWeights
        let base = raw.baseAddress!
        for b in 0 ..< blocks {
            let block = base + b * type.blockBytes
            let o = out + b * type.blockWeights
            switch type {
            case .f32: o[0] = Float(bitPattern: UInt32(littleEndian: block.loadUnaligned(as: UInt32.self)))
            case .f16: o[0] = half(block)
            case .bf16: o[0] = Float(bitPattern: UInt32(UInt16(littleEndian: block.loadUnaligned(as: UInt16.self))) << 16)
            case .q4_0: q4_0(block, o)
            case .q4_1: q4_1(block, o)
            case .q8_0: q8_0(block, o)
            case .q4_K: q4_K(block, o)
            case .q6_K: q6_K(block, o)
            }
        }
    }

    @inline(__always)
    static func half(_ p: UnsafeRawPointer) -> Float {
        Float(Float16(bitPattern: UInt16(littleEndian: p.loadUnaligned(as: UInt16.self))))
    }

    @inline(__always)
    static func byte(_ p: UnsafeRawPointer, _ i: Int) -> UInt8 { p.load(fromByteOffset: i, as: UInt8.self) }

    /// (q − 8)·d; byte j holds weight j (low nibble) and j + 16 (high).
    static func q4_0(_ block: UnsafeRawPointer, _ o: UnsafeMutablePointer<Float>) {
        let d = half(block)
        for j in 0 ..< 16 {
            let q = byte(block + 2, j)
            o[j] = Float(Int(q & 0x0F) - 8) * d
            o[j + 16] = Float(Int(q >> 4) - 8) * d
        }
    }

    /// q·d + m.
    static func q4_1(_ block: UnsafeRawPointer, _ o: UnsafeMutablePointer<Float>) {
        let d = half(block), m = half(block + 2)
        for j in 0 ..< 16 {
            let q = byte(block + 4, j)
            o[j] = Float(q & 0x0F) * d + m
            o[j + 16] = Float(q >> 4) * d + m
        }
    }

    /// q·d with q an int8.
    static func q8_0(_ block: UnsafeRawPointer, _ o: UnsafeMutablePointer<Float>) {
        let d = half(block)
        for j in 0 ..< 32 { o[j] = Float(Int8(bitPattern: byte(block + 2, j))) * d }
    }

    /// The 6-bit scale and min of sub-block `j` (0 ..< 8) from the 12 packed bytes.
    @inline(__always)
    static func scaleMin(_ s: UnsafeRawPointer, _ j: Int) -> (Float, Float) {
        if j < 4 {
            return (Float(byte(s, j) & 63), Float(byte(s, j + 4) & 63))
        }
        let scale = (byte(s, j + 4) & 0x0F) | ((byte(s, j - 4) >> 6) << 4)
        let min = (byte(s, j + 4) >> 4) | ((byte(s, j) >> 6) << 4)
        return (Float(scale), Float(min))
    }

    /// Eight sub-blocks of 32: d·scale·q − dmin·min, nibbles low then high per 32 bytes.
    static func q4_K(_ block: UnsafeRawPointer, _ o: UnsafeMutablePointer<Float>) {
        let d = half(block), dmin = half(block + 2)
        let scales = block + 4, quants = block + 16
        for pair in 0 ..< 4 {
            let (s1, m1) = scaleMin(scales, 2 * pair)
            let (s2, m2) = scaleMin(scales, 2 * pair + 1)
            let q = quants + 32 * pair
            let y = o + 64 * pair
            for l in 0 ..< 32 {
                let v = byte(q, l)
                y[l] = d * s1 * Float(v & 0x0F) - dmin * m1
                y[l + 32] = d * s2 * Float(v >> 4) - dmin * m2
            }
        }
    }

    /// Sixteen sub-blocks of 16: d·scale·(q − 32), q's low 4 bits in `ql`, high 2 in `qh`.
    static func q6_K(_ block: UnsafeRawPointer, _ o: UnsafeMutablePointer<Float>) {
        let d = half(block + 208)
        for half in 0 ..< 2 {
            let ql = block + 64 * half, qh = block + 128 + 32 * half, sc = block + 192 + 8 * half
            let y = o + 128 * half
            for l in 0 ..< 32 {
                let s = l / 16
                let high = byte(qh, l)
                let q1 = Int((byte(ql, l) & 0x0F) | ((high & 3) << 4)) - 32
                let q2 = Int((byte(ql, l + 32) & 0x0F) | (((high >> 2) & 3) << 4)) - 32
                let q3 = Int((byte(ql, l) >> 4) | (((high >> 4) & 3) << 4)) - 32
                let q4 = Int((byte(ql, l + 32) >> 4) | (((high >> 6) & 3) << 4)) - 32
                func scale(_ i: Int) -> Float { Float(Int8(bitPattern: byte(sc, i))) }
                y[l] = d * scale(s) * Float(q1)
                y[l + 32] = d * scale(s + 2) * Float(q2)
                y[l + 64] = d * scale(s + 4) * Float(q3)
                y[l + 96] = d * scale(s + 6) * Float(q4)
            }
        }
    }
}
