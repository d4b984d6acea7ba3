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
        held = held.replacingOccurrences(of: marker, with: "")
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
        var out = held.replacingOccurrences(of: marker, with: "")
        held = ""
        if !started { out = String(out.drop { $0.isWhitespace }) }
        return out
    }

    /// `text` without the marker (a whole answer).
    static func removed(_ marker: String, from text: String) -> String {
        var echo = FenceEcho(marker: marker)
        return echo.feed(text) + echo.finish()
    }
}
