/// Escaping of untrusted text for HTML element content and quoted attribute values (the
/// eval and drift reports are self-contained pages that show query text, ids and paths).
public enum HTMLText {
    /// `&`, `<`, `>`, `"` and `'` as character references; everything else unchanged.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
