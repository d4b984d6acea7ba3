import Foundation
import QuarryCore
import QuarryModels
import QuarryTesting
import Testing

/// Copy-constrained decoding's grammar, driven by random walks over what it allows (SmolLM2's
/// tokenizer): whatever path a model takes, the answer is copied spans, each cited to a
/// passage holding it, or the refusal.
@Suite struct CopyConstraintTests {
    static let passages = [
        CopyConstraint.Source(number: 1, text: "Tides are caused mainly by the gravity of the Moon. The Sun adds a smaller effect,\ngiving spring and neap tides."),
        CopyConstraint.Source(number: 2, text: "Isaac Newton built the first practical reflecting telescope in 1668. It used a curved mirror 3.5 cm wide. The Moon is bright."),
    ]

    static func tokenizer() throws -> ByteLevelBPETokenizer? {
        let path = Fixtures.packageRoot().appendingPathComponent("models/SmolLM2-135M-Instruct/SmolLM2-135M-Instruct.Q4_1.gguf").path
        guard FileManager.default.fileExists(atPath: path) else {
            Issue.record("SmolLM2-135M-Instruct is not in models/ (run scripts/fetch-model SmolLM2-135M-Instruct)")
            return nil
        }
        return try ByteLevelBPETokenizer(gguf: GGUFFile(path: path))
    }

    /// One walk: a random allowed token at each step (the end of turn, when allowed, half the time).
    static func walk(_ constraint: CopyConstraint, _ tokenizer: ByteLevelBPETokenizer, seed: UInt64,
                     prefer: ((_ step: Int, _ id: Int32) -> Bool)? = nil) -> (text: String, ended: Bool) {
        var constraint = constraint
        var random = SplitMix64(seed: seed)
        var ids: [Int32] = []
        let end = tokenizer.endOfGeneration
        for _ in 0 ..< 300 {
            let allowed = constraint.allowed().sorted()
            if allowed.isEmpty { return (tokenizer.decode(ids), true) }
            var pick = allowed[Int(random.next() % UInt64(allowed.count))]
            if let stop = allowed.first(where: end.contains), random.next() % 2 == 0 { pick = stop }
            if let prefer, let preferred = allowed.first(where: { prefer(ids.count, $0) }) { pick = preferred }
            #expect(!end.contains(pick) || constraint.mayEnd)
            if end.contains(pick) { return (tokenizer.decode(ids), true) }
            constraint.accept(pick)
            ids.append(pick)
        }
        return (tokenizer.decode(ids), false)
    }

    /// The answer's spans, each with the number that follows it.
    static func segments(_ text: String) -> [(span: String, number: Int)] {
        var out: [(String, Int)] = []
        var rest = Substring(text)
        while let open = rest.range(of: " ["), let close = rest[open.upperBound...].firstIndex(of: "]") {
            out.append((String(rest[..<open.lowerBound]).trimmingCharacters(in: .whitespaces), Int(rest[open.upperBound ..< close]) ?? -1))
            rest = rest[rest.index(after: close)...]
        }
        return out
    }

    @Test("every path is whole-word spans of the passage it cites, at most three, or the refusal; none runs on unended")
    func words() throws {
        guard let tokenizer = try Self.tokenizer() else { return }
        let constraint = CopyConstraint(tokenizer: tokenizer, sources: Self.passages, refusal: "I cannot answer from the provided sources.",
                                        maxSegments: 3, unit: .words)
        let flat = Dictionary(uniqueKeysWithValues: Self.passages.map { ($0.number, " " + $0.text.split(whereSeparator: \.isWhitespace).joined(separator: " ") + " ") })
        for seed in 0 ..< 300 as Range<UInt64> {
            let (text, ended) = Self.walk(constraint, tokenizer, seed: seed)
            #expect(ended, "\(text)")
            if text == " I cannot answer from the provided sources." { continue }
            let segments = Self.segments(text)
            #expect(!segments.isEmpty && segments.count <= 3, "\(text)")
            #expect(text.hasSuffix("]"), "\(text)")
            for (span, number) in segments {
                let passage = try #require(flat[number], "\(text)")
                // Some occurrence of it in the passage starts and ends at word boundaries.
                var whole = false
                var from = passage.startIndex
                while let found = passage.range(of: " " + span, range: from ..< passage.endIndex) {
                    if let after = passage[found.upperBound...].first, after == " " || ".,;:!?".contains(after) { whole = true }
                    from = passage.index(after: found.lowerBound)
                }
                #expect(whole, "'\(span)' is not a whole-word span of [\(number)]: \(text)")
            }
        }
        // The refusal is always reachable.
        let refusal = Array(tokenizer.encode(" I cannot answer from the provided sources.", parseSpecial: false))
        let refused = Self.walk(constraint, tokenizer, seed: 1) { step, id in step < refusal.count && id == refusal[step] }
        #expect(refused.text == " I cannot answer from the provided sources.")
    }

    @Test("sentence spans: each segment is one whole sentence (a line break ends one, a decimal point does not), cited, never copied twice")
    func sentences() throws {
        guard let tokenizer = try Self.tokenizer() else { return }
        let constraint = CopyConstraint(tokenizer: tokenizer, sources: Self.passages, refusal: nil, maxSegments: 3, unit: .sentences)
        let sentences: [Int: Set<String>] = [
            1: ["Tides are caused mainly by the gravity of the Moon.", "The Sun adds a smaller effect,", "giving spring and neap tides."],
            2: ["Isaac Newton built the first practical reflecting telescope in 1668.", "It used a curved mirror 3.5 cm wide.", "The Moon is bright."],
        ]
        for seed in 0 ..< 200 as Range<UInt64> {
            let (text, ended) = Self.walk(constraint, tokenizer, seed: seed)
            #expect(ended)
            let segments = Self.segments(text)
            #expect(!segments.isEmpty && segments.count <= 3, "\(text)")
            for (span, number) in segments {
                #expect(sentences[number]?.contains(span) == true, "'\(span)' is not a sentence of [\(number)]")
            }
            #expect(Set(segments.map(\.span)).count == segments.count, "a sentence copied twice: \(text)")
        }
    }

    @Test("whole sources: the answer is one of the given choices, whole, cited, or the refusal")
    func whole() throws {
        guard let tokenizer = try Self.tokenizer() else { return }
        let choices = [CopyConstraint.Source(number: 2, text: "Kawann Short"), CopyConstraint.Source(number: 1, text: "Kony Ealy"),
                       CopyConstraint.Source(number: 3, text: "Kawann Smith")]
        let constraint = CopyConstraint(tokenizer: tokenizer, sources: choices, refusal: "I cannot answer from the provided sources.",
                                        maxSegments: 1, unit: .whole)
        var seen = Set<String>()
        for seed in 0 ..< 100 as Range<UInt64> {
            let (text, ended) = Self.walk(constraint, tokenizer, seed: seed)
            #expect(ended)
            #expect([" Kawann Short [2]", " Kony Ealy [1]", " Kawann Smith [3]", " I cannot answer from the provided sources."].contains(text), "\(text)")
            seen.insert(text)
        }
        #expect(seen.count == 4, "every choice is reachable: \(seen)")
    }
}

