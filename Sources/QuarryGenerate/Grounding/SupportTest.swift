import QuarryText
import QuarryWire

/// Whether passages back a sentence: the one test behind both the grounding check at answer
/// time and the eval's `support_rate`, so what is measured is what users are shown.
///
/// A sentence is supported when at least `threshold` (80 %) of its content terms — the
/// collection's analyzer, so stop words drop out and stems match, citation markers removed —
/// occur in the passages, and every number it states does (numbers are what small models
/// invent most: a right-sounding sentence with a wrong year must fail). A lexical test: it
/// catches claims whose words are not in the sources, not a sentence that recombines the
/// sources' words into a falsehood.
public struct SupportTest: Sendable {
    public let analyzer: any Analyzer
    public var threshold: Double
    /// The language both sides are read in, for a language-aware analyzer ("" otherwise):
    /// the passages', so a two-word answer ("Pittsburgh Steelers") is not guessed to be
    /// another language and stemmed apart from the passage it quotes.
    public var language: String

    public init(analyzer: any Analyzer, threshold: Double = 0.8, language: String = "") {
        self.analyzer = analyzer
        self.threshold = threshold
        self.language = language
    }

    /// This test reading in the language of `passages` (when its analyzer is language-aware).
    public func reading(_ passages: [ContextPassage]) -> SupportTest {
        guard analyzer.isLanguageAware, language.isEmpty, !passages.isEmpty else { return self }
        var test = self
        test.language = LanguageIdentifier.identify(passages.map(\.text).joined(separator: "\n")).code
        return test
    }

    /// The terms of `text` with citation markers removed.
    public func terms(_ text: String) throws -> Set<String> {
        let cleaned = CitationParser.removingMarkers(text)
        guard analyzer.isLanguageAware, !language.isEmpty else { return Set(try analyzer.terms(cleaned)) }
        return Set(try analyzer.analyze(cleaned, language: language).map(\.term))
    }

    public struct Outcome: Sendable {
        public var supported: Bool
        /// Share of content terms found (1 for a sentence without content terms).
        public var coverage: Double
        /// Terms not found, numbers first.
        public var missing: [String]
        /// The sentence has no content term at all ("Yes.").
        public var empty: Bool
    }

    /// Whether `pool` (the terms of the passages in question) backs a sentence with `terms`.
    public func judge(_ terms: Set<String>, against pool: Set<String>) -> Outcome {
        guard !terms.isEmpty else { return Outcome(supported: false, coverage: 0, missing: [], empty: true) }
        let missing = terms.subtracting(pool)
        let numbers = missing.filter { $0.contains(where: \.isNumber) }.sorted()
        let coverage = Double(terms.count - missing.count) / Double(terms.count)
        return Outcome(supported: coverage >= threshold && numbers.isEmpty, coverage: coverage,
                       missing: numbers + missing.subtracting(numbers).sorted(), empty: false)
    }
}
