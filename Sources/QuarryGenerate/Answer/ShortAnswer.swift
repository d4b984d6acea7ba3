import Foundation
import QuarryText

/// Short answers for factoid questions: "Who led the Panthers in sacks?" wants "Kawann
/// Short", not the paragraph around it (SQuAD-style references are spans; a sentence
/// scores a token F1 near 0.05 against them).
///
/// A rule, in English: the question's opening says what kind of span answers it —
/// - `quantity`: how many/much/old/long/far/big/tall/large, what percentage, the score;
/// - `time`: when, what/which year, what date, what century;
/// - `name`: who, whom, whose, which/what person|player|team|company|…;
/// - `place`: where, what/which city|country|state|region — a capitalised name after a
///   preposition of place ("at Bell Labs").
/// A question that asks two things ("…, and where …?") gets sentences.
/// Questions without such a cue (why, how does, what is, every other language) get whole
/// sentences. Candidates of that kind are read from the best-matching sentences; each
/// scores its sentence's match with the question, damped by how far (in words) it sits
/// from the question's terms; words the question itself uses are never the answer.
public struct ShortAnswer: Sendable {
    public enum Kind: String, Sendable, CaseIterable {
        case quantity, time, name, place
    }

    /// The kind of span `question` asks for, or nil when it wants sentences.
    public static func kind(of question: String) -> Kind? {
        let words = question.lowercased().split(whereSeparator: { !$0.isLetter && !$0.isNumber }).map(String.init)
        guard let first = words.first else { return nil }
        let lead = words.prefix(while: { ["in", "on", "at", "for", "by", "during", "about", "and", "so"].contains($0) })
        let rest = Array(words.dropFirst(lead.count))
        guard let opener = rest.first else { return nil }
        let next = rest.count > 1 ? rest[1] : ""
        _ = first
        // Two questions in one ("Who created Unix, and where was it developed?") want sentences.
        // ("… when he played" is one question: the second asking word must follow and/or.)
        for i in rest.indices.dropFirst(2) where ["who", "whom", "where", "when", "why", "how", "which", "what"].contains(rest[i]) {
            if ["and", "or"].contains(rest[i - 1]) { return nil }
        }
        switch opener {
        case "how":
            if ["many", "much", "old", "long", "far", "big", "tall", "large", "high", "deep", "wide", "heavy", "often", "fast"].contains(next) { return .quantity }
            return nil
        case "when": return .time
        case "who", "whom", "whose": return .name
        case "where": return .place
        case "what", "which":
            let head = rest.dropFirst().prefix(4)
            if head.contains(where: ["year", "years", "date", "century", "decade", "month", "day"].contains) { return .time }
            if head.contains(where: ["percentage", "percent", "number", "amount", "score", "age", "population", "size", "length"].contains) { return .quantity }
            if head.contains(where: ["city", "country", "state", "region", "continent", "town", "place", "location", "county", "province"].contains) { return .place }
            if head.contains(where: ["person", "player", "team", "company", "organization", "organisation", "group", "man", "woman", "quarterback", "coach", "president", "king", "queen", "artist", "band", "author", "scientist", "university", "club"].contains) { return .name }
            return nil
        default:
            return nil
        }
    }

    /// The noun a "how many/much" question counts ("tackles" in "How many tackles did …"):
    /// the number beside it answers, more than one beside another question word.
    public static func focus(of question: String) -> String? {
        let words = question.lowercased().split(whereSeparator: { !$0.isLetter && !$0.isNumber }).map(String.init)
        guard let how = words.firstIndex(of: "how"), how + 2 < words.count, ["many", "much"].contains(words[how + 1]) else { return nil }
        return words[how + 2]
    }

    static let numberWords: Set<String> = [
        "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "thirteen", "fourteen",
        "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty",
        "ninety", "hundred", "thousand", "million", "billion", "trillion", "dozen", "half", "once", "twice",
    ]
    static let units: Set<String> = [
        "seconds", "second", "minutes", "minute", "hours", "hour", "days", "day", "weeks", "week", "months", "month", "years", "year",
        "percent", "%", "million", "billion", "thousand", "hundred", "miles", "mile", "kilometres", "kilometers", "km", "metres", "meters",
        "m", "feet", "foot", "inches", "cm", "mm", "kg", "pounds", "tons", "tonnes", "degrees", "points", "yards", "people", "times",
        "dollars", "euros", "centuries", "decades", "mph", "grams", "litres", "liters",
    ]
    static let placePrepositions: Set<String> = ["in", "at", "from", "near", "to", "into", "inside", "outside", "across", "throughout", "within", "around", "towards", "toward"]
    static let months: Set<String> = [
        "january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december",
    ]
    /// Lower-case words a name may hold inside it ("Executive Vice President of Football Operations").
    static let nameJoiners: Set<String> = ["of", "de", "van", "von", "der", "la", "du", "and", "the", "for"]

    /// A word of a sentence and where it stands.
    struct Word {
        var text: String
        var lower: String
        var range: Range<String.Index>
    }

    static func words(_ sentence: String) -> [Word] {
        var out: [Word] = []
        var index = sentence.startIndex
        func isWordCharacter(_ c: Character) -> Bool { c.isLetter || c.isNumber || c == "'" || c == "’" || c == "-" || c == "–" || c == "." || c == "," || c == "%" || c == "$" }
        while index < sentence.endIndex {
            guard isWordCharacter(sentence[index]) else { index = sentence.index(after: index); continue }
            var end = index
            while end < sentence.endIndex, isWordCharacter(sentence[end]) { end = sentence.index(after: end) }
            // Trailing punctuation is not part of the word ("2015." "Short,").
            var last = end
            while last > index, ".,'’-–".contains(sentence[sentence.index(before: last)]) { last = sentence.index(before: last) }
            if last > index {
                let text = String(sentence[index ..< last])
                if text.contains(where: { $0.isLetter || $0.isNumber }) {
                    out.append(Word(text: text, lower: text.lowercased(), range: index ..< last))
                }
            }
            index = end
        }
        return out
    }

    static func isNumber(_ word: Word) -> Bool {
        word.text.contains(where: \.isNumber) || numberWords.contains(word.lower)
    }

    static func isCapitalised(_ word: Word) -> Bool {
        word.text.first?.isUppercase == true
    }

    /// The spans of `kind` in `words`, as word index ranges.
    static func candidates(_ kind: Kind, in words: [Word]) -> [Range<Int>] {
        var spans: [Range<Int>] = []
        var i = 0
        while i < words.count {
            switch kind {
            case .quantity:
                guard isNumber(words[i]) else { i += 1; continue }
                var end = i + 1
                while end < words.count, isNumber(words[end]) || words[end].lower == "and" && end + 1 < words.count && isNumber(words[end + 1]) { end += 1 }
                if end < words.count, units.contains(words[end].lower) { end += 1 }
                spans.append(i ..< end)
                i = end
            case .time:
                let word = words[i]
                let isYear = word.text.count == 4 && word.text.allSatisfy(\.isNumber) || (word.text.hasSuffix("s") && word.text.dropLast().count == 4 && word.text.dropLast().allSatisfy(\.isNumber))
                if months.contains(word.lower) || isYear || (word.lower.hasSuffix("century") && i > 0) {
                    var start = i, end = i + 1
                    // "February 7, 2016", "7 February 2016", "the 19th century"
                    if start > 0, words[start - 1].text.allSatisfy(\.isNumber), words[start - 1].text.count <= 2 { start -= 1 }
                    while end < words.count, end - start < 4,
                          words[end].text.allSatisfy(\.isNumber) && words[end].text.count <= 4 || months.contains(words[end].lower) { end += 1 }
                    if word.lower.hasSuffix("century"), start > 0 { start -= 1 }
                    spans.append(start ..< end)
                    i = end
                } else {
                    i += 1
                }
            case .name, .place:
                guard isCapitalised(words[i]), !words[i].text.allSatisfy(\.isNumber) else { i += 1; continue }
                var end = i + 1
                while end < words.count {
                    if isCapitalised(words[end]) { end += 1; continue }
                    if nameJoiners.contains(words[end].lower), end + 1 < words.count, isCapitalised(words[end + 1]) { end += 2; continue }
                    break
                }
                spans.append(i ..< end)
                i = end
            }
        }
        return spans
    }

    /// The spans of `kind` among `sentences` (text, passage number, match score), best first,
    /// each once, with its passage; empty when none qualifies. Words are read as `test` reads them (the
    /// passages' language), so a one-word term is not stemmed as another language.
    static func ranked(_ kind: Kind, sentences: [(text: String, passage: Int, score: Double)], question: String,
                       reading test: SupportTest) throws -> [(text: String, passage: Int)] {
        let questionTerms = try test.terms(question)
        let questionWords = Set(words(question).map(\.lower))
        let focusTerms = try focus(of: question).map { try test.terms($0) } ?? []
        var found: [(text: String, passage: Int, score: Double)] = []
        for sentence in sentences where sentence.score > 0 {
            let words = Self.words(sentence.text)
            guard !words.isEmpty else { continue }
            // Words the question shares, and how far each counts (the focus noun, half as far).
            var anchors: [(index: Int, weight: Double)] = []
            for (i, word) in words.enumerated() {
                let terms = try test.terms(word.text)
                guard !terms.isDisjoint(with: questionTerms) else { continue }
                anchors.append((i, terms.isDisjoint(with: focusTerms) ? 1 : 0.5))
            }
            for span in candidates(kind, in: words) {
                // Words of the question are what is asked about, not the answer.
                var kept = span
                while kept.lowerBound < kept.upperBound, questionWords.contains(words[kept.lowerBound].lower)
                        || (kept.lowerBound == 0 && ["the", "a", "an", "in", "on", "at"].contains(words[kept.lowerBound].lower)) {
                    kept = kept.lowerBound + 1 ..< kept.upperBound
                }
                while kept.lowerBound < kept.upperBound, questionWords.contains(words[kept.upperBound - 1].lower) {
                    kept = kept.lowerBound ..< kept.upperBound - 1
                }
                guard !kept.isEmpty, !words[kept].allSatisfy({ questionWords.contains($0.lower) }) else { continue }
                if kind == .name || kind == .place, kept.count == 1, kept.lowerBound == 0 { continue }  // a sentence's first word
                if kind == .place, span.lowerBound == 0 || !Self.placePrepositions.contains(words[span.lowerBound - 1].lower) { continue }
                let distance = anchors.map { anchor -> Double in
                    let i = anchor.index
                    return anchor.weight * Double(i < kept.lowerBound ? kept.lowerBound - i : i >= kept.upperBound ? i - kept.upperBound + 1 : 0)
                }.min() ?? 20
                let score = sentence.score / (1 + 0.15 * distance)
                let text = String(sentence.text[words[kept.lowerBound].range.lowerBound ..< words[kept.upperBound - 1].range.upperBound])
                if let same = found.firstIndex(where: { $0.text.lowercased() == text.lowercased() }) {
                    found[same].score = max(found[same].score, score)
                } else {
                    found.append((text, sentence.passage, score))
                }
            }
        }
        // Best first; equal scores keep reading order.
        return found.enumerated().sorted { $0.element.score > $1.element.score || ($0.element.score == $1.element.score && $0.offset < $1.offset) }
            .map { ($0.element.text, $0.element.passage) }
    }
}
