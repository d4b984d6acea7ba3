import QuarryCore

/// A row-major matrix in the Q4_0 block format of ggml: each row is cut into blocks of 32
/// weights, each block stored as an FP16 scale `d` then 16 bytes of nibbles (byte j holds
/// weight j in its low half and weight j + 16 in its high half); a weight is (q − 8)·d.
///
/// Kept memory-mapped: a 250k-row embedding table is 54 MB here and would be 384 MB as
/// Float32. Rows are widened one at a time, when a token needs them.
struct Q4Matrix: @unchecked Sendable {
    static let blockWeights = 32
    static let blockBytes = 18

    let rows: Int
    let columns: Int
    /// Keeps the mapping alive as long as the matrix.
    private let file: MappedFile
    private let base: UnsafeRawPointer

    /// - Precondition: the caller checked that `offset + byteCount(rows, columns)` lies in the file.
    init(file: MappedFile, offset: Int, rows: Int, columns: Int) {
        self.file = file
        self.base = file.bytes.baseAddress! + offset
        self.rows = rows
        self.columns = columns
    }

    /// Bytes a rows × columns Q4_0 matrix takes (columns a multiple of 32).
    static func byteCount(rows: Int, columns: Int) -> Int {
        rows * (columns / blockWeights) * blockBytes
    }

    /// Adds row `row`'s weights to `out[0 ..< columns]`.
    func addRow(_ row: Int, into out: UnsafeMutablePointer<Float>) {
        let blocks = columns / Self.blockWeights
        var block = base + row * blocks * Self.blockBytes
        var o = out
        for _ in 0 ..< blocks {
            let d = Float(Float16(bitPattern: block.loadUnaligned(as: UInt16.self).littleEndian))
            let nibbles = block + 2
            for j in 0 ..< 16 {
                let byte = nibbles.load(fromByteOffset: j, as: UInt8.self)
                o[j] += Float(Int(byte & 0x0F) - 8) * d
                o[j + 16] += Float(Int(byte >> 4) - 8) * d
            }
            block += Self.blockBytes
            o += Self.blockWeights
        }
    }

    /// The whole matrix as Float32, row-major.
    func dequantized() -> [Float] {
        [Float](unsafeUninitializedCapacity: rows * columns) { buffer, count in
            buffer.initialize(repeating: 0)
            for r in 0 ..< rows { addRow(r, into: buffer.baseAddress! + r * columns) }
            count = rows * columns
        }
    }
}
