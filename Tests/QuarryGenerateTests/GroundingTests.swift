import Foundation
import QuarryCore
import QuarryGenerate
import QuarryText
import QuarryWire
import Testing

@Suite struct GroundingTests {
    static func passage(_ number: Int, _ text: String) -> ContextPassage {
        ContextPassage(number: number, docID: "doc\(number)", title: "", chunkID: Int64(number), mergedChunks: nil, start: 0,
                       end: text.count, text: text, score: 1, truncated: false)
    }

    static let passages = [
        passage(1, "Tides are caused mainly by the gravity of the Moon. The Sun adds a smaller effect, giving spring and neap tides."),
        passage(2, "Isaac Newton built the first practical reflecting telescope in 1668. It used a curved primary mirror."),
    ]

    static func check(question: String = "Who built the first telescope?") throws -> GroundingCheck {
        try GroundingCheck(test: SupportTest(analyzer: try Analyzers.named("english")), passages: passages, question: question)
    }

    @Test("each sentence gets a verdict: supported, attributed, declines, unsupported (a wrong number fails)")
    func verdicts() throws {
        let check = try Self.check()
        #expect(try check.verdict("Tides are caused by the Moon's gravity [1].").status == .supported)
        let attributed = try check.verdict("Newton built the first reflecting telescope in 1668.")
        #expect(attributed.status == .attributed && attributed.citations == [2] && attributed.text.hasSuffix("[2]"))
        let miscited = try check.verdict("Newton built the first reflecting telescope in 1668 [1].")
        #expect(miscited.status == .attributed && miscited.text == "Newton built the first reflecting telescope in 1668. [2]")
        let wrongYear = try check.verdict("Newton built the first reflecting telescope in 1215 [2].")
        #expect(wrongYear.status == .unsupported && wrongYear.missing.first == "1215" && !wrongYear.shown)
        let invented = try check.verdict("The cathedral was built by King Notre-Dame de Roubaix [1].")
        #expect(invented.status == .unsupported)
        #expect(try check.verdict("The passages do not mention who built the first telescope.").status == .declines)
        let declined = try check.verdict("The provided sources do not say who built it [2].")
        #expect(declined.status == .declines && declined.citations.isEmpty && declined.text == "The provided sources do not say who built it.")
        // A refusal phrase does not carry a claim past the check.
        #expect(try check.verdict("The war ended in 1945, though the passages do not say how.").status == .unsupported)
        #expect(try check.verdict("The warranty does not provide coverage for water damage [1].").status == .unsupported)
        #expect(try check.verdict("It is [1].").status == .unsupported, "a sentence without content claims nothing checkable")
        #expect(try check.verdict("Tides are caused by the Moon [7].").status == .attributed, "a citation of no passage is replaced")
    }

    @Test("strict shows only backed sentences; annotate shows all with verdicts; off checks nothing")
    func modes() throws {
        let check = try Self.check()
        let draft = "Tides are caused by the Moon's gravity. [1] Newton built it in 1215 [2]. The Sun adds a smaller effect."
        let (strict, report) = try check.apply(.strict, to: draft)
        #expect(strict == "Tides are caused by the Moon's gravity. [1] The Sun adds a smaller effect. [1]")
        #expect(report?.draft == draft && report?.sentences.map(\.status) == [.supported, .unsupported, .attributed])
        #expect(report?.supported == 2)
        let (annotated, notes) = try check.apply(.annotate, to: draft)
        #expect(annotated == draft && notes?.draft == nil && notes?.sentences.allSatisfy(\.shown) == true)
        let (off, none) = try check.apply(.off, to: draft)
        #expect(off == draft && none == nil)
        let (nothing, unbacked) = try check.apply(.strict, to: "The answer is: 2.5%.")
        #expect(nothing == nil && unbacked?.draft == "The answer is: 2.5%.")
        // A repeated sentence is shown once, streamed or not.
        let repeated = "Tides are caused by the Moon's gravity [1]. Tides are caused by the Moon's gravity. [1] The Sun adds a smaller effect [1]."
        let (once, repeats) = try check.apply(.strict, to: repeated)
        #expect(once == "Tides are caused by the Moon's gravity [1]. The Sun adds a smaller effect [1]." && repeats?.sentences.map(\.shown) == [true, false, true])
        var stream = GroundedStream(check: check)
        var sent = ""
        for character in repeated { sent += try stream.feed(String(character)) }
        sent += try stream.finish()
        #expect(sent == once)
        // What strict shows passes its own check, sentence by sentence.
        #expect(try check.verdicts(strict!).allSatisfy { $0.status == .supported })
    }

    @Test("support_rate counts sentences backed by their own citations; declining sentences are not counted")
    func supportRate() throws {
        let check = try Self.check()
        #expect(try check.supportRate("Tides are caused by the Moon's gravity [1]. Newton built it in 1215 [2].") == 0.5)
        #expect(try check.supportRate("Tides are caused by the Moon's gravity.") == 0, "uncited: not supported as written")
        #expect(try check.supportRate("I cannot answer from the provided sources.") == 1)
        #expect(try check.supportRate("") == 0)
    }

    @Test("a strict stream passes whole verified sentences, the same text the check shows at once")
    func streaming() throws {
        let check = try Self.check()
        let draft = "Tides are caused by the Moon's gravity. [1] Newton built it in 1215 [2]. The Sun adds a smaller effect [1]."
        var stream = GroundedStream(check: check)
        var pieces: [String] = []
        // Two characters at a time, as tokens arrive.
        var index = draft.startIndex
        while index < draft.endIndex {
            let end = draft.index(index, offsetBy: 2, limitedBy: draft.endIndex) ?? draft.endIndex
            let out = try stream.feed(String(draft[index ..< end]))
            if !out.isEmpty { pieces.append(out) }
            index = end
        }
        let rest = try stream.finish()
        if !rest.isEmpty { pieces.append(rest) }
        #expect(pieces == ["Tides are caused by the Moon's gravity. [1]", " The Sun adds a smaller effect [1]."])
        #expect(stream.shown == (try check.apply(.strict, to: draft).shown))
        #expect(stream.verdicts.map(\.status) == [.supported, .unsupported, .supported])
        #expect(!pieces.joined().contains("1215"))
    }
}
