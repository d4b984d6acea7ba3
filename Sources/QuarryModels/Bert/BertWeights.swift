import Foundation

/// The weights of a BERT encoder, read from `model.safetensors` and checked against the
/// configuration's shapes. Query, key and value projections are concatenated into one
/// [3H × H] matrix so a layer does one GEMM for all three.
struct BertWeights: Sendable {
    struct Layer: Sendable {
        var qkv: [Float]          // [3H × H]
        var qkvBias: [Float]      // [3H]
        var attentionOut: [Float] // [H × H]
        var attentionOutBias: [Float]
        var attentionNormGamma: [Float]
        var attentionNormBeta: [Float]
        var intermediate: [Float] // [I × H]
        var intermediateBias: [Float]
        var output: [Float]       // [H × I]
        var outputBias: [Float]
        var outputNormGamma: [Float]
        var outputNormBeta: [Float]
    }

    var wordEmbeddings: [Float]     // [V × H]
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
        wordEmbeddings = try tensor("embeddings.word_embeddings.weight", [c.vocabularySize, h])
        positionEmbeddings = try tensor("embeddings.position_embeddings.weight", [c.maxPositions, h])
        typeEmbeddings = try tensor("embeddings.token_type_embeddings.weight", [c.typeVocabularySize, h])
        (embeddingNormGamma, embeddingNormBeta) = try norm("embeddings.LayerNorm")
        layers = try (0 ..< c.layerCount).map { l in
            let p = "encoder.layer.\(l)."
            let (attentionGamma, attentionBeta) = try norm(p + "attention.output.LayerNorm")
            let (outputGamma, outputBeta) = try norm(p + "output.LayerNorm")
            return Layer(
                qkv: try tensor(p + "attention.self.query.weight", [h, h]) + tensor(p + "attention.self.key.weight", [h, h])
                    + tensor(p + "attention.self.value.weight", [h, h]),
                qkvBias: try tensor(p + "attention.self.query.bias", [h]) + tensor(p + "attention.self.key.bias", [h])
                    + tensor(p + "attention.self.value.bias", [h]),
                attentionOut: try tensor(p + "attention.output.dense.weight", [h, h]),
                attentionOutBias: try tensor(p + "attention.output.dense.bias", [h]),
                attentionNormGamma: attentionGamma, attentionNormBeta: attentionBeta,
                intermediate: try tensor(p + "intermediate.dense.weight", [i, h]),
                intermediateBias: try tensor(p + "intermediate.dense.bias", [i]),
                output: try tensor(p + "output.dense.weight", [h, i]),
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
}
