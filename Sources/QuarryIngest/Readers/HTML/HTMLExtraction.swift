// QuarryIngest — what HTMLTextExtractor returns.

/// One heading found in the extracted text.
public struct HTMLHeading: Sendable, Equatable {
    /// Unicode-scalar offset into ``HTMLExtraction/text`` where the heading text starts.
    ///
    /// `text.unicodeScalars.dropFirst(offset)` begins with ``text``.
    public var offset: Int
    /// Heading level, `1...6` (`<h1>` ... `<h6>`).
    public var level: Int
    /// The heading's text, exactly as it appears in the extracted text (whitespace collapsed).
    public var text: String

    public init(offset: Int, level: Int, text: String) {
        self.offset = offset
        self.level = level
        self.text = text
    }
}

/// The result of ``HTMLTextExtractor/extract(_:)``.
public struct HTMLExtraction: Sendable, Equatable {
    /// Text of the first non-empty `<title>` element, whitespace collapsed, or `nil`.
    public var title: String?
    /// Visible text. Paragraphs are separated by one blank line (`"\n\n"`), `<br>` gives `"\n"`,
    /// there is no leading or trailing whitespace and never more than one blank line in a row.
    public var text: String
    /// Headings (`<h1>`...`<h6>`) in document order, with offsets into ``text``.
    public var headings: [HTMLHeading]

    public init(title: String?, text: String, headings: [HTMLHeading]) {
        self.title = title
        self.text = text
        self.headings = headings
    }
}
