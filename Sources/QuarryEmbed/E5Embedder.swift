import Foundation
import QuarryCore
import QuarryModels
import QuarryText

/// multilingual-e5-small in this process (`E5Encoder`): about a hundred languages from one 250k-piece
/// SentencePiece vocabulary, queries behind `"query: "` and passages behind `"passage: "`
/// as the model card asks (the prefixes are part of the identity, so a collection embedded
/// with them is never searched without them).
public struct E5Embedder: Embedder {
    public let encoder: E5Encoder
    public let identity: EmbedderIdentity
    public let scripts: Set<String>?
    /// Per piece id: how it counts toward `vocabularyFit` (computed once at load).
    let pieceKinds: [PieceKind]
    /// Pieces the passage prefix adds in front of a chunk.
    let prefixPieces: Int

    enum PieceKind: UInt8 {
        /// Starts a word (`▁` in front) and has a letter.
        case wordStart
        /// Continues the word before it and has a letter.
        case continuation
        /// Letters of a script written without spaces (Han, kana, Thai …): the vocabulary's
        /// own cut is the word cut there, so each such piece is a word of its own.
        case spaceless
        /// A bare `▁`, digits, punctuation, specials: not a word, and does not end one.
        case other
        /// `▁` followed by no letter (`▁(`, `▁1`): starts a word's boundary but is no word.
        case boundary
    }

    static let queryPrefix = "query: "
    static let passagePrefix = "passage: "
    static let spacelessScripts: Set<String> = ["Hani", "Hira", "Kana", "Thai", "Laoo", "Khmr", "Mymr", "Tibt"]

    /// Loads `modelDirectory/e5-small-q4.bin` (`scripts/fetch-model multilingual-e5-small`).
    public init(modelDirectory: URL, maxSequenceLength: Int? = nil) throws {
        encoder = try E5Encoder(modelDirectory: modelDirectory, maxSequenceLength: maxSequenceLength)
        identity = EmbedderIdentity(kind: "native", model: modelDirectory.standardizedFileURL.lastPathComponent,
                                    checksum: String(encoder.weightsSHA256.prefix(16)), pooling: "mean",
                                    dimension: encoder.dimension, queryPrefix: Self.queryPrefix, passagePrefix: Self.passagePrefix)
        let pieces = encoder.tokenizer.pieces
        // 250k pieces shared by about a hundred languages: Thai holds 1.8 % of the
        // multi-letter ones, Katakana 0.3 %, so the 2 % bar meant for English WordPiece
        // vocabularies (where a script with a few dozen entries is noise) would drop them.
        scripts = ScriptProfile.vocabularyScripts(pieces, minimumShare: 0.002)
        pieceKinds = Self.pieceKinds(pieces, specials: [encoder.tokenizer.bosID, encoder.tokenizer.eosID,
                                                        encoder.tokenizer.padID, encoder.tokenizer.unkID])
        let tokenizer = encoder.tokenizer
        prefixPieces = tokenizer.countTokens(Self.passagePrefix + "x") - tokenizer.countTokens("x")
    }

    static func pieceKinds(_ pieces: [String], specials: [Int32]) -> [PieceKind] {
        let specials = Set(specials.map(Int.init))
        return pieces.enumerated().map { id, piece in
            if specials.contains(id) || (piece.hasPrefix("<") && piece.hasSuffix(">")) { return .other }
            let starts = piece.unicodeScalars.first?.value == UnigramTokenizer.metaspace
            let letters = piece.unicodeScalars.filter { $0.properties.isAlphabetic }
            guard let first = letters.first else { return starts ? .boundary : .other }
            if spacelessScripts.contains(ScriptProfile.script(of: first)) { return .spaceless }
            return starts ? .wordStart : .continuation
        }
    }

    /// Counts the words of `text` as the unigram model cuts it: a word is a `▁` piece and
    /// the pieces that continue it; it is whole when it is that one piece. In scripts
    /// written without spaces every piece is a word (and whole).
    public func vocabularyFit(_ text: String) -> VocabularyFit? {
        var fit = VocabularyFit()
        var open = 0  // pieces of the word being read; 0 when none
        func close() {
            if open > 0 {
                fit.words += 1
                if open == 1 { fit.whole += 1 }
            }
            open = 0
        }
        for id in encoder.tokenizer.contentIDs(text) {
            switch id >= 0 && Int(id) < pieceKinds.count ? pieceKinds[Int(id)] : .other {
            case .wordStart:
                close()
                open = 1
            case .continuation:
                // A letter run after a bare `▁(` or after punctuation is a word cut in pieces.
                open += 1
            case .spaceless:
                close()
                fit.words += 1
                fit.whole += 1
            case .boundary, .other:
                close()
            }
        }
        close()
        return fit
    }

    /// Runs the (CPU-bound, blocking) encoder on a dispatch thread, off the cooperative pool.
    public func embed(_ texts: [String]) async throws -> [[Float]] {
        let encoder = self.encoder
        return try await BlockingWork.run { encoder.encode(texts) }
    }

    public func countTokens(_ text: String) -> Int? { encoder.tokenizer.countTokens(text) }
    public var maxInputTokens: Int? { encoder.maxSequenceLength }
    /// `<s>`, `</s>` and the prefix's pieces: what the chunk budget must leave room for.
    public var specialTokenCount: Int { 2 + prefixPieces }
}
