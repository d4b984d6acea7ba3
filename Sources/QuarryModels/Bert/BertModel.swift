import CKernels
import Foundation
import QuarryCore

/// The BERT encoder forward pass in Float32 (Devlin et al. 2019): embeddings + LayerNorm,
/// then per layer multi-head self-attention, residual + LayerNorm, a GELU feed-forward
/// block, residual + LayerNorm. Matrix products go through OpenBLAS, the dense layers of a
/// short batch (a query) through `qk_dense`.
///
/// A batch is packed without padding: all sequences' tokens are concatenated into one
/// [T × H] matrix for the dense layers, and attention runs per sequence over its own
/// length. That is exactly the unpadded computation, so no attention mask is needed and no
/// work is wasted on padding. Buffers are per call; memory is bounded by the batch's tokens.
public final class BertModel: Sendable {
    public let configuration: BertConfiguration
    let weights: BertWeights
    /// The hex SHA-256 of the weights file (part of an embedder's identity).
    public let weightsSHA256: String

    /// Loads `config.json` and `model.safetensors` from a Hugging Face model folder.
    public init(modelDirectory: URL) throws {
        try BLAS.load()
        configuration = try BertConfiguration.load(modelDirectory: modelDirectory)
        let file = try SafeTensorsFile(path: modelDirectory.appendingPathComponent("model.safetensors").path)
        weights = try BertWeights(file: file, configuration: configuration)
        weightsSHA256 = file.sha256
    }

    /// A model whose weights were read elsewhere (an E5S1 file, whose SHA-256 is given).
    init(configuration: BertConfiguration, weights: BertWeights, weightsSHA256: String) throws {
        try BLAS.load()
        self.configuration = configuration
        self.weights = weights
        self.weightsSHA256 = weightsSHA256
    }

    /// Whether the model has a sequence-classification head (a cross-encoder).
    public var hasClassifier: Bool { weights.classifier != nil }

    /// The final hidden states of a batch: one [count × H] block per sequence, concatenated.
    /// - Parameters:
    ///   - sequences: token ids (and token type ids) of each sequence, specials included.
    func hiddenStates(_ sequences: [TokenizedInput]) -> [Float] {
        let c = configuration
        let h = c.hiddenSize, heads = c.headCount, d = h / heads, inter = c.intermediateSize
        let total = sequences.reduce(0) { $0 + $1.count }
        guard total > 0 else { return [] }
        var x = [Float](repeating: 0, count: total * h)
        var qkv = [Float](repeating: 0, count: total * 3 * h)
        var context = [Float](repeating: 0, count: total * h)
        var scratch = [Float](repeating: 0, count: total * max(h, inter))
        let longest = sequences.map(\.count).max() ?? 0
        var scores = [Float](repeating: 0, count: longest * longest)
        let scale = 1 / Float(d).squareRoot()

        // Embeddings.
        x.withUnsafeMutableBufferPointer { x in
            var t = 0
            for sequence in sequences {
                for (position, id) in sequence.ids.enumerated() {
                    let row = x.baseAddress! + t * h
                    let word = Int(min(max(id, 0), Int32(c.vocabularySize - 1)))
                    let type = Int(min(max(sequence.typeIDs[position], 0), Int32(c.typeVocabularySize - 1)))
                    let p = min(position, c.maxPositions - 1)
                    switch weights.wordEmbeddings {
                    case .dense(let table):
                        for i in 0 ..< h { row[i] = table[word * h + i] }
                    case .quantized(let table):
                        table.row(word, into: row)
                    }
                    for i in 0 ..< h {
                        row[i] += weights.positionEmbeddings[p * h + i] + weights.typeEmbeddings[type * h + i]
                    }
                    t += 1
                }
            }
            VectorMath.layerNorm(x.baseAddress!, rows: total, width: h, gamma: weights.embeddingNormGamma, beta: weights.embeddingNormBeta,
                                 epsilon: c.layerNormEpsilon)
        }

        for layer in weights.layers {
            x.withUnsafeMutableBufferPointer { x in
            qkv.withUnsafeMutableBufferPointer { qkv in
            context.withUnsafeMutableBufferPointer { context in
            scratch.withUnsafeMutableBufferPointer { scratch in
            scores.withUnsafeMutableBufferPointer { scores in
                let x = x.baseAddress!, qkv = qkv.baseAddress!, context = context.baseAddress!
                let scratch = scratch.baseAddress!, scores = scores.baseAddress!
                // Q, K, V for every token in one product: [T × H] · [H × 3H].
                Self.dense(x, rows: total, k: h, weights: layer.qkv.pointer, n: 3 * h, bias: layer.qkvBias, into: qkv)
                // Attention per sequence and head, over the sequence's own tokens.
                var start = 0
                for sequence in sequences {
                    let n = sequence.count
                    for head in 0 ..< heads {
                        let q = qkv + start * 3 * h + head * d
                        let k = q + h
                        let v = q + 2 * h
                        BLAS.gemm(m: n, n: n, k: d, a: q, lda: 3 * h, b: k, ldb: 3 * h, transposeB: true, c: scores, ldc: n, alpha: scale)
                        VectorMath.softmax(scores, rows: n, width: n, stride: n)
                        BLAS.gemm(m: n, n: d, k: n, a: scores, lda: n, b: v, ldb: 3 * h, transposeB: false,
                                  c: context + start * h + head * d, ldc: h)
                    }
                    start += n
                }
                // Output projection, residual, LayerNorm.
                Self.dense(context, rows: total, k: h, weights: layer.attentionOut.pointer, n: h, bias: layer.attentionOutBias, into: scratch)
                VectorMath.add(x, scratch, count: total * h)
                VectorMath.layerNorm(x, rows: total, width: h, gamma: layer.attentionNormGamma, beta: layer.attentionNormBeta,
                                     epsilon: c.layerNormEpsilon)
                // Feed-forward: GELU(x·W1ᵀ + b1)·W2ᵀ + b2, residual, LayerNorm.
                Self.dense(x, rows: total, k: h, weights: layer.intermediate.pointer, n: inter, bias: layer.intermediateBias, into: scratch)
                VectorMath.gelu(scratch, count: total * inter)
                Self.dense(scratch, rows: total, k: inter, weights: layer.output.pointer, n: h, bias: layer.outputBias, into: context)
                VectorMath.add(x, context, count: total * h)
                VectorMath.layerNorm(x, rows: total, width: h, gamma: layer.outputNormGamma, beta: layer.outputNormBeta,
                                     epsilon: c.layerNormEpsilon)
            }}}}}
        }
        return x
    }

    /// Up to this many rows (tokens in a batch) a dense layer runs through `qk_dense`; above
    /// it, through BLAS. For a few rows BLAS spends most of its time copying the weights into
    /// its packed layout (two thirds of a query's time was in `sgemm_incopy`), while
    /// `qk_dense` streams them once: 2.6× OpenBLAS at 8 rows, 1.36× at 32, 1.10× at 128 on this
    /// machine (scripts/bench/dense.sh). Larger batches (ingest's) stay with OpenBLAS, whose
    /// cache blocking is as fast there and better tuned for CPUs measured less here.
    static let smallRowLimit = 128

    /// [rows × k] · weights [k × n] + bias, into `c` ([rows × n]).
    @inline(__always)
    static func dense(_ a: UnsafePointer<Float>, rows: Int, k: Int, weights: UnsafePointer<Float>, n: Int, bias: UnsafePointer<Float>,
                      into c: UnsafeMutablePointer<Float>) {
        if rows <= smallRowLimit {
            qk_dense(a, Int64(k), weights, Int64(n), c, Int64(n), Int32(rows), Int32(n), Int32(k), bias)
        } else {
            BLAS.gemm(m: rows, n: n, k: k, a: a, lda: k, b: weights, ldb: n, transposeB: false, c: c, ldc: n)
            VectorMath.addBias(c, rows: rows, width: n, bias: bias)
        }
    }

    /// Mean-pooled, L2-normalised sentence embeddings (sentence-transformers' Pooling with
    /// mean tokens, then Normalize), one per sequence.
    public func embed(_ sequences: [TokenizedInput]) -> [[Float]] {
        meanPooled(sequences).map(Self.normalized)
    }

    /// Each sequence's mean hidden state, before normalisation (windows of one long text are
    /// averaged at this stage).
    func meanPooled(_ sequences: [TokenizedInput]) -> [[Float]] {
        let h = configuration.hiddenSize
        let states = hiddenStates(sequences)
        var result: [[Float]] = []
        result.reserveCapacity(sequences.count)
        var start = 0
        for sequence in sequences {
            var mean = [Double](repeating: 0, count: h)
            for t in start ..< start + sequence.count {
                for i in 0 ..< h { mean[i] += Double(states[t * h + i]) }
            }
            start += sequence.count
            let n = Double(max(sequence.count, 1))
            result.append(mean.map { Float($0 / n) })
        }
        return result
    }

    /// `vector` scaled to unit length (unchanged when it is zero).
    static func normalized(_ vector: [Float]) -> [Float] {
        let norm = vector.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot()
        return norm > 1e-12 ? vector.map { Float(Double($0) / norm) } : vector
    }

    /// Runs `inputs` in batches under a token budget, sorted by length so a batch holds
    /// sequences of similar size, batches in parallel on all cores (single-threaded BLAS in
    /// each); `pool` maps a batch to one result per input. Results come back in input order.
    func batched<Result: Sendable>(_ inputs: [TokenizedInput], tokenBudget: Int,
                         _ pool: @Sendable (BertModel, [TokenizedInput]) -> [Result]) -> [Result] {
        let order = inputs.indices.sorted { inputs[$0].count < inputs[$1].count }
        var batches: [[Int]] = []
        var current: [Int] = []
        var tokens = 0
        for index in order {
            if !current.isEmpty && tokens + inputs[index].count > tokenBudget {
                batches.append(current)
                current = []
                tokens = 0
            }
            current.append(index)
            tokens += inputs[index].count
        }
        if !current.isEmpty { batches.append(current) }
        let planned = batches
        let perBatch = ParallelMap.map(planned.count) { b in pool(self, planned[b].map { inputs[$0] }) }
        var results = [Result?](repeating: nil, count: inputs.count)
        for (batch, pooled) in zip(planned, perBatch) {
            for (index, result) in zip(batch, pooled) { results[index] = result }
        }
        return results.map { $0! }
    }

    /// Classification logits of a cross-encoder (BertForSequenceClassification): the
    /// pooler (tanh dense on [CLS]) then the classifier, one row of outputs per sequence.
    /// - Throws: `ModelError.unsupported` when the model has no classification head.
    public func classify(_ sequences: [TokenizedInput]) throws -> [[Float]] {
        guard let pooler = weights.pooler, let classifier = weights.classifier else {
            throw ModelError(.unsupported, "this model has no sequence-classification head (pooler + classifier); it is not a cross-encoder")
        }
        let h = configuration.hiddenSize
        let states = hiddenStates(sequences)
        var result: [[Float]] = []
        var start = 0
        for sequence in sequences {
            let cls = Array(states[(start * h) ..< (start * h + h)])
            start += sequence.count
            var pooled = [Float](repeating: 0, count: h)
            for o in 0 ..< h {
                var sum = Double(pooler.bias[o])
                for i in 0 ..< h { sum += Double(pooler.weight[o * h + i]) * Double(cls[i]) }
                pooled[o] = tanhf(Float(sum))
            }
            var logits = [Float](repeating: 0, count: classifier.outputs)
            for o in 0 ..< classifier.outputs {
                var sum = Double(classifier.bias[o])
                for i in 0 ..< h { sum += Double(classifier.weight[o * h + i]) * Double(pooled[i]) }
                logits[o] = Float(sum)
            }
            result.append(logits)
        }
        return result
    }
}
