import Foundation
import QuarryCore

/// Picks the next token from a decoder's logits: greedy at temperature 0 (the first of equal
/// maxima, as llama.cpp's greedy sampler), otherwise llama.cpp's usual chain cut short —
/// the `topK` likeliest, softmax at `temperature`, the smallest set holding `topP` of the
/// probability, one drawn from it — with a seeded generator, so a seed repeats an answer.
///
/// `repeatPenalty` (llama.cpp's classic repetition penalty, 1 = off) divides a positive
/// logit, or multiplies a negative one, of every token among the last `penaltyWindow`
/// generated: small models otherwise loop on one sentence until the token budget runs out.
/// Prompt tokens are not penalised, so copying from the passages stays cheap.
public struct Sampler: Sendable {
    public var temperature: Float
    public var topP: Float
    public var topK: Int
    public var repeatPenalty: Float
    public var penaltyWindow: Int
    private var generator: SplitMix64
    private var recent: [Int32] = []

    public init(temperature: Float, topP: Float = 0.95, topK: Int = 40, repeatPenalty: Float = 1, penaltyWindow: Int = 64, seed: UInt64 = 0) {
        self.temperature = temperature
        self.topP = topP
        self.topK = topK
        self.repeatPenalty = repeatPenalty
        self.penaltyWindow = penaltyWindow
        generator = SplitMix64(seed: seed)
    }

    /// Records a generated token for the repetition penalty.
    public mutating func accept(_ token: Int32) {
        recent.append(token)
        if recent.count > penaltyWindow { recent.removeFirst(recent.count - penaltyWindow) }
    }

    /// The next token; `banned` ids are never picked, and when `allowed` is given only its
    /// ids are (copy-constrained decoding).
    public mutating func next(_ logits: [Float], allowed: [Int32]? = nil, banned: Set<Int32> = []) -> Int32 {
        var logits = logits
        if let allowed {
            var masked = [Float](repeating: -.infinity, count: logits.count)
            for id in allowed where id >= 0 && Int(id) < logits.count { masked[Int(id)] = logits[Int(id)] }
            logits = masked
        }
        for id in banned where id >= 0 && Int(id) < logits.count { logits[Int(id)] = -.infinity }
        if repeatPenalty != 1 {
            for id in Set(recent) where id >= 0 && Int(id) < logits.count {
                let l = logits[Int(id)]
                logits[Int(id)] = l > 0 ? l / repeatPenalty : l * repeatPenalty
            }
        }
        if temperature <= 0 {
            var best = 0
            for i in logits.indices where logits[i] > logits[best] { best = i }
            return Int32(best)
        }
        // The topK likeliest, kept sorted as the logits stream past.
        let k = max(1, min(topK, logits.count))
        var top: [(id: Int, logit: Float)] = []
        top.reserveCapacity(k + 1)
        for (i, logit) in logits.enumerated() where logit.isFinite {
            if top.count == k, logit <= top[k - 1].logit { continue }
            let at = top.firstIndex { $0.logit < logit } ?? top.count
            top.insert((i, logit), at: at)
            if top.count > k { top.removeLast() }
        }
        guard let first = top.first else { return 0 }
        var weights = top.map { expf(($0.logit - first.logit) / temperature) }
        let total = weights.reduce(0, +)
        var kept = 0, mass: Float = 0
        while kept < weights.count {
            mass += weights[kept] / total
            kept += 1
            if mass >= topP { break }
        }
        weights = Array(weights.prefix(kept))
        let draw = Float(Double(generator.next() >> 11) / Double(1 << 53)) * weights.reduce(0, +)
        var running: Float = 0
        for (j, w) in weights.enumerated() {
            running += w
            if draw < running { return Int32(top[j].id) }
        }
        return Int32(top[kept - 1].id)
    }
}
