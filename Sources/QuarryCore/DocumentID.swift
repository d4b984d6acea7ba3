import Foundation

/// The one rule for document ids, applied wherever an id enters: file paths, BEIR records,
/// the HTTP API (documents, deletions, the delete route), qrels and run files, and checked
/// once more by the store before a write.
///
/// An id is NFC with NUL removed, so "café" typed two ways is one document in the Swift maps
/// (which compare canonically) and in SQLite (which compares bytes), and no C API truncates
/// it; then it must be 1…1024 UTF-8 bytes. Other control characters are allowed, because a
/// file name may hold them: every place that prints an id escapes it (`Printable`).
public enum DocumentID {
    /// The longest id, in UTF-8 bytes.
    public static let maxBytes = 1024

    /// NUL removed, then Unicode NFC (ASCII is returned as it is).
    public static func normalize(_ value: String) -> String {
        if value.utf8.allSatisfy({ $0 != 0 && $0 < 0x80 }) { return value }
        let noNul = value.utf8.contains(0) ? value.replacingOccurrences(of: "\u{0}", with: "") : value
        return noNul.precomposedStringWithCanonicalMapping
    }

    /// Why a normalized id cannot be stored, or nil when it can.
    public static func problem(_ id: String) -> String? {
        if id.isEmpty { return "the document id is empty" }
        if id.utf8.count > maxBytes { return "the document id is \(id.utf8.count) bytes; at most \(maxBytes) are allowed" }
        return nil
    }
}
