import Foundation

/// A shell-style glob over slash-separated relative paths, as in `.gitignore`:
/// `*` matches within one path segment, `?` one character, `[abc]` a set, and `**` any
/// number of segments. A pattern without a `/` matches a file or directory name at any
/// depth (`*.log`, `drafts`); one with a `/` matches the whole relative path
/// (`docs/**/*.md`). A trailing `/` is ignored.
public struct Glob: Sendable, Equatable {
    public let pattern: String
    let anchored: Bool
    let regex: String

    /// Compiles a pattern.
    /// - Throws: `GlobError` for an unbalanced `[` or an empty pattern.
    public init(_ pattern: String) throws {
        var body = pattern.trimmingCharacters(in: .whitespaces)
        while body.hasSuffix("/") && body.count > 1 { body.removeLast() }
        guard !body.isEmpty else { throw GlobError(pattern: pattern, reason: "empty pattern") }
        if body.hasPrefix("/") { body.removeFirst() }
        self.pattern = pattern
        anchored = body.contains("/")
        var out = "^"
        var chars = Array(body)
        var i = 0
        while i < chars.count {
            let c = chars[i]
            switch c {
            case "*":
                if i + 1 < chars.count, chars[i + 1] == "*" {
                    let atSegmentStart = i == 0 || chars[i - 1] == "/"
                    let followedBySlash = i + 2 < chars.count && chars[i + 2] == "/"
                    if atSegmentStart && followedBySlash {
                        out += "(?:.*/)?"
                        i += 3
                        continue
                    }
                    out += ".*"
                    i += 2
                    continue
                }
                out += "[^/]*"
            case "?":
                out += "[^/]"
            case "[":
                guard let close = chars[(i + 1)...].firstIndex(of: "]"), close > i + 1 else {
                    throw GlobError(pattern: pattern, reason: "unbalanced '['")
                }
                var set = String(chars[(i + 1) ..< close])
                if set.hasPrefix("!") { set = "^" + set.dropFirst() }
                out += "[" + set.replacingOccurrences(of: "\\", with: "\\\\") + "]"
                i = close
            default:
                out += NSRegularExpression.escapedPattern(for: String(c))
            }
            i += 1
        }
        chars.removeAll()
        regex = out + "$"
    }

    /// Whether the relative path (or, for unanchored patterns, its last segment) matches.
    public func matches(_ relativePath: String) -> Bool {
        let subject = anchored ? relativePath : String(relativePath.split(separator: "/").last ?? "")
        return subject.range(of: regex, options: .regularExpression) != nil
    }
}

/// A malformed glob pattern.
public struct GlobError: Error, CustomStringConvertible, Sendable {
    public var pattern: String
    public var reason: String
    public var description: String { "bad glob pattern \"\(pattern)\": \(reason)" }
}
