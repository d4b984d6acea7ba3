import Foundation

/// Turns untrusted server text into something safe to put in an error message or a log line.
///
/// A server's error body can echo the API key, carry ANSI escapes or bidi overrides that
/// disguise a terminal line, or be megabytes long. Every excerpt Quarry shows passes through
/// here: the key is replaced by `[redacted]`, control, format, private-use and unassigned
/// characters become single spaces, and the result is cut to a fixed length.
public enum SafeText {
    /// At most 200 printable characters from the start of `body` (decoded leniently as UTF-8),
    /// sanitised and with `key` redacted.
    public static func excerpt(_ body: Data, redacting key: String?) -> String {
        sanitise(String(decoding: body.prefix(4096), as: UTF8.self), redacting: key, limit: 200)
    }

    /// `text` with `key` redacted, runs of whitespace and invisible characters collapsed to
    /// one space, no trailing space, and at most `limit` characters (the last one `…` when cut).
    public static func sanitise(_ text: String, redacting key: String?, limit: Int) -> String {
        var text = text
        if let key, !key.isEmpty { text = text.replacingOccurrences(of: key, with: "[redacted]") }
        var scalars = String.UnicodeScalarView()
        var lastWasSpace = true
        for scalar in text.unicodeScalars {
            let category = scalar.properties.generalCategory
            let blank = scalar.properties.isWhitespace || category == .control || category == .format
                || category == .surrogate || category == .privateUse || category == .unassigned || scalar == "\u{FFFD}"
            if blank {
                if !lastWasSpace { scalars.append(" ") }
                lastWasSpace = true
            } else {
                scalars.append(scalar)
                lastWasSpace = false
            }
        }
        var clean = String(scalars)
        while clean.hasSuffix(" ") { clean.removeLast() }
        if clean.count > limit { clean = String(clean.prefix(max(limit - 1, 0))) + "…" }
        return clean
    }

    /// A short, value-free account of why JSON decoding failed ("missing key 'data'"); it
    /// names paths and keys only, never the values, which may be the server's (or the key's) text.
    public static func describe(decodingError error: Error) -> String {
        switch error {
        case DecodingError.dataCorrupted(let context): return "malformed JSON: \(context.debugDescription)".prefix(160).description
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            let path = context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
            return "wrong type at '\(path)'"
        case DecodingError.keyNotFound(let key, _): return "missing key '\(key.stringValue)'"
        default: return "undecodable"
        }
    }
}
