import Foundation
import QuarryCore
import QuarryModels
import QuarryText

/// The built-in embedder: a BERT sentence encoder running in this process (all-MiniLM-L6-v2
/// by default), with no Python and no network.
public struct NativeEmbedder: Embedder {
    public let encoder: SentenceEncoder
    public let identity: EmbedderIdentity
    /// Read off the model's vocabulary (`ScriptProfile.vocabularyScripts`).
    public let scripts: Set<String>?
    /// Per vocabulary id: what the piece is, for `vocabularyFit` (computed once at load).
    let pieceKinds: [PieceKind]

    enum PieceKind: UInt8 {
        /// A `##` continuation of the word before it.
        case continuation
        /// The first piece of a word with a letter in it.
        case word
        /// The first piece of anything else: digits, punctuation, specials.
        case other
    }

    /// Loads a model folder in Hugging Face layout.
    /// - Throws: `EmbedError(.configuration)` naming the folder and the fix when it is missing.
    public init(modelDirectory: URL, maxSequenceLength: Int? = nil) throws {
        guard FileManager.default.fileExists(atPath: modelDirectory.appendingPathComponent("model.safetensors").path) else {
            throw EmbedError(.configuration, "no embedding model at \(modelDirectory.path): neither model.safetensors nor \(E5Encoder.fileName) (run scripts/fetch-model [multilingual-e5-small], set embedding.model, or use --embedder none)")
        }
        encoder = try SentenceEncoder(modelDirectory: modelDirectory, maxSequenceLength: maxSequenceLength)
        identity = EmbedderIdentity(kind: "native", model: modelDirectory.standardizedFileURL.lastPathComponent,
                                    checksum: String(encoder.weightsSHA256.prefix(16)),
                                    pooling: "mean", dimension: encoder.dimension)
        scripts = ScriptProfile.vocabularyScripts(encoder.tokenizer.vocabulary.tokens)
        pieceKinds = Self.pieceKinds(encoder.tokenizer.vocabulary)
    }

    /// The native embedder for a model folder: multilingual-e5 when it holds an E5S1 file
    /// (`scripts/fetch-model multilingual-e5-small`), else a BERT folder in Hugging Face
    /// layout (all-MiniLM-L6-v2).
    /// - Throws: `EmbedError(.configuration)` naming the folder and the fix when it holds neither.
    public static func open(modelDirectory: URL, maxSequenceLength: Int? = nil) throws -> any Embedder {
        // The file's presence decides, not its magic: a truncated download or a Git LFS
        // pointer then gets the reader's precise error instead of "no model here".
        if FileManager.default.fileExists(atPath: modelDirectory.appendingPathComponent(E5Encoder.fileName).path) {
            return try E5Embedder(modelDirectory: modelDirectory, maxSequenceLength: maxSequenceLength)
        }
        return try NativeEmbedder(modelDirectory: modelDirectory, maxSequenceLength: maxSequenceLength)
    }

    static func pieceKinds(_ vocabulary: WordPieceVocabulary) -> [PieceKind] {
        vocabulary.tokens.enumerated().map { id, token in
            if token.hasPrefix("##") && token.count > 2 { return .continuation }
            // [UNK] stands for a word the tokenizer could not cut (most often a symbol or an
            // emoji, which no model reads as a word either way): counted as nothing.
            if Int32(id) == vocabulary.unkID { return .other }
            // Specials and reserved slots ([CLS], [unused7]) are not words of any language.
            if token.hasPrefix("[") && token.hasSuffix("]") { return .other }
            return token.unicodeScalars.contains { $0.properties.isAlphabetic } ? .word : .other
        }
    }

    /// Counts the words of `text` as the tokenizer cuts them: a word is a first piece with a
    /// letter in it and its `##` continuations; it is whole when it is that one piece.
    public func vocabularyFit(_ text: String) -> VocabularyFit? {
        let ids = encoder.tokenizer.wordPieces(text)
        var fit = VocabularyFit()
        var i = 0
        while i < ids.count {
            let id = ids[i]
            var end = i + 1
            while end < ids.count, kind(ids[end]) == .continuation { end += 1 }
            if kind(id) == .word {
                fit.words += 1
                if end == i + 1 { fit.whole += 1 }
            }
            i = end
        }
        return fit
    }

    private func kind(_ id: Int32) -> PieceKind {
        id >= 0 && Int(id) < pieceKinds.count ? pieceKinds[Int(id)] : .other
    }

    /// Runs the (CPU-bound, blocking) encoder on a dispatch thread, so it never occupies the
    /// cooperative thread pool that HTTP handling and other tasks need.
    public func embed(_ texts: [String]) async throws -> [[Float]] {
        let encoder = self.encoder
        return try await BlockingWork.run { encoder.encode(texts) }
    }

    public func countTokens(_ text: String) -> Int? {
        encoder.tokenizer.countTokens(text)
    }

    public var maxInputTokens: Int? { encoder.maxSequenceLength }
    public var specialTokenCount: Int { 2 }
}

/// A deterministic embedder for tests: each word (lower-cased, split on non-letters)
/// hashed into one of `dimension` buckets with a ±1 sign, then L2-normalised. Texts that
/// share words get similar vectors; no model is needed.
public struct HashEmbedder: Embedder {
    public let identity: EmbedderIdentity
    /// nil (reads every script) unless a test sets it.
    public let scripts: Set<String>?
    public init(dimension: Int = 64, scripts: Set<String>? = nil) {
        self.scripts = scripts
        identity = EmbedderIdentity(kind: "hash", model: "fnv1a-words", checksum: "0", pooling: "sum", dimension: dimension)
    }

    public func embed(_ texts: [String]) async throws -> [[Float]] {
        texts.map(vector)
    }

    func vector(_ text: String) -> [Float] {
        var v = [Float](repeating: 0, count: identity.dimension)
        for word in text.lowercased().split(whereSeparator: { !$0.isLetter && !$0.isNumber }) {
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            for byte in word.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
            v[Int(hash % UInt64(identity.dimension))] += (hash >> 63) == 0 ? 1 : -1
        }
        let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
        if norm > 0 { v = v.map { $0 / norm } } else { v[0] = 1 }
        return v
    }

    public func countTokens(_ text: String) -> Int? { nil }
    public var maxInputTokens: Int? { nil }
}
