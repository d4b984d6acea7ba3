import QuarryCore
import QuarryGenerate
import QuarryText
import QuarryWire
import Testing

@Suite struct ShortAnswerTests {
    @Test("the question's opening says which kind of span answers it")
    func kinds() {
        #expect(ShortAnswer.kind(of: "How many points did the Panthers defense surrender?") == .quantity)
        #expect(ShortAnswer.kind(of: "Who led the Panthers in sacks?") == .name)
        #expect(ShortAnswer.kind(of: "In what year did the Broncos win?") == .time)
        #expect(ShortAnswer.kind(of: "When was Unix written?") == .time)
        #expect(ShortAnswer.kind(of: "Where was Unix developed?") == .place)
        #expect(ShortAnswer.kind(of: "Which player had the most interceptions?") == .name)
        #expect(ShortAnswer.kind(of: "What was the final score of the game?") == .quantity)
        #expect(ShortAnswer.kind(of: "Why is Pluto no longer a planet?") == nil)
        #expect(ShortAnswer.kind(of: "How does a reflecting telescope work?") == nil)
        #expect(ShortAnswer.kind(of: "Wer hat Unix geschrieben?") == nil)
        #expect(ShortAnswer.kind(of: "Who created Unix, and where was it developed?") == nil, "two questions in one")
        #expect(ShortAnswer.kind(of: "How old was John Elway when he played in Super Bowl XXXIII?") == .quantity)
    }

    static func answerer(_ form: AnswerForm = .auto) throws -> ExtractiveAnswerer {
        var answerer = ExtractiveAnswerer(sentences: 3, analyzer: try Analyzers.named("english")) { _ in 1 }
        answerer.form = form
        return answerer
    }

    static func context(_ texts: [String]) -> AssembledContext {
        AssembledContext(passages: texts.enumerated().map { i, text in
            ContextPassage(number: i + 1, docID: "d\(i)", title: "", chunkID: Int64(i), mergedChunks: nil, start: 0, end: text.count,
                           text: text, score: 1, truncated: false)
        }, fence: DataFence(marker: "<<<Q-0000000000000000>>>"), tokens: 100, dropped: [])
    }

    @Test("a factoid question gets the span, cited; other questions get sentences")
    func spans() throws {
        let context = Self.context([
            "The Panthers defense gave up just 308 points, ranking sixth in the league. Kawann Short led the team in sacks with 11, while Luke Kuechly led the team in tackles with 118.",
            "Unix was developed at Bell Labs in 1969 by Ken Thompson and Dennis Ritchie.",
        ])
        let answerer = try Self.answerer()
        #expect(try answerer.answer(question: "How many points did the Panthers defense give up?", context: context) == "308 [1]", "the unit the question names is dropped")
        #expect(try answerer.answer(question: "Who led the Panthers in sacks?", context: context) == "Kawann Short [1]")
        #expect(try answerer.answer(question: "How many tackles did Luke Kuechly have?", context: context) == "118 [1]")
        #expect(try answerer.answer(question: "In what year was Unix developed at Bell Labs?", context: context) == "1969 [2]")
        #expect(try answerer.answer(question: "Where was Unix developed?", context: context) == "Bell Labs [2]")
        let sentences = try Self.answerer(.sentences).answer(question: "Who led the Panthers in sacks?", context: context)
        #expect(sentences?.hasPrefix("Kawann Short led the team in sacks with 11") == true)
        // No span of the asked kind in the best sentences: whole sentences.
        let none = try answerer.answer(question: "When did the Panthers defense rank sixth?", context: Self.context(["The Panthers defense ranked sixth."]))
        #expect(none == "The Panthers defense ranked sixth. [1]")
    }
}
