/// The marker that opens and closes each retrieved passage in a prompt.
///
/// Retrieved text is untrusted: a document may say "ignore previous instructions". The
/// template tells the model that fenced text is data; the fence is random per request
/// (64 bits), so a document cannot contain the closing marker of the prompt it lands in,
/// and `defuse` rewrites any `<<<` in untrusted text so it cannot even look like one.
public struct DataFence: Sendable, Equatable {
    public let marker: String

    /// A fence with a given marker (tests); use `random()` for prompts.
    public init(marker: String) {
        self.marker = marker
    }

    /// `<<<Q-` + 16 random hex digits + `>>>`.
    public static func random() -> DataFence {
        var generator = SystemRandomNumberGenerator()
        let value = generator.next() as UInt64
        let hex = String(value, radix: 16)
        return DataFence(marker: "<<<Q-" + String(repeating: "0", count: 16 - hex.count) + hex + ">>>")
    }

    /// `text` with every `<<<` and `>>>` turned into look-alike guillemets (‹‹‹ ›››), so
    /// untrusted text cannot imitate a fence line.
    public static func defuse(_ text: String) -> String {
        guard text.contains("<<<") || text.contains(">>>") else { return text }
        return text.replacingOccurrences(of: "<<<", with: "‹‹‹").replacingOccurrences(of: ">>>", with: "›››")
    }

    /// `text` made safe for a fence's header line (`source="…"`): newlines and other control
    /// characters become spaces (a title cannot start a line of its own, let alone a fence
    /// line), fence brackets are defused and double quotes become single ones, so the field
    /// cannot close its quotes either.
    public static func headerField(_ text: String) -> String {
        var scalars = String.UnicodeScalarView()
        var lastWasSpace = false
        for scalar in text.unicodeScalars {
            let isSpace = scalar.properties.generalCategory == .control || scalar.properties.isWhitespace
                || scalar.properties.generalCategory == .lineSeparator || scalar.properties.generalCategory == .paragraphSeparator
            if isSpace {
                if !lastWasSpace { scalars.append(" ") }
                lastWasSpace = true
            } else {
                scalars.append(scalar == "\"" ? "'" : scalar)
                lastWasSpace = false
            }
        }
        return defuse(String(scalars).trimmingCharacters(in: .whitespaces))
    }
}
