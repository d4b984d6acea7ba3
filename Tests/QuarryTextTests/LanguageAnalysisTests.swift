import Foundation
import Testing

@testable import QuarryText

/// libstemmer through `SnowballStemmer`, CLD2 through `LanguageIdentifier`, and the `auto`
/// analyzer's document and query rules.
@Suite struct LanguageAnalysisTests {
    static let fixtureURL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/snowball_stems.tsv")

    @Test("libstemmer agrees with Python's snowballstemmer 2.2.0 on 2,400 words in eight languages")
    func snowballMatchesReference() throws {
        let text = try String(contentsOf: Self.fixtureURL, encoding: .utf8)
        var byAlgorithm: [String: [(String, String)]] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard fields.count == 3 else { continue }
            byAlgorithm[fields[0], default: []].append((fields[1], fields[2]))
        }
        #expect(byAlgorithm.count == 8)
        #expect(byAlgorithm.values.map(\.count).reduce(0, +) == 2400)
        for (algorithm, pairs) in byAlgorithm {
            let stemmer = try #require(SnowballStemmer(algorithm: algorithm))
            let stems = stemmer.stem(pairs.map(\.0))
            let wrong = zip(pairs, stems).filter { $0.0.1 != $0.1 }.map { "\($0.0.0) → \($0.1), expected \($0.0.1)" }
            #expect(wrong.isEmpty, "\(algorithm): \(wrong.count) differ: \(wrong.prefix(5))")
        }
    }

    @Test func unknownAlgorithmIsNil() {
        #expect(SnowballStemmer(algorithm: "klingon") == nil)
        #expect(SnowballStemmer.algorithms.contains("german"))
    }

    @Test("stemming from many threads at once gives the same stems")
    func concurrentStemming() async throws {
        let stemmer = try #require(SnowballStemmer(algorithm: "german"))
        let words = ["kinder", "häuser", "spielen", "gärten", "aufeinanderfolgenden"]
        let expected = stemmer.stem(words)
        let results = await withTaskGroup(of: [String].self) { group in
            for _ in 0 ..< 16 { group.addTask { (0 ..< 200).reduce(into: []) { out, _ in out = stemmer.stem(words) } } }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.allSatisfy { $0 == expected })
    }

    @Test("CLD2 identifies whole sentences reliably and says when it cannot")
    func identification() {
        let cases = [("The quick brown fox jumps over the lazy dog and runs away", "en"),
                     ("Der schnelle braune Fuchs springt über den faulen Hund", "de"),
                     ("天安门广场是北京的中心", "zh"), ("ภาษาไทยง่ายนิดเดียว", "th"),
                     ("مرحبا بكم في موقعنا الجديد على الإنترنت", "ar"), ("東京は日本の首都です", "ja")]
        for (text, code) in cases {
            let guess = LanguageIdentifier.identify(text)
            #expect(guess.code == code && guess.reliable, "\(text): \(guess)")
        }
        for text in ["", "x", "42", "hello", "🙂🙂"] {
            let guess = LanguageIdentifier.identify(text)
            #expect(!guess.reliable, "\(text.debugDescription): \(guess)")
        }
    }

    @Test("a text longer than CLD2's window is cut at a character boundary")
    func longTextIsBounded() {
        let text = String(repeating: "é", count: LanguageIdentifier.maximumBytes) + " Der schnelle braune Fuchs"
        let guess = LanguageIdentifier.identify(text)
        #expect(guess.letterBytes <= LanguageIdentifier.maximumBytes)
    }

    @Test("documents get their language's chain; unknown languages the standard one")
    func documentChains() throws {
        let auto = AutoAnalyzer()
        #expect(try auto.analyze("Die Kinder spielen", language: "de").map(\.term) == ["die", "kind", "spiel"])
        #expect(try auto.analyze("The children are playing", language: "en").map(\.term) == ["children", "play"])
        #expect(try auto.analyze("Los niños juegan", language: "es").map(\.term) == ["los", "niñ", "jueg"])
        #expect(try auto.analyze("الكتاب", language: "ar").map(\.term) == ArabicAnalyzer().terms("الكتاب"))
        let chinese = try auto.analyze("天安门广场", language: "zh")
        #expect(chinese.map(\.term) == ["天安门", "广场", "天安", "安门", "门广", "广场"])
        #expect(chinese.map(\.start) == [0, 3, 0, 1, 2, 3] && chinese.map(\.end) == [3, 5, 2, 3, 4, 5])
        #expect(try auto.analyze("東京タワー", language: "ja").map(\.term).contains("京タ"))
        #expect(try auto.analyze("Hà Nội là thủ đô", language: "vi").map(\.term) == ["hà", "nội", "là", "thủ", "đô", "hà nội", "nội là", "là thủ", "thủ đô"])
        #expect(try auto.analyze("ภาษาไทย", language: "th").map(\.term) == StandardAnalyzer().terms("ภาษาไทย"))
        #expect(try auto.analyze("running dogs", language: "un").map(\.term) == ["running", "dogs"])
        // No language given: the text's own is identified.
        #expect(try auto.terms("The children were playing happily in the garden all afternoon") == EnglishAnalyzer().terms("The children were playing happily in the garden all afternoon"))
        // Offsets and positions still index the original text.
        let tokens = try auto.analyze("Kinder spielen", language: "de")
        #expect(tokens.map(\.start) == [0, 7] && tokens.map(\.position) == [0, 1])
    }

    @Test("a reliable query in a language the collection holds gets that chain alone")
    func reliableQuery() throws {
        let mix = LanguageMix(chunkCounts: ["en": 50, "de": 50])
        let analysis = try AutoAnalyzer().analyzeQuery("Wo spielen die Kinder am liebsten im Sommer", languages: mix)
        #expect(analysis.chains == ["german"])
        #expect(analysis.terms == ["wo", "spiel", "die", "kind", "am", "lieb", "im", "somm"])
        #expect(analysis.summary.hasPrefix("query language de (reliable"))
    }

    @Test("a short or foreign query gets the union of the collection's chains, each term once")
    func unreliableQuery() throws {
        let mix = LanguageMix(chunkCounts: ["en": 60, "de": 39, "fr": 1])
        let analysis = try AutoAnalyzer().analyzeQuery("running kinder", languages: mix)
        #expect(analysis.language?.reliable == false)
        #expect(analysis.chains == ["english", "german"], "fr holds 1%, under the 2% floor")
        #expect(analysis.terms == ["run", "kinder", "running", "kind"])
        // A one-language collection always reads the query with its own chain.
        let english = try AutoAnalyzer().analyzeQuery("running", languages: LanguageMix(chunkCounts: ["en": 10]))
        #expect(english.chains == ["english"] && english.terms == ["run"])
        // A reliably Spanish query on an English collection is read as English.
        let foreign = try AutoAnalyzer().analyzeQuery("¿Dónde juegan los niños durante las vacaciones de verano?", languages: LanguageMix(chunkCounts: ["en": 10]))
        #expect(foreign.language?.code == "es" && foreign.chains == ["english"])
    }

    @Test("empty, one-character and unreadable queries analyse without error")
    func badQueries() throws {
        let mix = LanguageMix(chunkCounts: ["en": 10, "ja": 10])
        for query in ["", "a", "?", "🙂", "\u{0000}", String(repeating: "ᚠ", count: 50)] {
            let analysis = try AutoAnalyzer().analyzeQuery(query, languages: mix)
            #expect(!analysis.chains.isEmpty, "\(query.debugDescription)")
        }
        let empty = try AutoAnalyzer().analyzeQuery("running", languages: LanguageMix())
        #expect(empty.chains == ["standard"] || empty.chains == ["english"])
    }

    @Test func languageMixShares() throws {
        let mix = LanguageMix(chunkCounts: ["en": 900, "de": 50, "fr": 30, "it": 15, "es": 5, "nl": 0])
        #expect(mix.significant == ["en", "de", "fr"])
        #expect(mix.summary == "en 90.0%, de 5.0%, fr 3.0%, it 1.5%, es 0.5%")
        let ten = LanguageMix(chunkCounts: Dictionary(uniqueKeysWithValues: ["en", "de", "fr", "es", "it", "nl", "pt", "ru", "zh", "ja"].map { ($0, 10) }))
        #expect(ten.significant.count == 10)
        // Ten languages: a short Cyrillic query gets only the chains of Cyrillic languages,
        // a short Latin one at most six chains.
        let cyrillic = try AutoAnalyzer().analyzeQuery("книги", languages: ten)
        #expect(cyrillic.chains == ["russian"])
        let latin = try AutoAnalyzer().analyzeQuery("running", languages: ten)
        #expect(latin.chains.count <= LanguageMix.maximumLanguages && !latin.chains.contains("russian"))
        // A Japanese query on an English collection: no language fits its script, so standard.
        let japanese = try AutoAnalyzer().analyzeQuery("東京", languages: LanguageMix(chunkCounts: ["en": 10]))
        #expect(japanese.chains == ["standard"])
    }

    @Test func registry() throws {
        #expect(Analyzers.names.first == "auto" && Analyzers.defaultName == "auto")
        #expect(try Analyzers.named("auto").isLanguageAware)
        #expect(try !Analyzers.named("standard").isLanguageAware)
    }
}
