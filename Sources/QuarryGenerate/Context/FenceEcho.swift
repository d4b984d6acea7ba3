/// Takes a prompt's fence marker out of what the model writes back.
///
/// Small models copy the `<<<Q-…>>>` line that opens the passages into their answer (SmolLM2
/// starts most answers with it). The marker means nothing to a reader and, being random per
/// request, would make answers differ for no reason, so it is removed — from a stream as it
/// arrives (text that could still become the marker is held back until it cannot), with the
/// whitespace an answer would then start with.
struct FenceEcho {
    let marker: String
    private var held = ""
    private var started = false

    init(marker: String) {
        self.marker = marker
    }

    /// The part of `piece` (with what was held) that is safe to show now.
    mutating func feed(_ piece: String) -> String {
        held += piece
        held = Self.strip(marker, from: held, atEnd: false)
        var keep = 0
        for n in stride(from: min(marker.count - 1, held.count), to: 0, by: -1) where held.hasSuffix(marker.prefix(n)) {
            keep = n
            break
        }
        var out = String(held.dropLast(keep))
        held = String(held.suffix(keep))
        if !started {
            out = String(out.drop { $0.isWhitespace })
            started = !out.isEmpty
        }
        return out
    }

    /// What is still held once the answer has ended.
    mutating func finish() -> String {
        var out = Self.strip(marker, from: held, atEnd: true)
        held = ""
        if !started { out = String(out.drop { $0.isWhitespace }) }
        return out
    }

    /// `text` without echoes of the marker: whole, with some of its closing `>` missing
    /// (small models echo `<<<Q-…>>`), or cut short inside its id (`<<<Q-22a7c1f451e2` for a
    /// 16-digit id, as SmolLM2 ended an answer in a CI run). An echo is the marker's head (what
    /// comes before the id, `<<<Q-`) followed by at least one character of the id, as far as
    /// it matches, then any of the closing `>`. One that may still be growing (it reaches the
    /// end of `text`, more to come) is left for the next piece unless `atEnd`.
    static func strip(_ marker: String, from text: String, atEnd: Bool) -> String {
        let closing = marker.reversed().prefix { $0 == ">" }.count
        let core = Array(marker.dropLast(closing))
        let head = String(core.prefix { !$0.isHexDigit })
        guard !head.isEmpty, head.count < core.count, text.contains(head) else { return text }
        var out = ""
        var rest = Substring(text)
        while let range = rest.range(of: head) {
            var end = range.upperBound
            var matched = head.count
            while end < rest.endIndex, matched < core.count, rest[end] == core[matched] {
                end = rest.index(after: end)
                matched += 1
            }
            var count = 0
            while end < rest.endIndex, rest[end] == ">", count < closing {
                end = rest.index(after: end)
                count += 1
            }
            let whole = matched == core.count && count == closing
            if end == rest.endIndex, !whole, !atEnd {
                // Possibly the start of a marker split across pieces: keep it held.
                return out + rest
            }
            if matched == head.count {
                // The head alone, then something else: not an echo.
                out += rest[..<range.upperBound]
                rest = rest[range.upperBound...]
                continue
            }
            out += rest[..<range.lowerBound]
            rest = rest[end...]
        }
        return out + rest
    }

    /// `text` without the marker (a whole answer).
    static func removed(_ marker: String, from text: String) -> String {
        var echo = FenceEcho(marker: marker)
        return echo.feed(text) + echo.finish()
    }
}
