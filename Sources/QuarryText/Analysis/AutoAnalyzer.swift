/// The default analyzer: each document analysed with its own language's chain, each query
/// with its language's chain when that can be trusted.
///
/// Documents: the language is identified once per document at ingest (CLD2 over title and
/// text, stored in the collection) and every chunk of it is analysed with that language's
/// `LanguageChain`; text handed over without a language is identified on the spot.
///
/// Queries: CLD2 on the query. When it is reliable and the language holds at least 2% of the
/// collection's chunks, that chain alone is used. Otherwise — one- or two-word queries,
/// unidentifiable text, a language the collection does not hold — the query's terms are
/// the union of the chains of the collection's significant languages that can be written in
/// the query's scripts (a Cyrillic query never gets the German chain), CLD2's unreliable
/// guess first when it is one of them, at most six, each term once. A query is therefore
/// analysed as the documents it can match were, and a single-language collection always
/// gets its own chain: never worse than `standard`. No relevance label enters the rule.
public struct AutoAnalyzer: Analyzer {
    public let name = "auto"
    public var isLanguageAware: Bool { true }

    public init() {}

    public func analyze(_ text: String) throws -> [Token] {
        try analyze(text, language: "")
    }

    public func analyze(_ text: String, language: String) throws -> [Token] {
        let code = language.isEmpty ? LanguageIdentifier.identify(text).code : language
        return try LanguageChain.forLanguage(code).analyze(text)
    }

    public func analyzeQuery(_ query: String, languages: LanguageMix) throws -> QueryAnalysis {
        let guess = LanguageIdentifier.identify(query)
        let present = languages.significant
        var codes: [String]
        if guess.reliable, present.isEmpty || present.contains(guess.code) {
            codes = [guess.code]
        } else {
            let scripts = Set(ScriptProfile(query).letters.keys)
            codes = present.filter { LanguageChain.language($0, canBeWrittenIn: scripts) }
            if let first = codes.firstIndex(of: guess.code) { codes.insert(codes.remove(at: first), at: 0) }
            codes = Array(codes.prefix(LanguageMix.maximumLanguages))
            if codes.isEmpty { codes = present.isEmpty ? [guess.code] : [LanguageGuess.unknownCode] }
        }
        var chains: [LanguageChain] = []
        for code in codes {
            let chain = LanguageChain.forLanguage(code)
            if !chains.contains(where: { $0.name == chain.name }) { chains.append(chain) }
        }
        var terms = try chains[0].analyze(query).map(\.term)
        if chains.count > 1 {
            var seen = Set(terms)
            for chain in chains.dropFirst() {
                for token in try chain.analyze(query) where seen.insert(token.term).inserted { terms.append(token.term) }
            }
        }
        return QueryAnalysis(terms: terms, language: guess, chains: chains.map(\.name))
    }
}
