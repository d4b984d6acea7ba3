import Foundation

/// The one JSON encoder of the server's responses, server-sent events and the canonical
/// metadata text of the document routes: sorted keys (the same object always gives the
/// same text, which the content hash of a document's metadata relies on) and unescaped
/// slashes. Made once: encoding with it is thread-safe, and building an encoder per
/// response or streamed token showed up on the request path.
enum WireJSON {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()
}
