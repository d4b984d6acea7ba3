import Foundation

/// The fields of a Hugging Face BERT `config.json` that the forward pass needs.
public struct BertConfiguration: Sendable, Equatable, Decodable {
    public var hiddenSize: Int
    public var layerCount: Int
    public var headCount: Int
    public var intermediateSize: Int
    public var maxPositions: Int
    public var vocabularySize: Int
    public var typeVocabularySize: Int
    public var layerNormEpsilon: Float
    public var hiddenActivation: String
    /// Outputs of a sequence-classification head (cross-encoders), when present.
    public var labelCount: Int?

    enum CodingKeys: String, CodingKey {
        case hiddenSize = "hidden_size", layerCount = "num_hidden_layers", headCount = "num_attention_heads",
             intermediateSize = "intermediate_size", maxPositions = "max_position_embeddings", vocabularySize = "vocab_size",
             typeVocabularySize = "type_vocab_size", layerNormEpsilon = "layer_norm_eps", hiddenActivation = "hidden_act",
             id2label, modelType = "model_type", positionType = "position_embedding_type"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        hiddenSize = try c.decode(Int.self, forKey: .hiddenSize)
        layerCount = try c.decode(Int.self, forKey: .layerCount)
        headCount = try c.decode(Int.self, forKey: .headCount)
        intermediateSize = try c.decode(Int.self, forKey: .intermediateSize)
        maxPositions = try c.decode(Int.self, forKey: .maxPositions)
        vocabularySize = try c.decode(Int.self, forKey: .vocabularySize)
        typeVocabularySize = try c.decodeIfPresent(Int.self, forKey: .typeVocabularySize) ?? 2
        layerNormEpsilon = try c.decodeIfPresent(Float.self, forKey: .layerNormEpsilon) ?? 1e-12
        hiddenActivation = try c.decodeIfPresent(String.self, forKey: .hiddenActivation) ?? "gelu"
        labelCount = try c.decodeIfPresent([String: String].self, forKey: .id2label)?.count
        let modelType = try c.decodeIfPresent(String.self, forKey: .modelType) ?? "bert"
        let positions = try c.decodeIfPresent(String.self, forKey: .positionType) ?? "absolute"
        guard ["bert"].contains(modelType) else { throw ModelError(.unsupported, "model_type \(modelType) is not supported (BERT only)") }
        guard positions == "absolute" else { throw ModelError(.unsupported, "position_embedding_type \(positions) is not supported") }
        guard ["gelu", "gelu_python"].contains(hiddenActivation) else {
            throw ModelError(.unsupported, "hidden_act \(hiddenActivation) is not supported (exact GELU only)")
        }
        guard hiddenSize > 0, headCount > 0, hiddenSize % headCount == 0, layerCount > 0, intermediateSize > 0, maxPositions > 0 else {
            throw ModelError(.invalidFile, "config.json: inconsistent sizes (hidden \(hiddenSize), heads \(headCount))")
        }
    }

    /// A configuration from a file format that states its sizes itself (E5S1): BERT's
    /// exact GELU and absolute positions.
    init(hiddenSize: Int, layerCount: Int, headCount: Int, intermediateSize: Int, maxPositions: Int,
         vocabularySize: Int, typeVocabularySize: Int, layerNormEpsilon: Float) {
        self.hiddenSize = hiddenSize
        self.layerCount = layerCount
        self.headCount = headCount
        self.intermediateSize = intermediateSize
        self.maxPositions = maxPositions
        self.vocabularySize = vocabularySize
        self.typeVocabularySize = typeVocabularySize
        self.layerNormEpsilon = layerNormEpsilon
        hiddenActivation = "gelu"
        labelCount = nil
    }

    /// Reads `config.json` from a model folder.
    public static func load(modelDirectory: URL) throws -> BertConfiguration {
        let url = modelDirectory.appendingPathComponent("config.json")
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw ModelError(.missingFile, "no config.json in \(modelDirectory.path) (is this a Hugging Face model folder? scripts/fetch-model downloads the default)")
        }
        do {
            return try JSONDecoder().decode(BertConfiguration.self, from: data)
        } catch let error as ModelError {
            throw error
        } catch {
            throw ModelError(.invalidFile, "\(url.path): \(error)")
        }
    }
}
