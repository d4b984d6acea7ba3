import QuarryRetrieve
import QuarryText
import QuarryWire

/// The context given to the model: numbered passages inside one fence.
public struct AssembledContext: Sendable {
    public var passages: [ContextPassage]
    public var fence: DataFence
    /// Estimated tokens of passage text.
    public var tokens: Int
    /// Hits left out, with why ("duplicate of [n]", "over the token budget").
    public var dropped: [(chunkID: Int64, reason: String)]

    public init(passages: [ContextPassage], fence: DataFence, tokens: Int, dropped: [(chunkID: Int64, reason: String)]) {
        self.passages = passages
        self.fence = fence
        self.tokens = tokens
        self.dropped = dropped
    }
}

/// Builds the context from ranked hits under a token budget: best hits first, duplicates
/// dropped (the same text, or a span of one document that mostly overlaps a passage already
/// taken, which overlapping chunks produce), every passage numbered from 1 so that the
/// answer's [n] maps back to a document id, title and character offsets.
///
/// Tokens are estimated as words × 4/3 (ICU words): the LLM's tokenizer is not known
/// here, and English averages about 1.3 tokens per word in GPT-style vocabularies, so the
/// estimate errs on the side of a shorter context.
public struct ContextAssembler: Sendable {
    public var budget: Int

    public init(budget: Int = 1500) {
        self.budget = budget
    }

    public static func estimateTokens(_ text: String) -> Int {
        (WordTokenCounter().countTokens(text) * 4 + 2) / 3
    }

    public func assemble(_ hits: [SearchHit], fence: DataFence = .random()) -> AssembledContext {
        var passages: [ContextPassage] = []
        var dropped: [(chunkID: Int64, reason: String)] = []
        var used = 0
        var seenTexts: [String: Int] = [:]
        for hit in hits {
            let normalized = hit.text.lowercased().split(whereSeparator: \.isWhitespace).joined(separator: " ")
            if let number = seenTexts[normalized] {
                dropped.append((hit.chunkID, "duplicate of [\(number)]"))
                continue
            }
            if let twin = passages.first(where: { $0.docID == hit.docID && Self.overlap($0.start ..< $0.end, hit.start ..< hit.end) >= 0.5 }) {
                dropped.append((hit.chunkID, "overlaps [\(twin.number)]"))
                continue
            }
            var text = hit.text
            var end = hit.end
            var cost = Self.estimateTokens(text)
            var truncated = false
            if used + cost > budget {
                guard passages.isEmpty else {
                    dropped.append((hit.chunkID, "over the token budget"))
                    continue
                }
                // The best hit always gets in, cut to the budget at a word boundary.
                text = Self.prefix(text, tokens: budget)
                end = hit.start + text.unicodeScalars.count
                cost = Self.estimateTokens(text)
                truncated = true
            }
            used += cost
            let number = passages.count + 1
            seenTexts[normalized] = number
            passages.append(ContextPassage(number: number, docID: hit.docID, title: hit.title, chunkID: hit.chunkID,
                                           mergedChunks: hit.mergedChunks, start: hit.start, end: end, text: text,
                                           score: hit.score, truncated: truncated))
        }
        return AssembledContext(passages: passages, fence: fence, tokens: used, dropped: dropped)
    }

    /// The share of the shorter span that the two spans share.
    static func overlap(_ a: Range<Int>, _ b: Range<Int>) -> Double {
        let shared = max(0, min(a.upperBound, b.upperBound) - max(a.lowerBound, b.lowerBound))
        let shorter = max(1, min(a.count, b.count))
        return Double(shared) / Double(shorter)
    }

    /// The longest prefix of `text`, ending at a word end, estimated at most `tokens`.
    static func prefix(_ text: String, tokens: Int) -> String {
        let words = (tokens * 3) / 4
        var count = 0
        var cut = text.endIndex
        var inWord = false
        for index in text.indices {
            let isSpace = text[index].isWhitespace
            if !isSpace && !inWord {
                count += 1
                if count > words {
                    cut = index
                    break
                }
            }
            inWord = !isSpace
        }
        var result = String(text[..<cut])
        while result.last?.isWhitespace == true { result.removeLast() }
        return result
    }
}
