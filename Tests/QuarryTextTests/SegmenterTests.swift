import QuarryText
import Testing

@Suite struct SegmenterTests {
    func words(_ text: String) throws -> [String] {
        let utf16 = UTF16Text(text)
        return try Segmenter().words(utf16).filter { $0.kind.isWordLike }.map { utf16.string($0.range) }
    }

    @Test("English keeps contractions, numbers and decimals")
    func english() throws {
        #expect(try words("It isn't 5 o'clock; it costs $1,000.50!") == ["It", "isn't", "5", "o'clock", "it", "costs", "1,000.50"])
    }

    @Test("Chinese is segmented with ICU's dictionary")
    func chinese() throws {
        #expect(try words("天安门广场是北京的中心") == ["天安门", "广场", "是", "北京", "的", "中心"])
    }

    @Test("Japanese mixes kana and kanji words")
    func japanese() throws {
        let result = try words("東京は日本の首都です")
        #expect(result.joined() == "東京は日本の首都です")
        #expect(result.contains("東京"))
        #expect(result.contains("首都"))
        #expect(result.count >= 5)
    }

    @Test("Thai is segmented with ICU's dictionary")
    func thai() throws {
        #expect(try words("ภาษาไทยง่ายนิดเดียว") == ["ภาษา", "ไทย", "ง่าย", "นิด", "เดียว"])
    }

    @Test("Arabic words split on spaces and punctuation")
    func arabic() throws {
        #expect(try words("اللغة العربية جميلة، أليس كذلك؟") == ["اللغة", "العربية", "جميلة", "أليس", "كذلك"])
    }

    @Test("sentences end at terminal punctuation and at line breaks")
    func sentences() throws {
        let text = UTF16Text("First one. Second one? Third\nFourth.")
        let result = try Segmenter().sentences(text).map { text.string($0.range) }
        #expect(result == ["First one. ", "Second one? ", "Third\n", "Fourth."])
    }

    @Test("empty text has no segments")
    func empty() throws {
        #expect(try Segmenter().words(UTF16Text("")).isEmpty)
        #expect(try Segmenter().sentences(UTF16Text("")).isEmpty)
    }

    @Test("offsets convert between UTF-16 and scalars around astral characters")
    func astral() {
        let text = UTF16Text("a😀b")
        #expect(text.count == 4)
        #expect(text.scalarCount == 3)
        #expect(text.scalarOffset(3) == 2)
        #expect(text.utf16Offset(forScalar: 2) == 3)
        #expect(text.utf16Offset(forScalar: 3) == 4)
    }

    @Test("ICU version is the system's")
    func version() {
        #expect(!icuVersion.isEmpty)
    }
}
