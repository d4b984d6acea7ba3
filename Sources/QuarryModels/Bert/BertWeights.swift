import CKernels
import Foundation

/// The weights of a BERT encoder, read from `model.safetensors` and checked against the
/// configuration's shapes. Query, key and value projections are concatenated into one
/// [H × 3H] matrix so a layer does one product for all three.
///
/// A layer's matrices are stored transposed from the checkpoint's [out × in], as [in × out]
/// (K × N): `qk_dense` streams them row by row for a query's few tokens, and BLAS reads that
/// layout as fast as the other for a batch.
struct BertWeights: Sendable {
    struct Layer: Sendable {
        var qkv: AlignedMatrix          // [H × 3H]
        var qkvBias: [Float]      // [3H]
        var attentionOut: AlignedMatrix // [H × H]
        var attentionOutBias: [Float]
        var attentionNormGamma: [Float]
        var attentionNormBeta: [Float]
        var intermediate: AlignedMatrix // [H × I]
        var intermediateBias: [Float]
        var output: AlignedMatrix       // [I × H]
        var outputBias: [Float]
        var outputNormGamma: [Float]
        var outputNormBeta: [Float]
    }

    /// The word-embedding table: Float32 from safetensors, or Q4_0 rows left in the mapped
    /// file (E5S1), widened per token.
    enum WordEmbeddings: Sendable {
        case dense([Float])
        case quantized(QuantizedMatrix)
    }

    var wordEmbeddings: WordEmbeddings  // [V × H]
    var positionEmbeddings: [Float] // [P × H]
    var typeEmbeddings: [Float]     // [T × H]
    var embeddingNormGamma: [Float]
    var embeddingNormBeta: [Float]
    var layers: [Layer]
    /// Pooler and classifier of a sequence-classification model (cross-encoder), if present.
    var pooler: (weight: [Float], bias: [Float])?
    var classifier: (weight: [Float], bias: [Float], outputs: Int)?

    init(file: SafeTensorsFile, configuration c: BertConfiguration) throws {
        let prefix = file.entries["bert.embeddings.word_embeddings.weight"] != nil ? "bert." : ""
        func tensor(_ name: String, _ shape: [Int]) throws -> [Float] {
            try file.floats(prefix + name, shape: shape)
        }
        func norm(_ base: String) throws -> ([Float], [Float]) {
            let h = c.hiddenSize
            if file.entries[prefix + base + ".weight"] != nil {
                return (try tensor(base + ".weight", [h]), try tensor(base + ".bias", [h]))
            }
            return (try tensor(base + ".gamma", [h]), try tensor(base + ".beta", [h]))
        }
        let h = c.hiddenSize, i = c.intermediateSize
        wordEmbeddings = .dense(try tensor("embeddings.word_embeddings.weight", [c.vocabularySize, h]))
        positionEmbeddings = try tensor("embeddings.position_embeddings.weight", [c.maxPositions, h])
        typeEmbeddings = try tensor("embeddings.token_type_embeddings.weight", [c.typeVocabularySize, h])
        (embeddingNormGamma, embeddingNormBeta) = try norm("embeddings.LayerNorm")
        layers = try (0 ..< c.layerCount).map { l in
            let p = "encoder.layer.\(l)."
            let (attentionGamma, attentionBeta) = try norm(p + "attention.output.LayerNorm")
            let (outputGamma, outputBeta) = try norm(p + "output.LayerNorm")
            let qkv = try tensor(p + "attention.self.query.weight", [h, h]) + tensor(p + "attention.self.key.weight", [h, h])
                + tensor(p + "attention.self.value.weight", [h, h])
            return Layer(
                qkv: AlignedMatrix(transposing: qkv, rows: 3 * h, columns: h),
                qkvBias: try tensor(p + "attention.self.query.bias", [h]) + tensor(p + "attention.self.key.bias", [h])
                    + tensor(p + "attention.self.value.bias", [h]),
                attentionOut: AlignedMatrix(transposing: try tensor(p + "attention.output.dense.weight", [h, h]), rows: h, columns: h),
                attentionOutBias: try tensor(p + "attention.output.dense.bias", [h]),
                attentionNormGamma: attentionGamma, attentionNormBeta: attentionBeta,
                intermediate: AlignedMatrix(transposing: try tensor(p + "intermediate.dense.weight", [i, h]), rows: i, columns: h),
                intermediateBias: try tensor(p + "intermediate.dense.bias", [i]),
                output: AlignedMatrix(transposing: try tensor(p + "output.dense.weight", [h, i]), rows: h, columns: i),
                outputBias: try tensor(p + "output.dense.bias", [h]),
                outputNormGamma: outputGamma, outputNormBeta: outputBeta)
        }
        if file.entries[prefix + "pooler.dense.weight"] != nil {
            pooler = (try tensor("pooler.dense.weight", [h, h]), try tensor("pooler.dense.bias", [h]))
        }
        if let entry = file.entries["classifier.weight"], entry.shape.count == 2, entry.shape[1] == h {
            classifier = (try file.floats("classifier.weight", shape: [entry.shape[0], h]),
                          try file.floats("classifier.bias", shape: [entry.shape[0]]), entry.shape[0])
        }
    }

    /// The weights of an E5S1 file: its Q4_0 matrices widened to Float32 once (the layers are
    /// 21 M weights, 85 MB, so every product runs through the same BLAS path as MiniLM), the
    /// word table kept 4-bit.
    init(e5 file: E5ModelFile) throws {
        let c = file.configuration
        let h = c.hiddenSize, i = c.intermediateSize
        wordEmbeddings = .quantized(try file.q4("emb.word", rows: c.vocabularySize, columns: h))
        positionEmbeddings = try file.floats("emb.pos", count: c.maxPositions * h)
        typeEmbeddings = try file.floats("emb.type", count: c.typeVocabularySize * h)
        embeddingNormGamma = try file.floats("emb.ln.w", count: h)
        embeddingNormBeta = try file.floats("emb.ln.b", count: h)
        layers = try (0 ..< c.layerCount).map { l in
            let p = "l\(l)."
            func matrix(_ name: String, _ rows: Int, _ columns: Int) throws -> [Float] {
                try file.q4(p + name, rows: rows, columns: columns).dequantized()
            }
            func vector(_ name: String, _ count: Int) throws -> [Float] { try file.floats(p + name, count: count) }
            return Layer(
                qkv: AlignedMatrix(transposing: try matrix("q.w", h, h) + matrix("k.w", h, h) + matrix("v.w", h, h), rows: 3 * h, columns: h),
                qkvBias: try vector("q.b", h) + vector("k.b", h) + vector("v.b", h),
                attentionOut: AlignedMatrix(transposing: try matrix("ao.w", h, h), rows: h, columns: h), attentionOutBias: try vector("ao.b", h),
                attentionNormGamma: try vector("aln.w", h), attentionNormBeta: try vector("aln.b", h),
                intermediate: AlignedMatrix(transposing: try matrix("fi.w", i, h), rows: i, columns: h), intermediateBias: try vector("fi.b", i),
                output: AlignedMatrix(transposing: try matrix("fo.w", h, i), rows: h, columns: i), outputBias: try vector("fo.b", h),
                outputNormGamma: try vector("oln.w", h), outputNormBeta: try vector("oln.b", h))
        }
    }
}

/// A layer's weights in storage aligned to 64 bytes. `qk_dense` reads each row of a column
/// block with whole-cache-line vector loads; from a Swift array (16 bytes off a line) every
/// load straddles two lines and a row spans three: a query's dense layers took 8.9 ms
/// instead of 1.7 until the prefetch covered the third line, and 2.2 after
/// (scripts/bench/dense_bench.c with the weights 16 bytes off). Written once at load, then
/// only read, so it is safe to share.
final class AlignedMatrix: @unchecked Sendable {
    private let base: UnsafeMutablePointer<Float>

    /// `matrix` (rows × columns, row-major) transposed to columns × rows; every element is
    /// written by the transpose, so the storage is not filled first.
    init(transposing matrix: [Float], rows: Int, columns: Int) {
        precondition(matrix.count == rows * columns)
        base = UnsafeMutableRawPointer.allocate(byteCount: max(matrix.count, 1) * MemoryLayout<Float>.stride, alignment: 64)
            .bindMemory(to: Float.self, capacity: max(matrix.count, 1))
        qk_transpose(matrix, base, Int32(rows), Int32(columns))
    }

    deinit {
        UnsafeMutableRawPointer(base).deallocate()
    }

    var pointer: UnsafePointer<Float> { UnsafePointer(base) }
}
