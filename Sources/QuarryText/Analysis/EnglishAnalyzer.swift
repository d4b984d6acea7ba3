/// The English analyzer: the standard analyzer, then English stop words removed and the
/// Snowball English (Porter2) stemmer applied.
///
/// The stop list is Lucene's classic English set (33 words): short enough not to hurt
/// phrase-like queries, long enough to trim the heaviest postings. Typographic apostrophes
/// (U+2019) are mapped to ASCII before stemming so "dog’s" and "dog's" meet.
public struct EnglishAnalyzer: Analyzer {
    public let name = "english"
    let base = StandardAnalyzer()
    let stemmer = EnglishStemmer()

    /// Lucene's `EnglishAnalyzer.ENGLISH_STOP_WORDS_SET`.
    public static let stopWords: Set<String> = [
        "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into", "is", "it",
        "no", "not", "of", "on", "or", "such", "that", "the", "their", "then", "there", "these",
        "they", "this", "to", "was", "will", "with",
    ]

    public init() {}

    /// One instance for the `auto` analyzer's chains.
    static let shared = EnglishAnalyzer()

    public func analyze(_ text: String) throws -> [Token] {
        var tokens = try base.analyze(text)
        tokens.removeAll { Self.stopWords.contains($0.term) }
        for i in tokens.indices {
            var term = tokens[i].term
            if term.unicodeScalars.contains("\u{2019}") {
                term = String(String.UnicodeScalarView(term.unicodeScalars.map { $0 == "\u{2019}" ? "'" : $0 }))
            }
            tokens[i].term = stemmer.stem(term)
        }
        return tokens
    }
}
