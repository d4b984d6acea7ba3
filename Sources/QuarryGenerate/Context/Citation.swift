import QuarryWire

/// Finds `[n]` citations in an answer: `[1]`, `[2][3]`, `[1, 2]` and `[1-3]`.
public enum CitationParser {
    /// Cited numbers in order of first appearance, each once.
    public static func numbers(in text: String) -> [Int] {
        var result: [Int] = []
        var seen = Set<Int>()
        var index = text.startIndex
        while let open = text[index...].firstIndex(of: "[") {
            index = text.index(after: open)
            // A marker is short: look no further than its longest form, so "[" without a "]"
            // costs a few characters, not the rest of the text.
            guard let close = closing(text, after: open) else { continue }
            let inside = text[text.index(after: open) ..< close]
            guard !inside.isEmpty, inside.count <= 40,
                  inside.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "," || $0 == " " || $0 == "-" || $0 == "–") }) else { continue }
            var numbers: [Int] = []
            for part in inside.split(separator: ",") {
                let bounds = part.split(whereSeparator: { $0 == "-" || $0 == "–" }).map { $0.trimmingCharacters(in: .whitespaces) }
                if bounds.count == 1, let n = Int(bounds[0]) {
                    numbers.append(n)
                } else if bounds.count == 2, let low = Int(bounds[0]), let high = Int(bounds[1]), low <= high, high - low < 50 {
                    numbers += Array(low ... high)
                }
            }
            for n in numbers where seen.insert(n).inserted { result.append(n) }
            index = close
        }
        return result
    }

    /// The "]" closing the marker opened at `open`, within the longest a marker may be.
    static func closing(_ text: String, after open: String.Index) -> String.Index? {
        let window = text[text.index(after: open)...].prefix(42)
        return window.firstIndex(of: "]")
    }

    /// `text` without its citation markers (each replaced by a space).
    public static func removingMarkers(_ text: String) -> String {
        var out = ""
        var index = text.startIndex
        while index < text.endIndex {
            if text[index] == "[", let close = closing(text, after: index),
               !numbers(in: String(text[index ... close])).isEmpty {
                out.append(" ")
                index = text.index(after: close)
                continue
            }
            out.append(text[index])
            index = text.index(after: index)
        }
        return out
    }

    /// The citations of `text` that name passages of `context`, and the numbers that name none.
    public static func resolve(_ text: String, in context: AssembledContext) -> (citations: [Citation], unknown: [Int]) {
        var citations: [Citation] = []
        var unknown: [Int] = []
        for number in numbers(in: text) {
            guard let passage = context.passages.first(where: { $0.number == number }) else {
                unknown.append(number)
                continue
            }
            citations.append(Citation(number: number, docID: passage.docID, title: passage.title, chunkID: passage.chunkID,
                                      start: passage.start, end: passage.end))
        }
        return (citations, unknown)
    }
}
