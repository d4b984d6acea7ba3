/// A type that counts tokens the way an embedder will, so the chunker's budget means what
/// the model sees. Until an embedder provides its own (WordPiece), words are counted.
public protocol TokenCounter: Sendable {
    /// A name recorded with the collection's chunking settings ("words", "wordpiece:…").
    var name: String { get }
    /// The number of tokens in `text`.
    func countTokens(_ text: String) -> Int
    /// Tokens the model adds to every input (e.g. [CLS] and [SEP]), taken off the budget.
    var reservedTokens: Int { get }
}

extension TokenCounter {
    public var reservedTokens: Int { 0 }
}

/// Counts word-like ICU segments (numbers, letter runs, each CJK word).
public struct WordTokenCounter: TokenCounter {
    public let name = "words"
    let segmenter = Segmenter()

    public init() {}

    public func countTokens(_ text: String) -> Int {
        guard let segments = try? segmenter.words(UTF16Text(text)) else {
            // ICU cannot fail on valid UTF-16 short of memory exhaustion; a whitespace count
            // keeps the chunker's budget meaningful if it ever does.
            return text.split(whereSeparator: \.isWhitespace).count
        }
        var count = 0
        for segment in segments where segment.kind.isWordLike { count += 1 }
        return count
    }
}
