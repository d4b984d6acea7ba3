import QuarryText
import Testing

@Suite struct AnalyzerTests {
    @Test("standard analyzer folds case and width, drops punctuation, keeps offsets")
    func standard() throws {
        let text = "Ｑｕａｒｒｙ, the ﬁnest RAG!"
        let tokens = try StandardAnalyzer().analyze(text)
        #expect(tokens.map(\.term) == ["quarry", "the", "finest", "rag"])
        let scalars = Array(text.unicodeScalars)
        for token in tokens {
            var slice = String.UnicodeScalarView()
            slice.append(contentsOf: scalars[token.start ..< token.end])
            #expect(Normalizer.nfkcCasefold(String(slice)) == token.term)
        }
        #expect(tokens.map(\.position) == [0, 1, 2, 3])
    }

    @Test("offsets count Unicode scalars even after astral characters")
    func astralOffsets() throws {
        let tokens = try StandardAnalyzer().analyze("😀 emoji then word")
        #expect(tokens.first?.term == "emoji")
        #expect(tokens.first?.start == 2)
        #expect(tokens.first?.end == 7)
    }

    @Test("English analyzer drops stop words and stems, keeping positions")
    func english() throws {
        let tokens = try EnglishAnalyzer().analyze("The runners were running to the stations’ gates")
        #expect(tokens.map(\.term) == ["runner", "were", "run", "station", "gate"])
        #expect(tokens.map(\.position) == [1, 2, 3, 6, 7])
    }

    @Test("analyzers are found by name and unknown names are errors")
    func registry() throws {
        #expect(try Analyzers.named("english").name == "english")
        #expect(throws: TextError.self) { try Analyzers.named("klingon") }
    }

    @Test("hostile Unicode does not trap", arguments: [
        String(repeating: "\u{0301}", count: 10_000), "a\u{200D}b\u{202E}c", "👩‍👩‍👧‍👦 family", "\u{0}nul\u{0}", "",
    ])
    func hostile(text: String) throws {
        _ = try StandardAnalyzer().analyze(text)
        _ = try EnglishAnalyzer().analyze(text)
    }

    @Test("NFKC case folding and NFC")
    func normalization() {
        #expect(Normalizer.nfkcCasefold("Straße ＡＢＣ") == "strasse abc")
        #expect(Normalizer.nfc("cafe\u{0301}") == "café")
    }

    @Test("word token counter counts word-like segments")
    func counter() {
        #expect(WordTokenCounter().countTokens("Hello, world! 天安门广场") == 4)
    }
}
