/// Reads Markdown: the text is kept as written (it reads well as plain text and chunk
/// offsets then point into the source file), YAML front matter is removed with its `title`
/// used as the document title, and ATX (`## …`) and setext (`===`/`---` underlined)
/// headings outside fenced code blocks give the heading path each chunk carries.
public struct MarkdownReader: Sendable {
    public init() {}

    public func parse(_ source: String, fallbackTitle: String) -> ParsedDocument {
        var text = source
        var title: String?
        if let (body, frontTitle) = Self.stripFrontMatter(source) {
            text = body
            title = frontTitle
        }
        let lines = Self.lines(text)
        var headings: [ParsedDocument.Heading] = []
        var fence: Substring?
        var previous: (line: Line, isPlain: Bool)?
        for line in lines {
            let content = line.content
            let trimmed = content.drop(while: { $0 == " " })
            let indent = content.count - trimmed.count
            if indent < 4, let marker = Self.fenceMarker(trimmed) {
                if let open = fence {
                    if marker.first == open.first && marker.count >= open.count && trimmed.drop(while: { $0 == marker.first }).allSatisfy(\.isWhitespace) {
                        fence = nil
                    }
                } else {
                    fence = marker
                }
                previous = nil
                continue
            }
            if fence != nil { continue }
            if indent < 4, let (level, heading) = Self.atxHeading(trimmed) {
                headings.append(.init(offset: line.offset, level: level, title: heading))
                previous = nil
                continue
            }
            if indent < 4, let prev = previous, prev.isPlain, let level = Self.setextLevel(trimmed) {
                let heading = prev.line.content.trimmingWhitespace()
                if !heading.isEmpty { headings.append(.init(offset: prev.line.offset, level: level, title: heading)) }
                previous = nil
                continue
            }
            let plain = !trimmed.isEmpty && indent < 4
            previous = (line, plain)
        }
        let resolvedTitle = title ?? headings.first(where: { $0.level == 1 })?.title ?? fallbackTitle
        return ParsedDocument(title: resolvedTitle, text: text, headings: headings)
    }

    struct Line {
        var content: Substring
        /// Unicode-scalar offset of the line's start.
        var offset: Int
    }

    static func lines(_ text: String) -> [Line] {
        var result: [Line] = []
        var offset = 0
        for piece in text.split(separator: "\n", omittingEmptySubsequences: false) {
            result.append(Line(content: piece, offset: offset))
            offset += piece.unicodeScalars.count + 1
        }
        return result
    }

    static func fenceMarker(_ line: Substring) -> Substring? {
        for char in ["`", "~"] as [Character] {
            let run = line.prefix(while: { $0 == char })
            if run.count >= 3 { return run }
        }
        return nil
    }

    static func atxHeading(_ line: Substring) -> (Int, String)? {
        let hashes = line.prefix(while: { $0 == "#" })
        guard (1 ... 6).contains(hashes.count) else { return nil }
        let rest = line.dropFirst(hashes.count)
        guard rest.isEmpty || rest.first == " " || rest.first == "\t" else { return nil }
        var title = rest.trimmingWhitespace()
        // A closing sequence of #s is not part of the heading.
        while title.hasSuffix("#") { title.removeLast() }
        title = Substring(title).trimmingWhitespace()
        return title.isEmpty ? nil : (hashes.count, title)
    }

    static func setextLevel(_ line: Substring) -> Int? {
        let body = Substring(line.trimmingWhitespace())
        guard let first = body.first, first == "=" || first == "-", body.allSatisfy({ $0 == first }) else { return nil }
        // A single "-" would be an empty list item; require at least two.
        guard body.count >= 2 else { return nil }
        return first == "=" ? 1 : 2
    }

    /// Splits off `---` front matter; returns the body and a `title:` value if present.
    static func stripFrontMatter(_ text: String) -> (String, String?)? {
        guard text.hasPrefix("---\n") else { return nil }
        let afterOpen = text.index(text.startIndex, offsetBy: 4)
        guard let close = text.range(of: "\n---", range: afterOpen ..< text.endIndex) else { return nil }
        let block = text[afterOpen ..< close.lowerBound]
        var bodyStart = close.upperBound
        // The closing line may be "---" or "..." followed by a newline.
        if let newline = text[bodyStart...].firstIndex(of: "\n") { bodyStart = text.index(after: newline) } else { bodyStart = text.endIndex }
        var title: String?
        for line in block.split(separator: "\n") where line.hasPrefix("title:") {
            var value = Substring(line.dropFirst(6)).trimmingWhitespace()
            if value.count >= 2, let q = value.first, (q == "\"" || q == "'"), value.last == q {
                value = String(value.dropFirst().dropLast())
            }
            if !value.isEmpty { title = value }
        }
        return (String(text[bodyStart...]), title)
    }
}

extension Substring {
    func trimmingWhitespace() -> String {
        let start = firstIndex(where: { !$0.isWhitespace }) ?? endIndex
        let end = self[start...].lastIndex(where: { !$0.isWhitespace }).map(index(after:)) ?? start
        return String(self[start ..< end])
    }
}

extension String {
    func trimmingWhitespace() -> String { Substring(self).trimmingWhitespace() }
}
