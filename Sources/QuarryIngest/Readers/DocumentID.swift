import QuarryText

/// Document ids are NFC with NUL removed, so "café" typed two ways is one document, and no
/// id is truncated by a C API.
public enum DocumentID {
    public static func normalize(_ value: String) -> String {
        let noNul = value.utf8.contains(0) ? value.replacingOccurrences(of: "\u{0}", with: "") : value
        return Normalizer.nfc(noNul)
    }
}
