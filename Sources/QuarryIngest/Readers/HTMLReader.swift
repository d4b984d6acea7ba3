/// Reads HTML through `HTMLTextExtractor`: scripts, styles and hidden elements dropped,
/// entities decoded, block structure kept as paragraph breaks, h1–h6 as the heading path.
public struct HTMLReader: Sendable {
    public init() {}

    public func parse(_ source: String, fallbackTitle: String) -> ParsedDocument {
        let extraction = HTMLTextExtractor().extract(source)
        let title = extraction.title.flatMap { $0.isEmpty ? nil : $0 }
            ?? extraction.headings.first(where: { $0.level == 1 })?.text ?? fallbackTitle
        return ParsedDocument(title: title, text: extraction.text,
                              headings: extraction.headings.map { .init(offset: $0.offset, level: $0.level, title: $0.text) })
    }
}
