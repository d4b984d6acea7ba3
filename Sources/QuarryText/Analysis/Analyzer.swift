/// A type that turns text into index terms: the seam between raw text and lexical search.
///
/// The same analyzer must run at index and query time; a collection records its analyzer's
/// `name` so a query can never be analysed differently from the documents.
public protocol Analyzer: Sendable {
    /// The registry name recorded in a collection's manifest ("standard", "english").
    var name: String { get }
    /// The tokens of `text`, in order, with offsets into `text`.
    func analyze(_ text: String) throws -> [Token]
}

extension Analyzer {
    /// Just the terms of `text`.
    public func terms(_ text: String) throws -> [String] {
        try analyze(text).map(\.term)
    }
}

/// The analyzers Quarry ships, by name.
public enum Analyzers {
    /// Every registered name.
    public static let names = ["standard", "english", "arabic"]

    /// The analyzer called `name`.
    /// - Throws: `TextError.unknownAnalyzer`.
    public static func named(_ name: String) throws -> any Analyzer {
        switch name {
        case "standard": StandardAnalyzer()
        case "english": EnglishAnalyzer()
        case "arabic": ArabicAnalyzer()
        default: throw TextError(code: .unknownAnalyzer, detail: "'\(name)'")
        }
    }
}
