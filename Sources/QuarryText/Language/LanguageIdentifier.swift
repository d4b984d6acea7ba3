import CCLD2

/// What language identification said of a text.
public struct LanguageGuess: Sendable, Equatable, Codable {
    /// CLD2's ISO 639-1 code ("en", "de", "zh", "zh-Hant", "ja"), or "un" when unknown.
    public var code: String
    /// Share of the text's letters in that language, 0–100.
    public var percent: Int
    /// CLD2's reliability flag: enough letters and a clear lead over the runner-up. One- and
    /// two-word queries are usually unreliable.
    public var reliable: Bool
    /// Bytes of letters CLD2 scored.
    public var letterBytes: Int

    public static let unknownCode = "un"

    public init(code: String, percent: Int, reliable: Bool, letterBytes: Int) {
        self.code = code
        self.percent = percent
        self.reliable = reliable
        self.letterBytes = letterBytes
    }

    public var isKnown: Bool { code != Self.unknownCode }

    /// "en (reliable, 98%)", "un (unreliable)".
    public var summary: String {
        isKnown ? "\(code) (\(reliable ? "reliable" : "unreliable"), \(percent)%)" : "\(code) (\(reliable ? "reliable" : "unreliable"))"
    }
}

/// Language identification through Google's CLD2 (Debian `libcld2-dev`): n-gram scoring of
/// the text's letters over 80+ languages, deterministic and thread-safe.
public enum LanguageIdentifier {
    /// The most text CLD2 is shown: enough to identify any document, bounded for huge ones.
    public static let maximumBytes = 64 * 1024

    /// The language of `text` (its first `maximumBytes` bytes, cut at a character boundary).
    public static func identify(_ text: String) -> LanguageGuess {
        var utf8 = text
        return utf8.withUTF8 { bytes -> LanguageGuess in
            var length = min(bytes.count, maximumBytes)
            // Never hand CLD2 a cut multi-byte sequence: step back over continuation bytes.
            while length < bytes.count, length > 0, bytes[length] & 0xC0 == 0x80 { length -= 1 }
            guard length > 0, let base = bytes.baseAddress else {
                return LanguageGuess(code: LanguageGuess.unknownCode, percent: 0, reliable: false, letterBytes: 0)
            }
            var guess = quarry_language_guess()
            base.withMemoryRebound(to: CChar.self, capacity: length) { quarry_cld2_detect($0, Int32(length), &guess) }
            let code = withUnsafeBytes(of: guess.codes.0) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            let result = LanguageGuess(code: code.isEmpty ? LanguageGuess.unknownCode : code, percent: Int(guess.percents.0),
                                       reliable: guess.reliable != 0, letterBytes: Int(guess.text_bytes))
            return result.isKnown ? result : scriptGuess(text) ?? result
        }
    }

    /// Scripts that (nearly) name their language: CLD2 leaves some plain Chinese sentences
    /// unidentified, yet text all in Han with no kana is Chinese, and so on. Never reliable.
    static let scriptLanguages: [String: String] = [
        "Hani": "zh", "Hira": "ja", "Kana": "ja", "Hang": "ko", "Thai": "th", "Grek": "el", "Armn": "hy", "Geor": "ka", "Hebr": "he",
    ]

    static func scriptGuess(_ text: String) -> LanguageGuess? {
        let profile = ScriptProfile(text)
        guard let dominant = profile.dominant, var code = scriptLanguages[dominant] else { return nil }
        // Japanese mixes Han with kana: any kana makes Han text Japanese.
        if code == "zh", profile.letters["Hira", default: 0] + profile.letters["Kana", default: 0] > 0 { code = "ja" }
        let share = Double(profile.letters[dominant, default: 0]) / Double(max(profile.total, 1))
        return LanguageGuess(code: code, percent: Int((share * 100).rounded()), reliable: false, letterBytes: 0)
    }
}
