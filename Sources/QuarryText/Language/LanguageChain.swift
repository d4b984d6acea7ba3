import Foundation

/// The analysis one language gets under the `auto` analyzer: the standard analyzer's tokens,
/// then that language's stop words and stemmer.
///
/// - English: Lucene's 33 stop words and the Snowball 3.1 English stemmer (`EnglishStemmer`;
///   libstemmer 2.2.0 predates Snowball 3's English changes, which its fixtures and the
///   bm25s peer's PyStemmer 3.1 follow).
/// - Arabic: the `arabic` analyzer's normalisation and light10 stemming.
/// - The other languages Snowball covers: libstemmer's stemmer, no stop list (BM25's idf
///   already gives the commonest words almost no weight).
/// - Chinese, Japanese, Korean: ICU's dictionary words (in the standard analyzer) plus the
///   character bigrams of each run of Han, kana or Hangul, so a query segmented differently
///   from a document still matches (Lucene's CJK bigrams, keeping the words).
/// - Vietnamese: the syllables plus each pair of adjacent syllables, since most Vietnamese
///   words are two syllables written apart.
/// - Everything else — Thai (character bigrams were measured and hurt), unknown text: the
///   standard chain, unchanged.
public struct LanguageChain: Sendable {
    /// The chain's name as `--explain` shows it: "english", "german", "arabic", "standard".
    public let name: String
    let kind: Kind

    enum Kind: Sendable {
        case standard
        case english
        case arabic
        case snowball(SnowballStemmer)
        case bigrams(Set<String>)
        case shingles
    }

    static let base = StandardAnalyzer()
    static let standard = LanguageChain(name: "standard", kind: .standard)

    /// CLD2 language codes with a Snowball stemmer in libstemmer 2.2.0, by algorithm.
    public static let snowballAlgorithms: [String: String] = [
        "ca": "catalan", "da": "danish", "de": "german", "el": "greek", "es": "spanish", "eu": "basque", "fi": "finnish",
        "fr": "french", "ga": "irish", "hi": "hindi", "hu": "hungarian", "hy": "armenian", "id": "indonesian", "it": "italian",
        "lt": "lithuanian", "ne": "nepali", "nl": "dutch", "nn": "norwegian", "no": "norwegian", "pt": "portuguese",
        "ro": "romanian", "ru": "russian", "sr": "serbian", "sv": "swedish", "ta": "tamil", "tr": "turkish", "yi": "yiddish",
    ]

    private static let chains: [String: LanguageChain] = {
        var chains: [String: LanguageChain] = [
            "en": LanguageChain(name: "english", kind: .english),
            "ar": LanguageChain(name: "arabic", kind: .arabic),
            "zh": LanguageChain(name: "cjk", kind: .bigrams(["Hani"])),
            "zh-Hant": LanguageChain(name: "cjk", kind: .bigrams(["Hani"])),
            "ja": LanguageChain(name: "cjk", kind: .bigrams(["Hani", "Hira", "Kana"])),
            "ko": LanguageChain(name: "cjk", kind: .bigrams(["Hang"])),
            "vi": LanguageChain(name: "vietnamese", kind: .shingles),
        ]
        for (code, algorithm) in snowballAlgorithms {
            if let stemmer = SnowballStemmer(algorithm: algorithm) { chains[code] = LanguageChain(name: algorithm, kind: .snowball(stemmer)) }
        }
        return chains
    }()

    /// The ICU scripts (short names) each language is written in, for the languages the
    /// query rule must tell apart; a language not listed may be written in any script.
    public static let scripts: [String: Set<String>] = {
        var scripts: [String: Set<String>] = [
            "ar": ["Arab"], "fa": ["Arab"], "ur": ["Arab"], "el": ["Grek"], "hi": ["Deva"], "ne": ["Deva"], "mr": ["Deva"],
            "ru": ["Cyrl"], "uk": ["Cyrl"], "bg": ["Cyrl"], "mk": ["Cyrl"], "be": ["Cyrl"], "kk": ["Cyrl"], "sr": ["Cyrl", "Latn"],
            "hy": ["Armn"], "ta": ["Taml"], "yi": ["Hebr"], "he": ["Hebr"], "ka": ["Geor"], "th": ["Thai"], "ko": ["Hang"],
            "zh": ["Hani"], "zh-Hant": ["Hani"], "ja": ["Hani", "Hira", "Kana"],
        ]
        for code in ["ca", "da", "de", "en", "es", "eu", "fi", "fr", "ga", "hu", "id", "it", "lt", "nl", "nn", "no", "pt", "ro", "sv", "tr", "vi"] {
            scripts[code] = ["Latn"]
        }
        return scripts
    }()

    /// Whether text in `scripts` could be in language `code` (true for unlisted languages,
    /// and for text without letters).
    public static func language(_ code: String, canBeWrittenIn scripts: Set<String>) -> Bool {
        guard !scripts.isEmpty, let own = Self.scripts[code] else { return true }
        return !own.isDisjoint(with: scripts)
    }

    /// The chain for a CLD2 language code (the standard chain for any language without one).
    public static func forLanguage(_ code: String) -> LanguageChain {
        chains[code] ?? standard
    }

    /// The tokens of `text` under this chain.
    public func analyze(_ text: String) throws -> [Token] {
        switch kind {
        case .standard: return try Self.base.analyze(text)
        case .english: return try EnglishAnalyzer.shared.analyze(text)
        case .arabic: return try ArabicAnalyzer.shared.analyze(text)
        case .snowball(let stemmer):
            var tokens = try Self.base.analyze(text)
            let stems = stemmer.stem(tokens.map(\.term))
            for i in tokens.indices { tokens[i].term = stems[i] }
            tokens.removeAll { $0.term.isEmpty }
            return tokens
        case .bigrams(let scripts):
            return Self.addBigrams(try Self.base.analyze(text), scripts: scripts)
        case .shingles:
            let tokens = try Self.base.analyze(text)
            var out = tokens
            for i in tokens.indices.dropLast() where tokens[i + 1].position == tokens[i].position + 1 {
                out.append(Token(term: tokens[i].term + " " + tokens[i + 1].term, start: tokens[i].start, end: tokens[i + 1].end, position: tokens[i].position))
            }
            return out
        }
    }

    /// The words plus the overlapping character bigrams of every run of adjacent words in
    /// `scripts` (as Lucene's CJK bigram filter, keeping the dictionary words too), so a query
    /// segmented differently from a document still meets it. A bigram's offsets are its two
    /// characters' when folding kept the word's length, else its words' bounds.
    static func addBigrams(_ tokens: [Token], scripts: Set<String>) -> [Token] {
        var out: [Token] = []
        out.reserveCapacity(tokens.count * 2)
        var run: [(scalar: Unicode.Scalar, start: Int, end: Int, position: Int)] = []
        func flush() {
            if run.count >= 2 {
                for i in 0 ..< run.count - 1 {
                    var term = String.UnicodeScalarView()
                    term.append(run[i].scalar)
                    term.append(run[i + 1].scalar)
                    out.append(Token(term: String(term), start: run[i].start, end: run[i + 1].end, position: run[i].position))
                }
            }
            run.removeAll(keepingCapacity: true)
        }
        var lastEnd = -1
        for token in tokens {
            out.append(token)
            let scalars = Array(token.term.unicodeScalars)
            // Common and Inherited characters (the kana length mark ー, marks) go with the run.
            let names = scalars.map(ScriptProfile.script(of:))
            let inScript = names.contains { scripts.contains($0) } && names.allSatisfy { scripts.contains($0) || $0 == "Zyyy" || $0 == "Zinh" }
            if !inScript || token.start != lastEnd { flush() }
            if inScript {
                let exact = scalars.count == token.end - token.start
                for (i, scalar) in scalars.enumerated() {
                    run.append((scalar, exact ? token.start + i : token.start, exact ? token.start + i + 1 : token.end, token.position))
                }
            }
            lastEnd = token.end
        }
        flush()
        return out
    }
}

/// How a collection's chunks divide between languages: what a query is analysed against
/// when its own language cannot be trusted.
public struct LanguageMix: Sendable, Equatable {
    /// Chunks per CLD2 code ("un" for unidentified text).
    public var chunkCounts: [String: Int]

    /// A language counts once it holds this share of the chunks, so a stray foreign document
    /// does not add its stemmer to every query.
    public static let significantShare = 0.02
    /// At most this many languages' chains are joined for one query.
    public static let maximumLanguages = 6

    public init(chunkCounts: [String: Int] = [:]) {
        self.chunkCounts = chunkCounts.filter { $0.value > 0 }
    }

    public var total: Int { chunkCounts.values.reduce(0, +) }

    /// The languages holding at least `significantShare` of the chunks, most common first.
    public var significant: [String] {
        let total = Double(self.total)
        guard total > 0 else { return [] }
        return chunkCounts.filter { Double($0.value) / total >= Self.significantShare }
            .sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map(\.key)
    }

    /// "en 98.2%, fr 1.8%" (every language, most common first).
    public var summary: String {
        let total = Double(self.total)
        guard total > 0 else { return "none" }
        return chunkCounts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            .map { "\($0.key) \(String(format: "%.1f", 100 * Double($0.value) / total))%" }.joined(separator: ", ")
    }
}

/// A query's terms and how they were chosen (the `--explain` line).
public struct QueryAnalysis: Sendable, Equatable {
    public var terms: [String]
    /// The query's identified language (nil for analyzers that do not identify languages).
    public var language: LanguageGuess?
    /// The chains whose terms were joined, in order.
    public var chains: [String]

    public init(terms: [String], language: LanguageGuess? = nil, chains: [String]) {
        self.terms = terms
        self.language = language
        self.chains = chains
    }

    /// "query language en (reliable, 93%): english chain".
    public var summary: String {
        let how = chains.count == 1 ? "\(chains[0]) chain" : "union of the \(chains.joined(separator: ", ")) chains"
        guard let language else { return how }
        return "query language \(language.summary): \(how)"
    }
}
