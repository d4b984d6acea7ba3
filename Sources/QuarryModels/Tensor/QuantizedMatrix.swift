import QuarryCore

/// A row-major matrix of ggml blocks (`GGMLType`: Q4_0 for multilingual-e5's word table)
/// left in a memory-mapped file and widened one row at a time, when a token needs it: the
/// 250k-row table is 54 MB this way and would be 384 MB as Float32.
struct QuantizedMatrix: @unchecked Sendable {
    let type: GGMLType
    let rows: Int
    let columns: Int
    /// Keeps the mapping alive as long as the matrix.
    private let file: MappedFile
    private let offset: Int

    /// - Precondition: the caller checked that the rows × columns blocks lie in the file and
    ///   that `columns` is a multiple of `type.blockWeights`.
    init(type: GGMLType, file: MappedFile, offset: Int, rows: Int, columns: Int) {
        self.type = type
        self.file = file
        self.offset = offset
        self.rows = rows
        self.columns = columns
    }

    private var rowBytes: Int { columns / type.blockWeights * type.blockBytes }

    /// Writes row `row`'s weights to `out[0 ..< columns]`.
    func row(_ row: Int, into out: UnsafeMutablePointer<Float>) {
        let start = offset + row * rowBytes
        GGMLDequantize.row(type, UnsafeRawBufferPointer(rebasing: file.bytes[start ..< start + rowBytes]), into: out, count: columns)
    }

    /// The whole matrix as Float32, row-major.
    func dequantized() -> [Float] {
        [Float](unsafeUninitializedCapacity: rows * columns) { buffer, count in
            GGMLDequantize.row(type, UnsafeRawBufferPointer(rebasing: file.bytes[offset ..< offset + rows * rowBytes]),
                               into: buffer.baseAddress!, count: rows * columns)
            count = rows * columns
        }
    }
}
