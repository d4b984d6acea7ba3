import CKernels
import Foundation
import QuarryCore

/// A Llama-family decoder (SmolLM2, Llama 2/3-style GGUF files): token embeddings, per
/// layer RMSNorm → grouped-query attention with rotary positions and a KV cache → residual
/// → RMSNorm → SwiGLU feed-forward → residual, a final RMSNorm and the output projection
/// (tied to the embeddings when the file has no `output.weight`).
///
/// Q4_0, Q4_1 and Q8_0 matrices stay in the memory-mapped file and are multiplied block by
/// block (CKernels' qllama: activations rounded to 8-bit blocks, integer dot products, 8
/// float lanes), doing llama.cpp's x86 arithmetic in its order so the two pick the same
/// tokens; the KV cache is Float16 as llama.cpp's default. Matrices of other types (F32,
/// F16, BF16, Q4_K, Q6_K) are widened to Float32 at load and go through BLAS, close to
/// llama.cpp but not bit for bit. Rotary positions are llama.cpp's "normal" kind for the
/// llama architecture: each head's dimensions rotate in adjacent pairs, the GGUF converter
/// having permuted Q and K to match.
public final class LlamaModel: @unchecked Sendable {
    public struct Configuration: Sendable, Equatable {
        public var layers: Int
        public var hidden: Int
        public var feedForward: Int
        public var heads: Int
        public var kvHeads: Int
        public var headDimension: Int
        public var vocabulary: Int
        public var contextLength: Int
        public var ropeBase: Float
        public var epsilon: Float
    }

    /// A weight matrix [rows × columns]: blocks the kernels read in place, or Float32.
    struct Matrix {
        enum Storage {
            /// Q4_0, Q4_1 or Q8_0 blocks in the mapped file.
            case blocks(GGMLType, base: UnsafeRawPointer)
            case floats([Float])
        }
        let rows: Int
        let columns: Int
        let storage: Storage
    }

    struct Layer {
        var attentionNorm: [Float]
        var q: Matrix, k: Matrix, v: Matrix, o: Matrix
        var ffnNorm: [Float]
        var gate: Matrix, up: Matrix, down: Matrix
    }

    public let configuration: Configuration
    /// Threads for a prompt's products and attention (one token's steps are too small to
    /// share: they stay on the calling thread). The arithmetic, and so every token, is the
    /// same for any count.
    public var threads = 1
    /// The file the block matrices live in (kept open as long as the model).
    public let file: GGUFFile
    let embeddingTensor: GGUFFile.Tensor
    let outputNorm: [Float]
    let output: Matrix
    let layers: [Layer]

    /// Reads a llama-architecture GGUF file.
    /// - Throws: `ModelError` naming the file and the key or tensor for another
    ///   architecture, a missing tensor or a shape that disagrees with the metadata.
    public init(gguf file: GGUFFile) throws {
        try BLAS.load()
        self.file = file
        let path = file.path
        let architecture = file.metadata["general.architecture"]?.string ?? "missing"
        guard architecture == "llama" else {
            throw ModelError(.unsupported, "\(path): general.architecture is \(architecture); only llama is supported")
        }
        func int(_ key: String) throws -> Int {
            guard let v = file.metadata["llama." + key]?.int, v > 0 else { throw ModelError(.invalidFile, "\(path): llama.\(key) is missing or not positive") }
            return v
        }
        let hidden = try int("embedding_length"), heads = try int("attention.head_count")
        let kvHeads = file.metadata["llama.attention.head_count_kv"]?.int ?? heads
        guard hidden % heads == 0, kvHeads > 0, heads % kvHeads == 0 else {
            throw ModelError(.invalidFile, "\(path): \(heads) heads of \(hidden) with \(kvHeads) key/value heads do not divide")
        }
        let headDimension = hidden / heads
        guard headDimension % 8 == 0, headDimension <= 512, hidden % 32 == 0 else {
            throw ModelError(.unsupported, "\(path): heads of \(headDimension) dimensions in \(hidden) (a multiple of 8 up to 512, the width a multiple of 32, are supported)")
        }
        let embedding = try file.tensor("token_embd.weight")
        let c = Configuration(layers: try int("block_count"), hidden: hidden, feedForward: try int("feed_forward_length"), heads: heads,
                              kvHeads: kvHeads, headDimension: headDimension, vocabulary: embedding.rowCount,
                              contextLength: try int("context_length"),
                              ropeBase: Float(file.metadata["llama.rope.freq_base"]?.double ?? 10000),
                              epsilon: Float(file.metadata["llama.attention.layer_norm_rms_epsilon"]?.double ?? 1e-5))
        guard c.feedForward % 32 == 0 else {
            throw ModelError(.unsupported, "\(path): llama.feed_forward_length \(c.feedForward) is not a multiple of 32")
        }
        configuration = c
        func tensor(_ name: String, rows: Int, columns: Int) throws -> GGUFFile.Tensor {
            let t = try file.tensor(name)
            guard t.dimensions == (rows == 1 ? [columns] : [columns, rows]) else {
                throw ModelError(.shapeMismatch, "\(path): tensor \(name) is \(t.dimensions), expected \(rows == 1 ? [columns] : [columns, rows])")
            }
            return t
        }
        func vector(_ name: String, _ count: Int) throws -> [Float] {
            _ = try tensor(name, rows: 1, columns: count)
            return try file.floats(name)
        }
        func matrix(_ name: String, rows: Int, columns: Int) throws -> Matrix {
            let t = try tensor(name, rows: rows, columns: columns)
            switch t.type {
            case .q4_0, .q4_1, .q8_0:
                return Matrix(rows: rows, columns: columns, storage: .blocks(t.type, base: file.bytes(of: t).baseAddress!))
            default:
                return Matrix(rows: rows, columns: columns, storage: .floats(try file.floats(name)))
            }
        }
        let kvWidth = kvHeads * c.headDimension
        embeddingTensor = try tensor("token_embd.weight", rows: c.vocabulary, columns: hidden)
        outputNorm = try vector("output_norm.weight", hidden)
        output = try matrix(file.tensors.contains { $0.name == "output.weight" } ? "output.weight" : "token_embd.weight", rows: c.vocabulary, columns: hidden)
        layers = try (0 ..< c.layers).map { l in
            let p = "blk.\(l)."
            return Layer(attentionNorm: try vector(p + "attn_norm.weight", hidden),
                         q: try matrix(p + "attn_q.weight", rows: hidden, columns: hidden),
                         k: try matrix(p + "attn_k.weight", rows: kvWidth, columns: hidden),
                         v: try matrix(p + "attn_v.weight", rows: kvWidth, columns: hidden),
                         o: try matrix(p + "attn_output.weight", rows: hidden, columns: hidden),
                         ffnNorm: try vector(p + "ffn_norm.weight", hidden),
                         gate: try matrix(p + "ffn_gate.weight", rows: c.feedForward, columns: hidden),
                         up: try matrix(p + "ffn_up.weight", rows: c.feedForward, columns: hidden),
                         down: try matrix(p + "ffn_down.weight", rows: hidden, columns: c.feedForward))
        }
    }

    /// Keys and values (Float16) of the positions seen so far, per layer, rows of
    /// kvHeads × headDimension.
    public struct Cache: Sendable {
        var keys: [[UInt16]]
        var values: [[UInt16]]
        public private(set) var count = 0

        init(layers: Int) {
            keys = Array(repeating: [], count: layers)
            values = Array(repeating: [], count: layers)
        }

        mutating func advance(_ n: Int) { count += n }

        /// Forgets every position from `position` on (a prompt that shares a prefix with the
        /// last one reuses the prefix's keys and values).
        public mutating func truncate(to position: Int) {
            guard position < count else { return }
            let width = keys.first.map { $0.count / max(count, 1) } ?? 0
            for l in keys.indices {
                keys[l].removeSubrange((position * width)...)
                values[l].removeSubrange((position * width)...)
            }
            count = position
        }
    }

    public func makeCache() -> Cache { Cache(layers: configuration.layers) }

    /// Runs `tokens` after what `cache` holds and returns the logits of the last one.
    /// - Throws: `ModelError(.unsupported)` past the context length or for an id outside
    ///   the vocabulary; the cache is then unchanged.
    public func forward(_ tokens: [Int32], cache: inout Cache) throws -> [Float] {
        let c = configuration
        let t = tokens.count
        guard t > 0 else { return [] }
        guard cache.count + t <= c.contextLength else {
            throw ModelError(.unsupported, "the prompt and answer need \(cache.count + t) positions; the model reads \(c.contextLength)")
        }
        if let bad = tokens.first(where: { $0 < 0 || Int($0) >= c.vocabulary }) {
            throw ModelError(.unsupported, "token id \(bad) is outside the vocabulary of \(c.vocabulary)")
        }
        return try run(tokens, &cache)
    }

    private func run(_ tokens: [Int32], _ cache: inout Cache) throws -> [Float] {
        let c = configuration
        let t = tokens.count, h = c.hidden, d = c.headDimension, kvWidth = c.kvHeads * d, f = c.feedForward
        let start = cache.count
        var x = [Float](repeating: 0, count: t * h)
        for (i, token) in tokens.enumerated() {
            let row = try file.row(embeddingTensor, Int(token))
            x.replaceSubrange(i * h ..< (i + 1) * h, with: row)
        }
        var normed = [Float](repeating: 0, count: t * h)
        var q = [Float](repeating: 0, count: t * h)
        var k = [Float](repeating: 0, count: t * kvWidth)
        var v = [Float](repeating: 0, count: t * kvWidth)
        var attended = [Float](repeating: 0, count: t * h)
        var projected = [Float](repeating: 0, count: t * h)
        var gate = [Float](repeating: 0, count: t * f)
        var up = [Float](repeating: 0, count: t * f)
        var scores = [Float](repeating: 0, count: start + t + 8)
        var workspace = Workspace(threads: t >= 8 ? max(1, threads) : 1)
        let scale = 1 / Float(d).squareRoot()
        let group = c.heads / c.kvHeads
        for (l, layer) in layers.enumerated() {
            Self.rmsNorm(x, layer.attentionNorm, rows: t, width: h, epsilon: c.epsilon, into: &normed)
            workspace.product(normed, rows: t, layer.q, into: &q)
            workspace.product(normed, rows: t, layer.k, into: &k)
            workspace.product(normed, rows: t, layer.v, into: &v)
            q.withUnsafeMutableBufferPointer { q in
                k.withUnsafeMutableBufferPointer { k in
                    for i in 0 ..< t {
                        ql_rope(q.baseAddress! + i * h, Int32(c.heads), Int32(d), Int32(start + i), c.ropeBase)
                        ql_rope(k.baseAddress! + i * kvWidth, Int32(c.kvHeads), Int32(d), Int32(start + i), c.ropeBase)
                    }
                }
            }
            Self.appendF16(k, to: &cache.keys[l])
            Self.appendF16(v, to: &cache.values[l])
            let lanes = t >= 8 ? max(1, threads) : 1
            if scores.count < lanes * (start + t + 8) { scores = [Float](repeating: 0, count: lanes * (start + t + 8)) }
            cache.keys[l].withUnsafeBufferPointer { keys in
                cache.values[l].withUnsafeBufferPointer { values in
                    q.withUnsafeBufferPointer { q in
                        attended.withUnsafeMutableBufferPointer { attended in
                            scores.withUnsafeMutableBufferPointer { scores in
                                // Each (token, head) writes its own slice of `attended` and its lane's scratch.
                                nonisolated(unsafe) let keys = keys.baseAddress!, values = values.baseAddress!, q = q.baseAddress!
                                nonisolated(unsafe) let attended = attended.baseAddress!, scores = scores.baseAddress!
                                let scratch = start + t + 8
                                // Lane j takes the (token, head) pairs j, j + lanes, …
                                DispatchQueue.concurrentPerform(iterations: lanes) { lane in
                                    var pair = lane
                                    while pair < t * c.heads {
                                        let i = pair / c.heads, head = pair % c.heads
                                        let kv = (head / group) * d
                                        ql_attend(q + i * h + head * d, keys + kv, values + kv, Int64(kvWidth), Int32(start + i + 1), Int32(d), scale,
                                                  t > 1 ? 1 : 0, scores + lane * scratch, attended + i * h + head * d)
                                        pair += lanes
                                    }
                                }
                            }
                        }
                    }
                }
            }
            workspace.product(attended, rows: t, layer.o, into: &projected)
            for i in 0 ..< t * h { x[i] += projected[i] }
            Self.rmsNorm(x, layer.ffnNorm, rows: t, width: h, epsilon: c.epsilon, into: &normed)
            workspace.product(normed, rows: t, layer.gate, into: &gate)
            workspace.product(normed, rows: t, layer.up, into: &up)
            gate.withUnsafeMutableBufferPointer { g in up.withUnsafeBufferPointer { u in ql_swiglu(g.baseAddress!, u.baseAddress!, Int64(t * f)) } }
            workspace.product(gate, rows: t, layer.down, into: &projected)
            for i in 0 ..< t * h { x[i] += projected[i] }
        }
        cache.advance(t)
        // Only the last position's logits are needed.
        let last = Array(x[((t - 1) * h)...])
        var finalNorm = [Float](repeating: 0, count: h)
        Self.rmsNorm(last, outputNorm, rows: 1, width: h, epsilon: c.epsilon, into: &finalNorm)
        var logits = [Float](repeating: 0, count: c.vocabulary)
        workspace.product(finalNorm, rows: 1, output, into: &logits)
        return logits
    }

    static func rmsNorm(_ x: [Float], _ weight: [Float], rows: Int, width: Int, epsilon: Float, into out: inout [Float]) {
        x.withUnsafeBufferPointer { x in
            weight.withUnsafeBufferPointer { w in
                out.withUnsafeMutableBufferPointer { o in
                    for r in 0 ..< rows {
                        ql_rmsnorm(x.baseAddress! + r * width, w.baseAddress!, o.baseAddress! + r * width, Int32(width), epsilon)
                    }
                }
            }
        }
    }

    static func appendF16(_ x: [Float], to cache: inout [UInt16]) {
        let start = cache.count
        cache.append(contentsOf: repeatElement(0, count: x.count))
        x.withUnsafeBufferPointer { x in
            cache.withUnsafeMutableBufferPointer { c in ql_to_f16(x.baseAddress!, c.baseAddress! + start, Int64(x.count)) }
        }
    }

    /// The activation blocks of one product, reused from product to product.
    struct Workspace {
        var blocks: [UInt8] = []
        let threads: Int

        init(threads: Int) { self.threads = threads }

        /// out[rows × m.rows] = x[rows × m.columns] · mᵀ.
        mutating func product(_ x: [Float], rows: Int, _ m: Matrix, into out: inout [Float]) {
            switch m.storage {
            case .blocks(let type, let weights):
                nonisolated(unsafe) let base = weights
                let perRow = m.columns / type.blockWeights
                // Q4_1 weights meet Q8_1 activations (with their block sums), the others Q8_0.
                let needed = rows * perRow * Int(type == .q4_1 ? QL_Q8_1_BYTES : QL_Q8_0_BYTES)
                if blocks.count < needed { blocks = [UInt8](repeating: 0, count: needed) }
                x.withUnsafeBufferPointer { x in
                    blocks.withUnsafeMutableBytes { a in
                        if type == .q4_1 {
                            ql_quantize_q8_1(x.baseAddress!, a.baseAddress!, Int64(rows * m.columns))
                        } else {
                            ql_quantize_q8_0(x.baseAddress!, a.baseAddress!, Int64(rows * m.columns))
                        }
                        out.withUnsafeMutableBufferPointer { o in
                            // Each band writes its own rows of `out`.
                            nonisolated(unsafe) let activations = UnsafeRawPointer(a.baseAddress!), output = o.baseAddress!
                            // Each thread takes a band of the weight rows (a multiple of 8) for every token.
                            let parts = min(threads, max(1, m.rows / 64))
                            let band = (m.rows / parts + 7) / 8 * 8
                            let rowBytes = perRow * type.blockBytes, allRows = m.rows, kernelType = Int32(type.rawValue)
                            DispatchQueue.concurrentPerform(iterations: parts) { part in
                                let first = part * band, count = min(band, allRows - first)
                                guard count > 0 else { return }
                                _ = ql_gemm(kernelType, base + first * rowBytes, Int64(count), Int64(perRow), activations, Int64(rows),
                                            output + first, Int64(allRows))
                            }
                        }
                    }
                }
            case .floats(let w):
                x.withUnsafeBufferPointer { x in
                    w.withUnsafeBufferPointer { w in
                        out.withUnsafeMutableBufferPointer { o in
                            BLAS.gemm(m: rows, n: m.rows, k: m.columns, a: x.baseAddress!, lda: m.columns, b: w.baseAddress!, ldb: m.columns,
                                      transposeB: true, c: o.baseAddress!, ldc: m.rows)
                        }
                    }
                }
            }
        }
    }

    /// Greedy decoding: the `count` tokens the model finds likeliest one after another,
    /// stopping early at a token in `stop`.
    /// `banned` tokens are never chosen (llama.cpp's `ignore_eos` bans the end-of-generation ones).
    public func greedy(_ prompt: [Int32], count: Int, stop: Set<Int32> = [], banned: Set<Int32> = []) throws -> [Int32] {
        var cache = makeCache()
        var logits = try forward(prompt, cache: &cache)
        var sampler = Sampler(temperature: 0)
        var out: [Int32] = []
        for _ in 0 ..< count {
            let next = sampler.next(logits, banned: banned)
            out.append(next)
            if stop.contains(next) { break }
            logits = try forward([next], cache: &cache)
        }
        return out
    }
}
