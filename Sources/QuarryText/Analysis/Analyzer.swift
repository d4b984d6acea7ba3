/// A type that turns text into index terms: the seam between raw text and lexical search.
///
/// The same analyzer must run at index and query time; a collection records its analyzer's
/// `name` so a query can never be analysed differently from the documents.
public protocol Analyzer: Sendable {
    /// The registry name recorded in a collection's manifest ("auto", "standard", "english").
    var name: String { get }
    /// The tokens of `text`, in order, with offsets into `text`.
    func analyze(_ text: String) throws -> [Token]
    /// Whether `analyze(_:language:)` uses the language (only then does indexing pass the
    /// stored document language, or identify one).
    var isLanguageAware: Bool { get }
    /// The tokens of `text` known to be in `language` (a CLD2 code, "" when unknown).
    func analyze(_ text: String, language: String) throws -> [Token]
    /// The terms of a query against a collection whose chunks are in `languages`.
    func analyzeQuery(_ query: String, languages: LanguageMix) throws -> QueryAnalysis
}

extension Analyzer {
    public var isLanguageAware: Bool { false }

    public func analyze(_ text: String, language: String) throws -> [Token] {
        try analyze(text)
    }

    public func analyzeQuery(_ query: String, languages: LanguageMix) throws -> QueryAnalysis {
        QueryAnalysis(terms: try terms(query), chains: [name])
    }

    /// Just the terms of `text`.
    public func terms(_ text: String) throws -> [String] {
        try analyze(text).map(\.term)
    }
}

/// The analyzers Quarry ships, by name.
public enum Analyzers {
    /// Every registered name.
    public static let names = ["auto", "standard", "english", "arabic"]

    /// The analyzer new collections get.
    public static let defaultName = "auto"

    /// The analyzer called `name`.
    /// - Throws: `TextError.unknownAnalyzer`.
    public static func named(_ name: String) throws -> any Analyzer {
        switch name {
        case "auto": AutoAnalyzer()
        case "standard": StandardAnalyzer()
        case "english": EnglishAnalyzer()
        case "arabic": ArabicAnalyzer()
        default: throw TextError(code: .unknownAnalyzer, detail: "'\(name)'")
        }
    }
}
