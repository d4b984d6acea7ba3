import Foundation
import QuarryCore

/// A Llama-family decoder (SmolLM2, Llama 2/3-style GGUF files): token embeddings, per
/// layer RMSNorm → grouped-query attention with rotary positions and a KV cache → residual
/// → RMSNorm → SwiGLU feed-forward → residual, a final RMSNorm and the output projection
/// (tied to the embeddings when the file has no `output.weight`).
///
/// This is the reference path: every matrix is widened to Float32 at load (SmolLM2-135M:
/// 540 MB) and products go through BLAS, a prompt as one matrix, then one token at a
/// time. It rounds as llama.cpp's CPU backend does, so the two agree token for token:
/// activations to 8-bit blocks of 32 before each product with quantised weights, and
/// queries, keys and values to Float16 (its default KV cache). Rotary positions are llama.cpp's "normal" kind for the llama architecture: each
/// head's dimensions rotate in adjacent pairs, θᵢ = base^(−2i/d), the GGUF converter having
/// permuted Q and K to match.
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

    struct Layer {
        var attentionNorm: [Float]
        var q: [Float], k: [Float], v: [Float], o: [Float]
        var ffnNorm: [Float]
        var gate: [Float], up: [Float], down: [Float]
    }

    public let configuration: Configuration
    let embeddings: [Float]   // [vocabulary × hidden]
    let outputNorm: [Float]
    let output: [Float]?      // [vocabulary × hidden]; nil: tied to the embeddings
    let layers: [Layer]

    /// Reads a llama-architecture GGUF file.
    /// - Throws: `ModelError` naming the file and the key or tensor for another
    ///   architecture, a missing tensor or a shape that disagrees with the metadata.
    public init(gguf file: GGUFFile) throws {
        try BLAS.load()
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
        let embedding = try file.tensor("token_embd.weight")
        let c = Configuration(layers: try int("block_count"), hidden: hidden, feedForward: try int("feed_forward_length"), heads: heads,
                              kvHeads: kvHeads, headDimension: hidden / heads, vocabulary: embedding.rowCount,
                              contextLength: try int("context_length"),
                              ropeBase: Float(file.metadata["llama.rope.freq_base"]?.double ?? 10000),
                              epsilon: Float(file.metadata["llama.attention.layer_norm_rms_epsilon"]?.double ?? 1e-5))
        configuration = c
        func matrix(_ name: String, rows: Int, columns: Int) throws -> [Float] {
            let t = try file.tensor(name)
            guard t.dimensions == (rows == 1 ? [columns] : [columns, rows]) else {
                throw ModelError(.shapeMismatch, "\(path): tensor \(name) is \(t.dimensions), expected \(rows == 1 ? [columns] : [columns, rows])")
            }
            return try file.floats(name)
        }
        let kvWidth = kvHeads * c.headDimension
        embeddings = try matrix("token_embd.weight", rows: c.vocabulary, columns: hidden)
        outputNorm = try matrix("output_norm.weight", rows: 1, columns: hidden)
        output = file.tensors.contains { $0.name == "output.weight" } ? try matrix("output.weight", rows: c.vocabulary, columns: hidden) : nil
        layers = try (0 ..< c.layers).map { l in
            let p = "blk.\(l)."
            return Layer(attentionNorm: try matrix(p + "attn_norm.weight", rows: 1, columns: hidden),
                         q: try matrix(p + "attn_q.weight", rows: hidden, columns: hidden),
                         k: try matrix(p + "attn_k.weight", rows: kvWidth, columns: hidden),
                         v: try matrix(p + "attn_v.weight", rows: kvWidth, columns: hidden),
                         o: try matrix(p + "attn_output.weight", rows: hidden, columns: hidden),
                         ffnNorm: try matrix(p + "ffn_norm.weight", rows: 1, columns: hidden),
                         gate: try matrix(p + "ffn_gate.weight", rows: c.feedForward, columns: hidden),
                         up: try matrix(p + "ffn_up.weight", rows: c.feedForward, columns: hidden),
                         down: try matrix(p + "ffn_down.weight", rows: hidden, columns: c.feedForward))
        }
    }

    /// Keys and values of the positions seen so far, per layer.
    public struct Cache: Sendable {
        var keys: [[Float]]
        var values: [[Float]]
        public private(set) var count = 0

        init(layers: Int) {
            keys = Array(repeating: [], count: layers)
            values = Array(repeating: [], count: layers)
        }

        mutating func advance(_ n: Int) { count += n }
    }

    public func makeCache() -> Cache { Cache(layers: configuration.layers) }

    /// Runs `tokens` after what `cache` holds and returns the logits of the last one.
    /// - Throws: `ModelError(.unsupported)` past the context length or for an id outside
    ///   the vocabulary.
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
        let t = tokens.count, h = c.hidden, d = c.headDimension, kvWidth = c.kvHeads * d
        let start = cache.count
        var x = [Float](repeating: 0, count: t * h)
        for (i, token) in tokens.enumerated() {
            for j in 0 ..< h { x[i * h + j] = embeddings[Int(token) * h + j] }
        }
        var normed = [Float](repeating: 0, count: t * h)
        var q = [Float](repeating: 0, count: t * h)
        var k = [Float](repeating: 0, count: t * kvWidth)
        var v = [Float](repeating: 0, count: t * kvWidth)
        var attended = [Float](repeating: 0, count: t * h)
        var projected = [Float](repeating: 0, count: t * h)
        var gate = [Float](repeating: 0, count: t * c.feedForward)
        var up = [Float](repeating: 0, count: t * c.feedForward)
        let scale = 1 / Float(d).squareRoot()
        let group = c.heads / c.kvHeads
        let rotation = rotations(positions: start ..< start + t)
        for (l, layer) in layers.enumerated() {
            Self.rmsNorm(x, layer.attentionNorm, rows: t, width: h, epsilon: c.epsilon, into: &normed)
            normed = Self.roundedToQ8(normed)
            Self.product(normed, rows: t, inner: h, layer.q, outputs: h, into: &q)
            Self.product(normed, rows: t, inner: h, layer.k, outputs: kvWidth, into: &k)
            Self.product(normed, rows: t, inner: h, layer.v, outputs: kvWidth, into: &v)
            Self.rotate(&q, rows: t, heads: c.heads, headDimension: d, by: rotation)
            Self.rotate(&k, rows: t, heads: c.kvHeads, headDimension: d, by: rotation)
            q = Self.roundedToF16(q)
            cache.keys[l] += Self.roundedToF16(k)
            cache.values[l] += Self.roundedToF16(v)
            let total = start + t
            let keys = cache.keys[l], values = cache.values[l]
            var scores = [Float](repeating: 0, count: total)
            for i in 0 ..< t {
                let visible = start + i + 1
                for head in 0 ..< c.heads {
                    let kv = head / group
                    let qBase = i * h + head * d
                    var best = -Float.infinity
                    for p in 0 ..< visible {
                        var s: Float = 0
                        let kBase = p * kvWidth + kv * d
                        for e in 0 ..< d { s += q[qBase + e] * keys[kBase + e] }
                        s *= scale
                        scores[p] = s
                        best = max(best, s)
                    }
                    var sum: Float = 0
                    for p in 0 ..< visible {
                        scores[p] = expf(scores[p] - best)
                        sum += scores[p]
                    }
                    for e in 0 ..< d { attended[qBase + e] = 0 }
                    for p in 0 ..< visible {
                        let w = Float(Float16(scores[p] / sum))  // the weights meet F16 values
                        let vBase = p * kvWidth + kv * d
                        for e in 0 ..< d { attended[qBase + e] += w * values[vBase + e] }
                    }
                }
            }
            attended = Self.roundedToQ8(attended)
            Self.product(attended, rows: t, inner: h, layer.o, outputs: h, into: &projected)
            for i in 0 ..< t * h { x[i] += projected[i] }
            Self.rmsNorm(x, layer.ffnNorm, rows: t, width: h, epsilon: c.epsilon, into: &normed)
            normed = Self.roundedToQ8(normed)
            Self.product(normed, rows: t, inner: h, layer.gate, outputs: c.feedForward, into: &gate)
            Self.product(normed, rows: t, inner: h, layer.up, outputs: c.feedForward, into: &up)
            for i in 0 ..< t * c.feedForward {
                let g = gate[i]
                gate[i] = g / (1 + expf(-g)) * up[i]
            }
            gate = Self.roundedToQ8(gate)
            Self.product(gate, rows: t, inner: c.feedForward, layer.down, outputs: h, into: &projected)
            for i in 0 ..< t * h { x[i] += projected[i] }
        }
        cache.advance(t)
        // Only the last position's logits are needed.
        let last = Array(x[((t - 1) * h)...])
        var finalNorm = [Float](repeating: 0, count: h)
        Self.rmsNorm(last, outputNorm, rows: 1, width: h, epsilon: c.epsilon, into: &finalNorm)
        var logits = [Float](repeating: 0, count: c.vocabulary)
        finalNorm = Self.roundedToQ8(finalNorm)
        Self.product(finalNorm, rows: 1, inner: h, output ?? embeddings, outputs: c.vocabulary, into: &logits)
        return logits
    }

    /// (cos, sin) of each position's rotary angle for each pair of a head's dimensions,
    /// θᵢ = position · base^(−2i/d): computed once per call, shared by every head and layer.
    private func rotations(positions: Range<Int>) -> [(cos: Float, sin: Float)] {
        let d = configuration.headDimension
        let frequencies = (0 ..< d / 2).map { powf(configuration.ropeBase, -2 * Float($0) / Float(d)) }
        return positions.flatMap { position in
            frequencies.map { frequency in
                let theta = Float(position) * frequency
                return (cosf(theta), sinf(theta))
            }
        }
    }

    /// Rotates each head's dimensions in adjacent pairs, row r by `rotation`'s r-th block.
    private static func rotate(_ x: inout [Float], rows: Int, heads: Int, headDimension d: Int, by rotation: [(cos: Float, sin: Float)]) {
        for r in 0 ..< rows {
            for head in 0 ..< heads {
                let base = r * heads * d + head * d
                for i in 0 ..< d / 2 {
                    let (co, s) = rotation[r * (d / 2) + i]
                    let a = x[base + 2 * i], b = x[base + 2 * i + 1]
                    x[base + 2 * i] = a * co - b * s
                    x[base + 2 * i + 1] = a * s + b * co
                }
            }
        }
    }

    static func rmsNorm(_ x: [Float], _ weight: [Float], rows: Int, width: Int, epsilon: Float, into out: inout [Float]) {
        for r in 0 ..< rows {
            var sum: Float = 0
            for j in 0 ..< width { sum += x[r * width + j] * x[r * width + j] }
            let scale = 1 / (sum / Float(width) + epsilon).squareRoot()
            for j in 0 ..< width { out[r * width + j] = x[r * width + j] * scale * weight[j] }
        }
    }

    /// `x` rounded as llama.cpp's CPU backend feeds it to a product with quantised weights:
    /// per block of 32, scale = max |x| / 127 and each value to the nearest multiple.
    static func roundedToQ8(_ x: [Float]) -> [Float] {
        var out = x
        var b = 0
        while b < out.count {
            let end = min(b + 32, out.count)
            var amax: Float = 0
            for i in b ..< end { amax = max(amax, abs(out[i])) }
            let d = amax / 127
            let inverse: Float = d > 0 ? 1 / d : 0
            let stored = Float(Float16(d))  // the block keeps its scale as FP16
            for i in b ..< end { out[i] = (out[i] * inverse).rounded() * stored }
            b = end
        }
        return out
    }

    /// `x` rounded to Float16 (llama.cpp's default KV cache type).
    static func roundedToF16(_ x: [Float]) -> [Float] { x.map { Float(Float16($0)) } }

    /// out[rows × outputs] = x[rows × inner] · Wᵀ, W stored [outputs × inner].
    static func product(_ x: [Float], rows: Int, inner: Int, _ w: [Float], outputs: Int, into out: inout [Float]) {
        x.withUnsafeBufferPointer { x in
            w.withUnsafeBufferPointer { w in
                out.withUnsafeMutableBufferPointer { o in
                    BLAS.gemm(m: rows, n: outputs, k: inner, a: x.baseAddress!, lda: inner, b: w.baseAddress!, ldb: inner,
                              transposeB: true, c: o.baseAddress!, ldc: outputs)
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
        var out: [Int32] = []
        for _ in 0 ..< count {
            for id in banned where Int(id) < logits.count { logits[Int(id)] = -.infinity }
            let next = Int32(logits.indices.max { logits[$0] < logits[$1] } ?? 0)
            out.append(next)
            if stop.contains(next) { break }
            logits = try forward([next], cache: &cache)
        }
        return out
    }
}
