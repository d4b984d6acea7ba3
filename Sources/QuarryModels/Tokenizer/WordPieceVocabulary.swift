import Foundation

/// A tokenizer set-up failure: a missing or unreadable vocabulary, a vocabulary without the BERT special tokens,
/// or an unreadable `tokenizer_config.json`.
public struct TokenizerError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Code: String, Sendable {
        case missingFile, invalidFile, missingSpecialToken
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}

/// A WordPiece vocabulary as stored in a BERT `vocab.txt`: one token per line, the id of a token is its
/// (zero-based) line number.
///
/// Loading follows Hugging Face: trailing whitespace (including a `\r` of CRLF files) is trimmed from each line,
/// a final newline does not add an empty token, and when a token occurs twice `id(_:)` answers the later line
/// while `token(_:)` still answers each line's own text.
public struct WordPieceVocabulary: Sendable {
    /// The token of each id.
    public let tokens: [String]
    private let ids: [String: Int32]

    public let clsID: Int32
    public let sepID: Int32
    public let padID: Int32
    public let unkID: Int32
    /// `[MASK]`, when the vocabulary has one.
    public let maskID: Int32?

    public static let clsToken = "[CLS]"
    public static let sepToken = "[SEP]"
    public static let padToken = "[PAD]"
    public static let unkToken = "[UNK]"
    public static let maskToken = "[MASK]"

    /// Reads a `vocab.txt`. Throws when the file is missing or unreadable, is not UTF-8, or lacks one of
    /// `[CLS]`, `[SEP]`, `[PAD]`, `[UNK]`.
    public init(contentsOf url: URL) throws {
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw TokenizerError(.missingFile, "WordPiece vocabulary not found at \(url.path) (expected a vocab.txt, one token per line)")
        }
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw TokenizerError(.invalidFile, "cannot read WordPiece vocabulary \(url.path): \(error)")
        }
        guard let text = String(validating: data, as: UTF8.self) else {
            throw TokenizerError(.invalidFile, "WordPiece vocabulary \(url.path) is not valid UTF-8")
        }
        // Split on U+000A scalars (not Characters: "\r\n" is one Character) and trim trailing whitespace.
        var lines = text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false)
        if lines.last?.isEmpty == true { lines.removeLast() }
        let tokens = lines.map { line -> String in
            var end = line.endIndex
            while end > line.startIndex {
                let previous = line.index(before: end)
                guard line[previous].properties.isWhitespace else { break }
                end = previous
            }
            return String(String.UnicodeScalarView(line[line.startIndex..<end]))
        }
        do {
            try self.init(tokens: tokens)
        } catch let error as TokenizerError {
            throw TokenizerError(error.code, "\(url.path): \(error.message)")
        }
    }

    /// A vocabulary from its tokens in id order. Throws when `[CLS]`, `[SEP]`, `[PAD]` or `[UNK]` is missing.
    public init(tokens: [String]) throws {
        guard tokens.count < Int(Int32.max) else {
            throw TokenizerError(.invalidFile, "WordPiece vocabulary has \(tokens.count) tokens, more than Int32 ids can address")
        }
        var ids = [String: Int32](minimumCapacity: tokens.count)
        for (index, token) in tokens.enumerated() {
            ids[token] = Int32(index)  // a later duplicate wins, as in Hugging Face
        }
        func require(_ token: String) throws -> Int32 {
            guard let id = ids[token] else {
                throw TokenizerError(.missingSpecialToken, "WordPiece vocabulary (\(tokens.count) tokens) has no \(token) token; a BERT vocabulary needs [CLS], [SEP], [PAD] and [UNK]")
            }
            return id
        }
        self.tokens = tokens
        self.ids = ids
        clsID = try require(Self.clsToken)
        sepID = try require(Self.sepToken)
        padID = try require(Self.padToken)
        unkID = try require(Self.unkToken)
        maskID = ids[Self.maskToken]
    }

    /// The number of ids (lines), duplicates included.
    public var count: Int { tokens.count }

    /// The id of a token (exact, case-sensitive match; continuation pieces carry their `##`).
    public func id(_ token: String) -> Int32? { ids[token] }

    /// The token of an id; `[UNK]` for an id outside the vocabulary.
    public func token(_ id: Int32) -> String {
        guard id >= 0, Int(id) < tokens.count else { return Self.unkToken }
        return tokens[Int(id)]
    }
}
