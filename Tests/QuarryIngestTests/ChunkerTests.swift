import Foundation
import QuarryCore
import QuarryIngest
import QuarryText
import Testing

@Suite struct ChunkerTests {
    func slice(_ text: String, _ start: Int, _ end: Int) -> String {
        let scalars = Array(text.unicodeScalars)
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars[start ..< end])
        return String(view)
    }

    func checkInvariants(_ doc: ParsedDocument, _ chunks: [ChunkPiece], _ settings: ChunkingSettings) {
        let counter = WordTokenCounter()
        for chunk in chunks {
            #expect(slice(doc.text, chunk.start, chunk.end) == chunk.text, "text at offsets differs for chunk at \(chunk.start)")
            #expect(chunk.tokenCount <= settings.maxTokens)
            #expect(counter.countTokens(chunk.text) <= settings.maxTokens)
            #expect(chunk.text.unicodeScalars.count <= settings.maxChunkCharacters + 1)
            #expect(chunk.text.first.map { !$0.isWhitespace } ?? false)
            #expect(chunk.text.last.map { !$0.isWhitespace } ?? false)
        }
        // Every word of the document is in some chunk.
        var covered = [Bool](repeating: false, count: doc.text.unicodeScalars.count)
        for chunk in chunks { for i in chunk.start ..< chunk.end { covered[i] = true } }
        for (i, scalar) in doc.text.unicodeScalars.enumerated() where !covered[i] {
            #expect(scalar.properties.isWhitespace, "character \(i) (\(scalar)) not in any chunk")
        }
    }

    func sentences(_ count: Int, wordsEach: Int) -> String {
        // Capitalised first words, so ICU sees sentence starts after each period.
        (0 ..< count).map { s in (0 ..< wordsEach).map { $0 == 0 ? "Start\(s)" : "w\(s)x\($0)" }.joined(separator: " ") + "." }.joined(separator: " ")
    }

    @Test("chunks respect the budget, keep offsets exact, and cover the text", arguments: [(32, 8), (64, 0), (256, 32)])
    func budgets(maxTokens: Int, overlap: Int) throws {
        let settings = ChunkingSettings(maxTokens: maxTokens, overlapTokens: overlap)
        let doc = ParsedDocument(title: "T", text: sentences(60, wordsEach: 7) + "\n\nCafé 😀 naïve résumé. " + sentences(5, wordsEach: 3))
        let chunks = try Chunker(settings: settings).chunk(doc)
        #expect(chunks.count > 1)
        checkInvariants(doc, chunks, settings)
    }

    @Test("consecutive chunks overlap by whole trailing sentences")
    func overlap() throws {
        let settings = ChunkingSettings(maxTokens: 20, overlapTokens: 8)
        let doc = ParsedDocument(title: "", text: sentences(10, wordsEach: 5))
        let chunks = try Chunker(settings: settings).chunk(doc)
        for (a, b) in zip(chunks, chunks.dropFirst()) {
            #expect(b.start < a.end, "chunk at \(b.start) should overlap the previous one ending at \(a.end)")
            #expect(b.start > a.start)
        }
        let none = try Chunker(settings: ChunkingSettings(maxTokens: 20, overlapTokens: 0)).chunk(doc)
        for (a, b) in zip(none, none.dropFirst()) { #expect(b.start >= a.end) }
    }

    @Test("a sentence longer than the budget splits at word boundaries")
    func longSentence() throws {
        let settings = ChunkingSettings(maxTokens: 10, overlapTokens: 0)
        let doc = ParsedDocument(title: "", text: (0 ..< 95).map { "word\($0)" }.joined(separator: " "))
        let chunks = try Chunker(settings: settings).chunk(doc)
        #expect(chunks.count == 10)
        checkInvariants(doc, chunks, settings)
        #expect(chunks.allSatisfy { !$0.text.hasPrefix("ord") })
    }

    @Test("a line with no word boundary is capped by characters, never splitting a surrogate pair")
    func noWhitespace() throws {
        let settings = ChunkingSettings(maxTokens: 256, overlapTokens: 0, maxChunkCharacters: 100)
        let doc = ParsedDocument(title: "", text: String(repeating: "x", count: 250) + String(repeating: "😀", count: 120))
        let chunks = try Chunker(settings: settings).chunk(doc)
        checkInvariants(doc, chunks, settings)
        #expect(chunks.count >= 5)
    }

    @Test("headings split sections and give each chunk its path")
    func headings() throws {
        let text = "# Moon\nIntro text here.\n## Phases\nWaxing and waning.\n### Gibbous\nMostly lit.\n## Tides\nThe sea rises."
        let doc = MarkdownReader().parse(text, fallbackTitle: "moon")
        let chunks = try Chunker(settings: ChunkingSettings(maxTokens: 256, overlapTokens: 0)).chunk(doc)
        #expect(chunks.map(\.context) == ["Moon", "Moon › Phases", "Moon › Phases › Gibbous", "Moon › Tides"])
        #expect(chunks[2].text == "### Gibbous\nMostly lit.")
        checkInvariants(doc, chunks, ChunkingSettings())
    }

    @Test("a heading directly followed by a subheading joins the subsection's chunk")
    func headingOnlySection() throws {
        let doc = MarkdownReader().parse("# Guide\n## Holding\n### Pinch grip\nHold it so.\n", fallbackTitle: "g")
        let chunks = try Chunker(settings: ChunkingSettings()).chunk(doc)
        #expect(chunks.map(\.text) == ["# Guide\n## Holding\n### Pinch grip\nHold it so."])
        #expect(chunks.map(\.context) == ["Guide › Holding › Pinch grip"])
    }

    @Test("CJK and Thai text is chunked by dictionary words")
    func cjk() throws {
        let settings = ChunkingSettings(maxTokens: 8, overlapTokens: 0)
        let doc = ParsedDocument(title: "", text: String(repeating: "天安门广场是北京的中心。", count: 6) + "ภาษาไทยง่ายนิดเดียว")
        let chunks = try Chunker(settings: settings).chunk(doc)
        checkInvariants(doc, chunks, settings)
        #expect(chunks.count >= 6)
    }

    @Test("empty and whitespace-only text gives no chunks")
    func empty() throws {
        #expect(try Chunker(settings: ChunkingSettings()).chunk(ParsedDocument(title: "", text: "")).isEmpty)
        #expect(try Chunker(settings: ChunkingSettings()).chunk(ParsedDocument(title: "", text: " \n\t ")).isEmpty)
    }
}
