import QuarryText

/// An answer cut into sentences, each with the citation markers that follow it.
///
/// ICU ends a sentence after "light." in "… light. [1] Next …", so markers that open a
/// segment move back to the sentence before them (those before the first sentence stay on it); a segment with no letter or digit left
/// (a stray marker, a bullet) is not a sentence.
public enum CitedSentences {
    public static func split(_ text: String) throws -> [String] {
        let units = UTF16Text(text)
        var sentences: [String] = []
        for segment in try Segmenter().sentences(units) {
            var sentence = Substring(units.string(segment.range))
            var moved = ""
            while true {
                let trimmed = sentence.drop(while: \.isWhitespace)
                guard trimmed.first == "[", let close = trimmed.firstIndex(of: "]"),
                      !CitationParser.numbers(in: String(trimmed[...close])).isEmpty else { break }
                moved += trimmed[...close]
                sentence = trimmed[trimmed.index(after: close)...]
            }
            if !moved.isEmpty, !sentences.isEmpty { sentences[sentences.count - 1] += " " + moved }
            // Markers before the first sentence ("[1] Tides …") belong to it.
            if !moved.isEmpty, sentences.isEmpty { sentence = Substring(moved + " " + sentence) }
            let kept = sentence.trimmingCharacters(in: .whitespacesAndNewlines)
            if kept.contains(where: { $0.isLetter || $0.isNumber }) { sentences.append(kept) }
        }
        return sentences
    }
}
