/// How much of a text an embedder's vocabulary holds as whole words: `whole` of `words`.
///
/// A subword model reads a word it has a token for; a word it must cut into three or four
/// fragments (German, Turkish or Vietnamese through an English WordPiece vocabulary) it
/// mostly guesses at. Hybrid search uses the share as evidence of how well the embedder reads
/// a collection and a query (`Fusion.vocabularyTrust`), the way it uses the script coverage:
/// both come from the model's own vocabulary and the text, never from relevance labels.
public struct VocabularyFit: Sendable, Equatable {
    /// Words with at least one letter (numbers and punctuation are read by every model).
    public var words: Int
    /// Those of them that are a single token of the vocabulary.
    public var whole: Int

    public init(words: Int = 0, whole: Int = 0) {
        self.words = words
        self.whole = whole
    }

    /// `whole / words`; nil for a text with no words.
    public var share: Double? { words > 0 ? Double(whole) / Double(words) : nil }

    public static func + (a: VocabularyFit, b: VocabularyFit) -> VocabularyFit {
        VocabularyFit(words: a.words + b.words, whole: a.whole + b.whole)
    }
}
