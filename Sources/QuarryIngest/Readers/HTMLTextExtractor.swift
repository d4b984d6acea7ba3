// HTMLTextExtractor.swift
// QuarryIngest — turns untrusted HTML into plain text for chunking and embedding.

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

/// Extracts readable text, the title and the heading outline from an HTML document.
///
/// The ingest pipeline feeds this type documents from anywhere, so it treats every input as
/// hostile and is built to be predictable rather than to be a full HTML5 parser:
///
/// - **One forward pass, no recursion.** The input's UTF-8 bytes are scanned once, left to right.
///   Open elements live on an explicit array stack, so 100,000 nested `<div>`s cannot overflow the
///   call stack. Every sub-scan (comments, raw text, attribute values, references) only moves
///   forward and an unterminated construct consumes the rest of the input instead of being
///   re-scanned, so the running time is linear in the input size.
/// - **Bounded stack (`maxDepth`).** At most `maxDepth` elements are kept on the stack. Elements
///   opened beyond that are still scanned and their text is kept, flattened: their start and end
///   tags still produce paragraph breaks, but they are not pushed (only counted), so `<pre>`
///   whitespace and heading recording do not apply to them. While such uncounted elements are
///   open, every end tag is assumed to close the innermost of them. Because the stack is bounded
///   and a per-name count of open elements is kept, closing an end tag never costs more than the
///   elements it actually pops, and unmatched end tags are rejected in O(1).
/// - **Invisible content is dropped with everything inside it:** `script`, `style`, `noscript`,
///   `template`, `svg`, `math`, `iframe`, `object`, `noembed`, `noframes`, `head` (its `<title>`
///   becomes ``HTMLExtraction/title``), comments, `<!DOCTYPE>`, processing instructions, CDATA
///   sections, and elements carrying a `hidden` attribute, `aria-hidden="true"`, or an inline style
///   with `display:none` or `visibility:hidden` (case-insensitive, whitespace and CSS comments
///   ignored). Hidden text is a favourite carrier for prompt injection, so a dropped element is
///   skipped by counting nested start/end tags *of the same name* until the matching end tag (or
///   the end of input). That needs no stack, so hiding also works beyond `maxDepth`, and when the
///   markup is broken the extractor errs towards dropping too much rather than leaking hidden text.
///   An unterminated `<script>`, `<style>` or comment drops everything up to the end of the input.
///   Inside `head`, the first start tag that does not belong in a head (or non-whitespace text, or
///   `<body>`) ends the head, as browsers do, so a missing `</head>` does not swallow the document.
/// - **Misnested and unclosed tags are tolerated.** An end tag closes everything up to the nearest
///   open element of the same name; end tags with no open match are ignored (`</br>` acts like
///   `<br>`). `<p>`, `<li>`, `<dt>`/`<dd>`, `<td>`/`<th>`, `<tr>`, `<option>` and headings close an
///   open element of the same kind on top of the stack, and block elements close an open `<p>`,
///   which keeps tag soup shallow. Void elements (`br`, `img`, `hr`, `input`, `meta`, `link`, ...)
///   never push. A tag left unterminated at the end of input is discarded. An unterminated `<title>`,
///   `<textarea>` or `<xmp>` ends at the next `<` instead of swallowing the document.
/// - **Character references only.** Decimal and hexadecimal references are decoded; zero,
///   surrogates and values above U+10FFFF become U+FFFD, and 0x80–0x9F map through Windows-1252
///   as in browsers. The 253 HTML 4 / XML named references (`amp`, `nbsp`, `eacute`, `euro`, ...)
///   come from a static table; a name must match exactly (`;` required, except for the legacy
///   Latin-1 names in text, such as `&copy 2024`). Anything else, including a bare `&`, stays
///   literal. There is no other entity expansion, no DTD processing and nothing is ever fetched,
///   so XXE and "billion laughs" are impossible by construction. References are also decoded in
///   the attribute values that are inspected (`style`, `aria-hidden`).
/// - **Whitespace.** Block elements (`p`, `div`, `section`, `li`, `h1`–`h6`, `table`, `tr`, ...)
///   separate paragraphs with `"\n\n"`, `<br>` gives `"\n"` (two in a row give a blank line; more
///   do not add more). Table cells in a row are separated by `" | "`. Outside `<pre>` runs of
///   whitespace (including U+00A0 and other Unicode spaces) collapse to one space and paragraphs
///   are trimmed. Inside `<pre>` (and `<listing>`, `<xmp>`, `<plaintext>`) spaces, tabs and line
///   breaks are kept, except that runs of empty lines are capped at one blank line and whitespace
///   at the very start or end of the text is dropped. NUL characters are removed.
/// - **Only character data is text.** Attribute values (`alt`, `title`, `value`, ...) are never
///   emitted; the only attributes read are `hidden`, `aria-hidden` and `style`.
///
/// Output is built incrementally in a UTF-8 byte buffer; pending whitespace is only written when
/// the next visible character arrives, so heading offsets recorded at append time stay exact.
public struct HTMLTextExtractor: Sendable {
    /// Maximum number of open elements tracked on the explicit element stack.
    public var maxDepth: Int

    /// - Parameter maxDepth: maximum number of open elements kept on the stack; deeper elements
    ///   are flattened (see the type documentation). Negative values are treated as `0`.
    public init(maxDepth: Int = 512) {
        self.maxDepth = maxDepth
    }

    /// Extracts title, text and headings from `html`. Never fails; any input yields some text.
    public func extract(_ html: String) -> HTMLExtraction {
        var html = html
        let depth = Swift.max(0, maxDepth)
        return html.withUTF8 { bytes in
            var scanner = HTMLScanner(input: bytes, maxDepth: depth)
            scanner.run()
            return scanner.result()
        }
    }
}

// MARK: - Byte helpers

private enum Byte {
    static let lt: UInt8 = 0x3C        // <
    static let gt: UInt8 = 0x3E        // >
    static let slash: UInt8 = 0x2F     // /
    static let bang: UInt8 = 0x21      // !
    static let question: UInt8 = 0x3F  // ?
    static let amp: UInt8 = 0x26       // &
    static let hash: UInt8 = 0x23      // #
    static let semicolon: UInt8 = 0x3B // ;
    static let equals: UInt8 = 0x3D    // =
    static let dquote: UInt8 = 0x22    // "
    static let squote: UInt8 = 0x27    // '
    static let dash: UInt8 = 0x2D      // -
    static let newline: UInt8 = 0x0A
    static let cr: UInt8 = 0x0D
    static let space: UInt8 = 0x20
}

@inline(__always)
private func isASCIIWhitespace(_ b: UInt8) -> Bool {
    b == 0x20 || (b >= 0x09 && b <= 0x0D)
}

@inline(__always)
private func isASCIIAlpha(_ b: UInt8) -> Bool {
    let l = b | 0x20
    return l >= 0x61 && l <= 0x7A
}

@inline(__always)
private func isASCIIAlphanumeric(_ b: UInt8) -> Bool {
    isASCIIAlpha(b) || (b >= 0x30 && b <= 0x39)
}

@inline(__always)
private func asciiLower(_ b: UInt8) -> UInt8 {
    (b >= 0x41 && b <= 0x5A) ? b | 0x20 : b
}

/// Non-ASCII scalars with the Unicode `White_Space` property.
@inline(__always)
private func isUnicodeWhitespace(_ v: UInt32) -> Bool {
    if v < 0x80 { return v == 0x20 || (v >= 0x09 && v <= 0x0D) }
    switch v {
    case 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000: return true
    default: return false
    }
}

/// Decodes one scalar from valid UTF-8 (Swift strings are always valid) at `k`, not past `limit`.
@inline(__always)
private func decodeUTF8(_ s: UnsafeBufferPointer<UInt8>, _ k: Int, _ limit: Int) -> (UInt32, Int) {
    let b0 = UInt32(s[k])
    if b0 < 0x80 { return (b0, 1) }
    if b0 < 0xE0, k + 1 < limit {
        return (((b0 & 0x1F) << 6) | (UInt32(s[k + 1]) & 0x3F), 2)
    }
    if b0 < 0xF0, k + 2 < limit {
        return (((b0 & 0x0F) << 12) | ((UInt32(s[k + 1]) & 0x3F) << 6) | (UInt32(s[k + 2]) & 0x3F), 3)
    }
    if k + 3 < limit {
        return (((b0 & 0x07) << 18) | ((UInt32(s[k + 1]) & 0x3F) << 12)
                | ((UInt32(s[k + 2]) & 0x3F) << 6) | (UInt32(s[k + 3]) & 0x3F), 4)
    }
    return (0xFFFD, limit - k) // truncated sequence; cannot happen for valid input
}

@inline(__always)
private func appendUTF8(_ v: UInt32, to bytes: inout [UInt8]) {
    switch v {
    case 0..<0x80:
        bytes.append(UInt8(v))
    case 0x80..<0x800:
        bytes.append(UInt8(0xC0 | (v >> 6)))
        bytes.append(UInt8(0x80 | (v & 0x3F)))
    case 0x800..<0x10000:
        bytes.append(UInt8(0xE0 | (v >> 12)))
        bytes.append(UInt8(0x80 | ((v >> 6) & 0x3F)))
        bytes.append(UInt8(0x80 | (v & 0x3F)))
    default:
        bytes.append(UInt8(0xF0 | (v >> 18)))
        bytes.append(UInt8(0x80 | ((v >> 12) & 0x3F)))
        bytes.append(UInt8(0x80 | ((v >> 6) & 0x3F)))
        bytes.append(UInt8(0x80 | (v & 0x3F)))
    }
}

// MARK: - Character references

/// Windows-1252 mapping for numeric references in 0x80...0x9F (HTML spec); 0 = keep as is.
private let windows1252: [UInt32] = [
    0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017D, 0,
    0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
]

@inline(__always)
private func sanitizeNumericReference(_ v: UInt32) -> UInt32 {
    if v == 0 || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF) { return 0xFFFD }
    if v >= 0x80 && v <= 0x9F {
        let mapped = windows1252[Int(v - 0x80)]
        return mapped == 0 ? v : mapped
    }
    return v
}

/// Decodes the character reference starting at `s[k] == "&"`, reading no further than `limit`.
///
/// Returns the scalar and the index just past the reference, or `nil` when the text is not a
/// reference we decode (the caller then keeps `&` literally and continues after it).
private func decodeCharacterReference(
    _ s: UnsafeBufferPointer<UInt8>, at k: Int, limit: Int, inAttribute: Bool
) -> (UInt32, Int)? {
    var j = k + 1
    guard j < limit else { return nil }
    if s[j] == Byte.hash {
        j += 1
        var hex = false
        if j < limit, s[j] | 0x20 == 0x78 { // x or X
            hex = true
            j += 1
        }
        let digitsStart = j
        var value: UInt32 = 0
        while j < limit {
            let c = s[j]
            let d: UInt32
            if c >= 0x30 && c <= 0x39 {
                d = UInt32(c - 0x30)
            } else if hex, (c | 0x20) >= 0x61, (c | 0x20) <= 0x66 {
                d = UInt32((c | 0x20) - 0x61 + 10)
            } else {
                break
            }
            // Saturate: once out of range the value only needs to stay out of range.
            if value <= 0x10FFFF { value = value * (hex ? 16 : 10) + d }
            j += 1
        }
        if j == digitsStart { return nil }
        if j < limit, s[j] == Byte.semicolon { j += 1 }
        return (sanitizeNumericReference(value), j)
    }
    let nameStart = j
    while j < limit, j - nameStart < 32, isASCIIAlphanumeric(s[j]) { j += 1 }
    if j == nameStart { return nil }
    let name = String(decoding: UnsafeBufferPointer(rebasing: s[nameStart..<j]), as: UTF8.self)
    guard let scalar = htmlNamedCharacterReferences[name] else { return nil }
    if j < limit, s[j] == Byte.semicolon { return (scalar, j + 1) }
    // Without ";" only the legacy Latin-1 names are recognised, and only in text.
    if inAttribute || scalar > 0xFF || name == "apos" { return nil }
    return (scalar, j)
}

// MARK: - Output buffer

/// Append-only UTF-8 text buffer that collapses whitespace lazily.
///
/// Whitespace and paragraph breaks are recorded as *pending* and only materialised when the next
/// visible scalar arrives, so the buffer never starts or ends with whitespace, never holds more
/// than one blank line in a row, and the offset of the next visible scalar is known exactly at
/// append time (used for heading offsets).
private struct TextSink {
    var bytes: [UInt8] = []
    /// Number of Unicode scalars in `bytes`.
    var scalarCount = 0

    private var dirty = false
    private var pendingBreak = 0           // newlines requested by blocks / <br>, 0...2
    private var pendingSpace = false       // collapsed whitespace outside <pre>
    private var pendingCell = false        // " | " between table cells
    private var preNewlines = 0            // newlines seen inside <pre> since the last visible scalar
    private var preIndent: [UInt8] = []    // <pre> whitespace after the last newline (indentation)
    private var preIndentScalars = 0

    private var markRequested = false
    private(set) var markScalar = -1
    private(set) var markByte = -1

    /// Paragraph boundary: "\n\n" before the next visible text.
    mutating func paragraphBreak() {
        pendingBreak = 2
        dropPreIndent()
        dirty = true
    }

    /// `<br>`: one more "\n" before the next visible text (capped at a blank line).
    mutating func lineBreak() {
        pendingBreak = Swift.min(2, pendingBreak + 1)
        dropPreIndent()
        dirty = true
    }

    /// `<pre>` whitespace seen before a break is the end of a line, not indentation: drop it.
    private mutating func dropPreIndent() {
        if !preIndent.isEmpty { preIndent.removeAll(keepingCapacity: true) }
        preIndentScalars = 0
    }

    /// Start of a new table cell after another cell in the same row.
    mutating func cellSeparator() {
        pendingCell = true
        dirty = true
    }

    /// Record the position of the next visible scalar (start of a heading's text).
    mutating func requestMark() {
        markRequested = true
        markScalar = -1
        markByte = -1
        dirty = true
    }

    /// Returns the marked position (if any visible text followed the request) and clears it.
    mutating func takeMark() -> (scalar: Int, byte: Int)? {
        defer {
            markRequested = false
            markScalar = -1
            markByte = -1
        }
        return markScalar >= 0 ? (markScalar, markByte) : nil
    }

    @inline(__always)
    private mutating func whitespace(_ v: UInt32, pre: Bool) {
        dirty = true
        if !pre {
            pendingSpace = true
        } else if v == 0x0A || v == 0x0D {
            preNewlines += 1
            preIndent.removeAll(keepingCapacity: true) // trailing spaces of a line are dropped
            preIndentScalars = 0
        } else {
            appendUTF8(v, to: &preIndent)
            preIndentScalars += 1
        }
    }

    /// Materialises pending whitespace before a visible scalar.
    private mutating func flush() {
        if !bytes.isEmpty {
            let newlines = Swift.min(2, pendingBreak + preNewlines)
            if newlines > 0 {
                for _ in 0..<newlines { bytes.append(Byte.newline) }
                scalarCount += newlines
                bytes.append(contentsOf: preIndent)
                scalarCount += preIndentScalars
            } else if !preIndent.isEmpty {
                bytes.append(contentsOf: preIndent)
                scalarCount += preIndentScalars
            } else if pendingCell {
                bytes.append(contentsOf: [Byte.space, 0x7C, Byte.space])
                scalarCount += 3
            } else if pendingSpace {
                bytes.append(Byte.space)
                scalarCount += 1
            }
        }
        pendingBreak = 0
        pendingSpace = false
        pendingCell = false
        preNewlines = 0
        if !preIndent.isEmpty { preIndent.removeAll(keepingCapacity: true) }
        preIndentScalars = 0
        if markRequested {
            markRequested = false
            markScalar = scalarCount
            markByte = bytes.count
        }
        dirty = false
    }

    @inline(__always)
    private mutating func visibleASCII(_ b: UInt8) {
        if dirty { flush() }
        bytes.append(b)
        scalarCount += 1
    }

    /// Appends one decoded scalar (from a character reference).
    mutating func append(scalar v: UInt32, pre: Bool) {
        if v == 0 { return }
        if isUnicodeWhitespace(v) { whitespace(v, pre: pre); return }
        if dirty { flush() }
        appendUTF8(v, to: &bytes)
        scalarCount += 1
    }

    /// Appends the text in `s[start..<end]`: NULs removed, CR LF / CR normalised to LF,
    /// whitespace collapsed unless `pre`, character references decoded if `decode`.
    mutating func appendText(
        _ s: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int, decode: Bool, pre: Bool
    ) {
        var k = start
        while k < end {
            let b = s[k]
            if b < 0x80 {
                if b > 0x20 {
                    if b == Byte.amp, decode,
                       let reference = decodeCharacterReference(s, at: k, limit: end, inAttribute: false) {
                        append(scalar: reference.0, pre: pre)
                        k = reference.1
                    } else {
                        visibleASCII(b)
                        k += 1
                    }
                } else if b == 0 {
                    k += 1 // NUL is removed
                } else if b == Byte.cr {
                    if k + 1 < end, s[k + 1] == Byte.newline {
                        k += 1 // CR LF: the LF does the work
                    } else {
                        whitespace(0x0A, pre: pre)
                        k += 1
                    }
                } else if isASCIIWhitespace(b) {
                    whitespace(UInt32(b), pre: pre)
                    k += 1
                } else {
                    visibleASCII(b) // other C0 controls are kept as they are
                    k += 1
                }
            } else {
                let (v, len) = decodeUTF8(s, k, end)
                if isUnicodeWhitespace(v) {
                    whitespace(v, pre: pre)
                } else {
                    if dirty { flush() }
                    bytes.append(contentsOf: UnsafeBufferPointer(rebasing: s[k..<(k + len)]))
                    scalarCount += 1
                }
                k += len
            }
        }
    }

    var string: String { String(decoding: bytes, as: UTF8.self) }
}

// MARK: - Element table

private struct TagInfo: Sendable {
    enum Kind: UInt8, Sendable { case other, p, li, dtdd, cell, row, table, option, heading }

    var kind: Kind = .other
    var headingLevel = 0
    /// Paragraph break before and after.
    var block = false
    /// Never has content or an end tag; never pushed.
    var isVoid = false
    /// Dropped with all its content.
    var drop = false
    /// Content is raw text up to the matching end tag (no markup, no references).
    var rawText = false
    /// Content is text with references up to the matching end tag (no markup).
    var rcdata = false
    /// SVG / MathML root: `/>` really self-closes.
    var foreign = false
    /// Preserves whitespace.
    var pre = false
    /// Opening it closes an open `<p>` on top of the stack.
    var closesP = false
    /// Allowed inside `<head>` (anything else ends the head).
    var headAllowed = false

    static let plain = TagInfo()
}

private let tagTable: [String: TagInfo] = {
    var table: [String: TagInfo] = [:]
    func update(_ names: [String], _ change: (inout TagInfo) -> Void) {
        for name in names { change(&table[name, default: TagInfo()]) }
    }
    update(["p", "div", "section", "article", "header", "footer", "nav", "aside", "main",
            "h1", "h2", "h3", "h4", "h5", "h6", "hgroup", "ul", "ol", "menu", "dir", "li", "dl", "dt",
            "dd", "table", "caption", "tr", "blockquote", "pre", "listing", "xmp", "plaintext",
            "figure", "figcaption", "form", "fieldset", "legend", "address", "details", "summary",
            "hr", "center", "dialog", "search", "body"]) { $0.block = true }
    update(["address", "article", "aside", "blockquote", "center", "details", "dialog", "dir",
            "div", "dl", "fieldset", "figcaption", "figure", "footer", "form", "header", "hgroup",
            "main", "menu", "nav", "ol", "p", "pre", "listing", "search", "section", "summary", "ul",
            "h1", "h2", "h3", "h4", "h5", "h6", "li", "dd", "dt", "table", "xmp", "plaintext",
            "hr"]) { $0.closesP = true }
    update(["area", "base", "basefont", "bgsound", "br", "col", "embed", "frame", "hr", "img",
            "image", "input", "keygen", "link", "meta", "param", "source", "track", "wbr"]) {
        $0.isVoid = true
    }
    // `nav` is dropped too: site menus repeat on every page and only add noise to chunks.
    update(["script", "style", "noscript", "template", "svg", "math", "iframe", "object", "head",
            "noembed", "noframes", "applet", "frameset", "nav"]) { $0.drop = true }
    update(["script", "style", "noscript", "iframe", "noembed", "noframes", "xmp", "plaintext"]) {
        $0.rawText = true
    }
    update(["title", "textarea"]) { $0.rcdata = true }
    update(["svg", "math"]) { $0.foreign = true }
    update(["pre", "listing", "xmp", "plaintext"]) { $0.pre = true }
    update(["base", "basefont", "bgsound", "link", "meta", "title", "noscript", "noframes", "style",
            "script", "template"]) { $0.headAllowed = true }
    update(["p"]) { $0.kind = .p }
    update(["li"]) { $0.kind = .li }
    update(["dt", "dd"]) { $0.kind = .dtdd }
    update(["td", "th"]) { $0.kind = .cell }
    update(["tr"]) { $0.kind = .row }
    update(["table"]) { $0.kind = .table }
    update(["option"]) { $0.kind = .option }
    for level in 1...6 {
        update(["h\(level)"]) {
            $0.kind = .heading
            $0.headingLevel = level
        }
    }
    return table
}()

// MARK: - Scanner

/// A parsed start or end tag.
private struct ParsedTag {
    var name: String
    /// Index just past the closing `>`.
    var end: Int
    /// The tag ended with `/>`.
    var selfClosing: Bool
    /// `hidden`, `aria-hidden="true"` or a hiding inline style (start tags in normal mode only).
    var hidden: Bool
}

private struct OpenElement {
    var name: String
    var info: TagInfo
    /// This element is the heading whose text is being recorded.
    var recordsHeading: Bool
}

/// Longest tag name kept; the rest of a longer name is scanned but not stored.
private let maxStoredNameLength = 128

/// Single-pass, non-recursive scanner over the UTF-8 bytes of one document.
private struct HTMLScanner {
    let s: UnsafeBufferPointer<UInt8>
    let n: Int
    let maxDepth: Int
    var i = 0

    var out = TextSink()
    var titleSink = TextSink()
    var titleDone = false

    var stack: [OpenElement] = []
    /// Number of open elements on `stack` per name (O(1) rejection of unmatched end tags).
    var openCounts: [String: Int] = [:]
    /// Elements opened beyond `maxDepth` that were counted but not pushed.
    var overflow = 0
    var preDepth = 0
    var headingOpen = false
    var headings: [HTMLHeading] = []
    var cellsInRow = 0

    /// Inside `<head>`: only title text is collected.
    var inHead = false
    /// Name of the dropped element being skipped, if any, with its same-name nesting depth.
    var skipName: String?
    var skipDepth = 0
    var skipForeign = false

    init(input: UnsafeBufferPointer<UInt8>, maxDepth: Int) {
        s = input
        n = input.count
        self.maxDepth = maxDepth
        out.bytes.reserveCapacity(Swift.min(n, 1 << 22))
    }

    // MARK: Driver

    mutating func run() {
        if n >= 3, s[0] == 0xEF, s[1] == 0xBB, s[2] == 0xBF { i = 3 } // byte order mark
        while i < n {
            if s[i] == Byte.lt {
                markup()
            } else {
                var j = i + 1
                while j < n, s[j] != Byte.lt { j += 1 }
                text(from: i, to: j)
                i = j
            }
        }
        while !stack.isEmpty { pop() }
    }

    mutating func result() -> HTMLExtraction {
        HTMLExtraction(title: titleDone ? titleSink.string : nil, text: out.string, headings: headings)
    }

    // MARK: Text

    /// Character data in `s[a..<b]` (no tags inside).
    mutating func text(from a: Int, to b: Int) {
        if skipName != nil { return }
        var start = a
        if inHead {
            while start < b, isASCIIWhitespace(s[start]) || s[start] == 0 { start += 1 }
            if start == b { return }
            inHead = false // visible text implies the body has started
        }
        out.appendText(s, from: start, to: b, decode: true, pre: preDepth > 0)
    }

    // MARK: Markup

    /// Handles the construct starting with `<` at `i` and advances `i` past it.
    mutating func markup() {
        let start = i
        guard start + 1 < n else {
            text(from: start, to: n)
            i = n
            return
        }
        let c = s[start + 1]
        if c == Byte.bang {
            if matches(start + 2, "--") {
                i = endOfComment(from: start + 4)
            } else if matches(start + 2, "[CDATA[") {
                i = index(after: "]]>", from: start + 9)
            } else {
                i = index(after: ">", from: start + 2) // <!DOCTYPE ...> and bogus comments
            }
        } else if c == Byte.question {
            i = index(after: ">", from: start + 2) // processing instruction
        } else if c == Byte.slash {
            guard start + 2 < n else {
                text(from: start, to: n)
                i = n
                return
            }
            let d = s[start + 2]
            if isASCIIAlpha(d) {
                guard let tag = parseTag(nameStart: start + 2, inspect: false) else {
                    i = n // EOF inside a tag: the tag is discarded
                    return
                }
                i = tag.end
                endTag(tag)
            } else if d == Byte.gt {
                i = start + 3 // "</>" is ignored
            } else {
                i = index(after: ">", from: start + 2) // bogus comment
            }
        } else if isASCIIAlpha(c) {
            guard let tag = parseTag(nameStart: start + 1, inspect: skipName == nil) else {
                i = n
                return
            }
            i = tag.end
            startTag(tag)
        } else {
            text(from: start, to: start + 1) // a literal "<"
            i = start + 1
        }
    }

    /// Case-sensitive ASCII match of `literal` at `k`.
    func matches(_ k: Int, _ literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard k + count <= n else { return false }
        let p = literal.utf8Start
        for t in 0..<count where s[k + t] != p[t] { return false }
        return true
    }

    /// Index just past the first occurrence of `literal` at or after `k`, or `n`.
    func index(after literal: StaticString, from k: Int) -> Int {
        let count = literal.utf8CodeUnitCount
        let p = literal.utf8Start
        let first = p[0]
        var j = k
        while j + count <= n {
            if s[j] == first {
                var t = 1
                while t < count, s[j + t] == p[t] { t += 1 }
                if t == count { return j + count }
            }
            j += 1
        }
        return n
    }

    /// End of a comment whose body starts at `k` (`-->` or `--!>`; `<!-->` and `<!--->` are empty).
    func endOfComment(from k: Int) -> Int {
        if k < n, s[k] == Byte.gt { return k + 1 }
        if k + 1 < n, s[k] == Byte.dash, s[k + 1] == Byte.gt { return k + 2 }
        var j = k
        while j + 2 < n {
            if s[j] == Byte.dash, s[j + 1] == Byte.dash {
                if s[j + 2] == Byte.gt { return j + 3 }
                if s[j + 2] == Byte.bang, j + 3 < n, s[j + 3] == Byte.gt { return j + 4 }
            }
            j += 1
        }
        return n // unterminated: the rest of the input is comment
    }

    /// Finds the end tag `</name` (case-insensitive, followed by whitespace, `/`, `>` or EOF)
    /// for raw-text content starting at `k`. Returns where the content ends and where scanning
    /// resumes. If there is none, the content runs to the end of the input, or — with
    /// `fallbackToNextTag` — to the next `<`.
    func rawTextEnd(_ name: String, from k: Int, fallbackToNextTag: Bool) -> (content: Int, resume: Int) {
        let nameBytes = Array(name.utf8)
        let count = nameBytes.count
        var firstLT = -1
        var j = k
        while j < n {
            if s[j] == Byte.lt {
                if firstLT < 0 { firstLT = j }
                if j + 2 + count <= n, s[j + 1] == Byte.slash {
                    var t = 0
                    while t < count, asciiLower(s[j + 2 + t]) == nameBytes[t] { t += 1 }
                    if t == count {
                        let after = j + 2 + count
                        if after == n { return (j, n) }
                        let c = s[after]
                        if isASCIIWhitespace(c) || c == Byte.slash || c == Byte.gt {
                            return (j, index(after: ">", from: after))
                        }
                    }
                }
            }
            j += 1
        }
        if fallbackToNextTag, firstLT >= 0 { return (firstLT, firstLT) }
        return (n, n)
    }

    /// Parses a tag whose name starts at `nameStart`. Returns `nil` at EOF inside the tag.
    func parseTag(nameStart: Int, inspect: Bool) -> ParsedTag? {
        var j = nameStart
        while j < n {
            let c = s[j]
            if isASCIIWhitespace(c) || c == Byte.slash || c == Byte.gt { break }
            j += 1
        }
        let name = lowercasedName(from: nameStart, to: j)
        var selfClosing = false
        var hidden = false
        while true {
            while j < n, isASCIIWhitespace(s[j]) { j += 1 }
            guard j < n else { return nil }
            let c = s[j]
            if c == Byte.gt {
                return ParsedTag(name: name, end: j + 1, selfClosing: selfClosing, hidden: hidden)
            }
            if c == Byte.slash {
                j += 1
                selfClosing = j < n && s[j] == Byte.gt
                continue
            }
            selfClosing = false
            // Attribute name (its first character may be "=").
            let nameBegin = j
            j += 1
            while j < n {
                let a = s[j]
                if isASCIIWhitespace(a) || a == Byte.slash || a == Byte.gt || a == Byte.equals { break }
                j += 1
            }
            let nameEnd = j
            while j < n, isASCIIWhitespace(s[j]) { j += 1 }
            var valueStart = -1
            var valueEnd = -1
            if j < n, s[j] == Byte.equals {
                j += 1
                while j < n, isASCIIWhitespace(s[j]) { j += 1 }
                guard j < n else { return nil }
                let q = s[j]
                if q == Byte.dquote || q == Byte.squote {
                    j += 1
                    valueStart = j
                    while j < n, s[j] != q { j += 1 }
                    guard j < n else { return nil }
                    valueEnd = j
                    j += 1
                } else {
                    valueStart = j
                    while j < n, !isASCIIWhitespace(s[j]), s[j] != Byte.gt { j += 1 }
                    valueEnd = j
                }
            }
            if inspect, !hidden {
                hidden = attributeHides(name: nameBegin..<nameEnd, value: valueStart..<Swift.max(valueStart, valueEnd))
            }
        }
    }

    func lowercasedName(from a: Int, to b: Int) -> String {
        let end = Swift.min(b, a + maxStoredNameLength)
        return String(unsafeUninitializedCapacity: end - a) { buffer in
            var w = 0
            for k in a..<end where s[k] != 0 {
                buffer[w] = asciiLower(s[k])
                w += 1
            }
            return w
        }
    }

    /// Case-insensitive comparison of `s[range]` with a lowercase ASCII literal.
    func equalsIgnoringCase(_ range: Range<Int>, _ literal: StaticString) -> Bool {
        guard range.count == literal.utf8CodeUnitCount else { return false }
        let p = literal.utf8Start
        var t = 0
        for k in range {
            if asciiLower(s[k]) != p[t] { return false }
            t += 1
        }
        return true
    }

    /// Does this attribute hide its element?
    func attributeHides(name: Range<Int>, value: Range<Int>) -> Bool {
        if equalsIgnoringCase(name, "hidden") { return true }
        if equalsIgnoringCase(name, "aria-hidden") {
            guard value.lowerBound >= 0 else { return false }
            return normalizedAttributeValue(value) == Array("true".utf8)
        }
        if equalsIgnoringCase(name, "style") {
            guard value.lowerBound >= 0 else { return false }
            let style = normalizedAttributeValue(value)
            return contains(style, "display:none") || contains(style, "visibility:hidden")
        }
        return false
    }

    /// Attribute value with references decoded, ASCII lowercased, whitespace, NULs and CSS
    /// comments removed.
    func normalizedAttributeValue(_ range: Range<Int>) -> [UInt8] {
        var result: [UInt8] = []
        result.reserveCapacity(range.count)
        var k = range.lowerBound
        let end = range.upperBound
        var inComment = false
        while k < end {
            let v: UInt32
            if s[k] == Byte.amp,
               let reference = decodeCharacterReference(s, at: k, limit: end, inAttribute: true) {
                v = reference.0
                k = reference.1
            } else {
                let decoded = decodeUTF8(s, k, end)
                v = decoded.0
                k += decoded.1
            }
            if inComment {
                if v == 0x2A, k < end, s[k] == Byte.slash { // "*/"
                    inComment = false
                    k += 1
                }
                continue
            }
            if v == 0x2F, k < end, s[k] == 0x2A { // "/*"
                inComment = true
                k += 1
                continue
            }
            if v == 0 || isUnicodeWhitespace(v) { continue }
            if v < 0x80 {
                result.append(asciiLower(UInt8(v)))
            } else {
                appendUTF8(v, to: &result)
            }
        }
        return result
    }

    func contains(_ haystack: [UInt8], _ needle: StaticString) -> Bool {
        let count = needle.utf8CodeUnitCount
        guard haystack.count >= count else { return false }
        let p = needle.utf8Start
        for start in 0...(haystack.count - count) {
            var t = 0
            while t < count, haystack[start + t] == p[t] { t += 1 }
            if t == count { return true }
        }
        return false
    }

    // MARK: Start tags

    mutating func startTag(_ tag: ParsedTag) {
        let info = tagTable[tag.name] ?? .plain
        if let skipping = skipName {
            skippedStartTag(tag, info, skipping: skipping)
            return
        }
        if inHead {
            if headStartTag(tag, info) { return }
            inHead = false // anything else ends the head; handle it as body content
        }
        normalStartTag(tag, info)
    }

    /// Start tag inside a dropped element: only same-name nesting and raw text matter.
    mutating func skippedStartTag(_ tag: ParsedTag, _ info: TagInfo, skipping: String) {
        if tag.name == skipping {
            if !(skipForeign && tag.selfClosing) { skipDepth += 1 }
        } else if !skipForeign, info.rawText || info.rcdata {
            i = rawTextEnd(tag.name, from: i, fallbackToNextTag: info.rcdata).resume
        }
    }

    /// Start tag while in `<head>`; returns `false` if the tag ends the head.
    mutating func headStartTag(_ tag: ParsedTag, _ info: TagInfo) -> Bool {
        if tag.name == "title" {
            captureTitle()
            return true
        }
        if tag.name == "head" || tag.name == "html" { return true }
        guard info.headAllowed else { return false }
        if info.rawText {
            i = rawTextEnd(tag.name, from: i, fallbackToNextTag: false).resume
        } else if !info.isVoid {
            beginSkipping(tag.name, foreign: false) // template
        }
        return true
    }

    mutating func beginSkipping(_ name: String, foreign: Bool) {
        skipName = name
        skipDepth = 1
        skipForeign = foreign
    }

    mutating func captureTitle() {
        let (contentEnd, resume) = rawTextEnd("title", from: i, fallbackToNextTag: true)
        if !titleDone {
            titleSink.appendText(s, from: i, to: contentEnd, decode: true, pre: false)
            titleDone = !titleSink.bytes.isEmpty
            if !titleDone { titleSink = TextSink() }
        }
        i = resume
    }

    mutating func normalStartTag(_ tag: ParsedTag, _ info: TagInfo) {
        if tag.name == "title" {
            captureTitle()
            return
        }
        if info.isVoid {
            if tag.hidden { return }
            if tag.name == "br" {
                out.lineBreak()
            } else if info.block { // hr
                closeImplicitly(tag.name, info)
                out.paragraphBreak()
            }
            return
        }
        if tag.hidden || info.drop {
            if info.rawText || info.rcdata {
                i = rawTextEnd(tag.name, from: i, fallbackToNextTag: false).resume
            } else if tag.name == "head" {
                inHead = true
            } else if !(info.foreign && tag.selfClosing) {
                beginSkipping(tag.name, foreign: info.foreign)
            }
            return
        }
        if info.rawText || info.rcdata { // kept raw text: xmp, plaintext, textarea
            if info.block {
                closeImplicitly(tag.name, info)
                out.paragraphBreak()
            }
            let (contentEnd, resume) = tag.name == "plaintext"
                ? (n, n) : rawTextEnd(tag.name, from: i, fallbackToNextTag: true)
            out.appendText(s, from: i, to: contentEnd, decode: info.rcdata, pre: info.pre || preDepth > 0)
            if info.block { out.paragraphBreak() }
            i = resume
            return
        }
        closeImplicitly(tag.name, info)
        if info.block { out.paragraphBreak() }
        switch info.kind {
        case .cell:
            if cellsInRow > 0 { out.cellSeparator() }
            cellsInRow += 1
        case .row, .table:
            cellsInRow = 0
        default:
            break
        }
        guard stack.count < maxDepth else {
            overflow += 1 // flattened: text kept, element not tracked
            return
        }
        var element = OpenElement(name: tag.name, info: info, recordsHeading: false)
        if info.headingLevel > 0, !headingOpen {
            headingOpen = true
            element.recordsHeading = true
            out.requestMark()
        }
        if info.pre { preDepth += 1 }
        stack.append(element)
        openCounts[tag.name, default: 0] += 1
    }

    /// Implied end tags, looking only at the top of the stack (keeps tag soup shallow).
    mutating func closeImplicitly(_ name: String, _ info: TagInfo) {
        guard overflow == 0 else { return }
        if info.closesP, stack.last?.info.kind == .p { pop() }
        guard let top = stack.last?.info.kind else { return }
        switch info.kind {
        case .p where top == .p, .li where top == .li, .dtdd where top == .dtdd,
             .cell where top == .cell, .option where top == .option, .heading where top == .heading:
            pop()
        case .row:
            if top == .cell { pop() }
            if stack.last?.info.kind == .row { pop() }
        default:
            break
        }
    }

    // MARK: End tags

    mutating func endTag(_ tag: ParsedTag) {
        if let skipping = skipName {
            if tag.name == skipping {
                skipDepth -= 1
                if skipDepth == 0 { skipName = nil }
            }
            return
        }
        if inHead {
            switch tag.name {
            case "head", "body", "html":
                inHead = false
                return
            case "br":
                inHead = false
            default:
                return // ignored inside the head
            }
        }
        if tag.name == "br" { // </br> is treated as <br>, as browsers do
            out.lineBreak()
            return
        }
        let info = tagTable[tag.name] ?? .plain
        if info.isVoid { return }
        if overflow > 0 {
            overflow -= 1 // closes the innermost untracked element
            if info.block { out.paragraphBreak() }
            return
        }
        guard openCounts[tag.name, default: 0] > 0 else { return } // unmatched: ignored
        while let top = stack.last {
            pop()
            if top.name == tag.name { break }
        }
    }

    /// Pops the top of the stack and applies its end-of-element effects.
    mutating func pop() {
        let element = stack.removeLast()
        openCounts[element.name, default: 1] -= 1
        if element.info.pre { preDepth -= 1 }
        if element.recordsHeading {
            headingOpen = false
            if let mark = out.takeMark() {
                let text = String(decoding: out.bytes[mark.byte...], as: UTF8.self)
                headings.append(HTMLHeading(offset: mark.scalar, level: element.info.headingLevel, text: text))
            }
        }
        if element.info.block { out.paragraphBreak() }
        if element.info.kind == .row { cellsInRow = 0 }
    }
}

// MARK: - Named character references

/// The HTML 4 named character references (252) plus `apos`, generated from Python's
/// `html.entities.name2codepoint`. Names are case-sensitive.
let htmlNamedCharacterReferences: [String: UInt32] = [
        "Aacute": 0x00C1, "aacute": 0x00E1, "Acirc": 0x00C2, "acirc": 0x00E2, "acute": 0x00B4, "AElig": 0x00C6,
        "aelig": 0x00E6, "Agrave": 0x00C0, "agrave": 0x00E0, "alefsym": 0x2135, "Alpha": 0x0391, "alpha": 0x03B1,
        "amp": 0x0026, "and": 0x2227, "ang": 0x2220, "apos": 0x0027, "Aring": 0x00C5, "aring": 0x00E5,
        "asymp": 0x2248, "Atilde": 0x00C3, "atilde": 0x00E3, "Auml": 0x00C4, "auml": 0x00E4, "bdquo": 0x201E,
        "Beta": 0x0392, "beta": 0x03B2, "brvbar": 0x00A6, "bull": 0x2022, "cap": 0x2229, "Ccedil": 0x00C7,
        "ccedil": 0x00E7, "cedil": 0x00B8, "cent": 0x00A2, "Chi": 0x03A7, "chi": 0x03C7, "circ": 0x02C6,
        "clubs": 0x2663, "cong": 0x2245, "copy": 0x00A9, "crarr": 0x21B5, "cup": 0x222A, "curren": 0x00A4,
        "Dagger": 0x2021, "dagger": 0x2020, "dArr": 0x21D3, "darr": 0x2193, "deg": 0x00B0, "Delta": 0x0394,
        "delta": 0x03B4, "diams": 0x2666, "divide": 0x00F7, "Eacute": 0x00C9, "eacute": 0x00E9, "Ecirc": 0x00CA,
        "ecirc": 0x00EA, "Egrave": 0x00C8, "egrave": 0x00E8, "empty": 0x2205, "emsp": 0x2003, "ensp": 0x2002,
        "Epsilon": 0x0395, "epsilon": 0x03B5, "equiv": 0x2261, "Eta": 0x0397, "eta": 0x03B7, "ETH": 0x00D0,
        "eth": 0x00F0, "Euml": 0x00CB, "euml": 0x00EB, "euro": 0x20AC, "exist": 0x2203, "fnof": 0x0192,
        "forall": 0x2200, "frac12": 0x00BD, "frac14": 0x00BC, "frac34": 0x00BE, "frasl": 0x2044, "Gamma": 0x0393,
        "gamma": 0x03B3, "ge": 0x2265, "gt": 0x003E, "hArr": 0x21D4, "harr": 0x2194, "hearts": 0x2665,
        "hellip": 0x2026, "Iacute": 0x00CD, "iacute": 0x00ED, "Icirc": 0x00CE, "icirc": 0x00EE, "iexcl": 0x00A1,
        "Igrave": 0x00CC, "igrave": 0x00EC, "image": 0x2111, "infin": 0x221E, "int": 0x222B, "Iota": 0x0399,
        "iota": 0x03B9, "iquest": 0x00BF, "isin": 0x2208, "Iuml": 0x00CF, "iuml": 0x00EF, "Kappa": 0x039A,
        "kappa": 0x03BA, "Lambda": 0x039B, "lambda": 0x03BB, "lang": 0x2329, "laquo": 0x00AB, "lArr": 0x21D0,
        "larr": 0x2190, "lceil": 0x2308, "ldquo": 0x201C, "le": 0x2264, "lfloor": 0x230A, "lowast": 0x2217,
        "loz": 0x25CA, "lrm": 0x200E, "lsaquo": 0x2039, "lsquo": 0x2018, "lt": 0x003C, "macr": 0x00AF,
        "mdash": 0x2014, "micro": 0x00B5, "middot": 0x00B7, "minus": 0x2212, "Mu": 0x039C, "mu": 0x03BC,
        "nabla": 0x2207, "nbsp": 0x00A0, "ndash": 0x2013, "ne": 0x2260, "ni": 0x220B, "not": 0x00AC,
        "notin": 0x2209, "nsub": 0x2284, "Ntilde": 0x00D1, "ntilde": 0x00F1, "Nu": 0x039D, "nu": 0x03BD,
        "Oacute": 0x00D3, "oacute": 0x00F3, "Ocirc": 0x00D4, "ocirc": 0x00F4, "OElig": 0x0152, "oelig": 0x0153,
        "Ograve": 0x00D2, "ograve": 0x00F2, "oline": 0x203E, "Omega": 0x03A9, "omega": 0x03C9, "Omicron": 0x039F,
        "omicron": 0x03BF, "oplus": 0x2295, "or": 0x2228, "ordf": 0x00AA, "ordm": 0x00BA, "Oslash": 0x00D8,
        "oslash": 0x00F8, "Otilde": 0x00D5, "otilde": 0x00F5, "otimes": 0x2297, "Ouml": 0x00D6, "ouml": 0x00F6,
        "para": 0x00B6, "part": 0x2202, "permil": 0x2030, "perp": 0x22A5, "Phi": 0x03A6, "phi": 0x03C6,
        "Pi": 0x03A0, "pi": 0x03C0, "piv": 0x03D6, "plusmn": 0x00B1, "pound": 0x00A3, "Prime": 0x2033,
        "prime": 0x2032, "prod": 0x220F, "prop": 0x221D, "Psi": 0x03A8, "psi": 0x03C8, "quot": 0x0022,
        "radic": 0x221A, "rang": 0x232A, "raquo": 0x00BB, "rArr": 0x21D2, "rarr": 0x2192, "rceil": 0x2309,
        "rdquo": 0x201D, "real": 0x211C, "reg": 0x00AE, "rfloor": 0x230B, "Rho": 0x03A1, "rho": 0x03C1,
        "rlm": 0x200F, "rsaquo": 0x203A, "rsquo": 0x2019, "sbquo": 0x201A, "Scaron": 0x0160, "scaron": 0x0161,
        "sdot": 0x22C5, "sect": 0x00A7, "shy": 0x00AD, "Sigma": 0x03A3, "sigma": 0x03C3, "sigmaf": 0x03C2,
        "sim": 0x223C, "spades": 0x2660, "sub": 0x2282, "sube": 0x2286, "sum": 0x2211, "sup": 0x2283,
        "sup1": 0x00B9, "sup2": 0x00B2, "sup3": 0x00B3, "supe": 0x2287, "szlig": 0x00DF, "Tau": 0x03A4,
        "tau": 0x03C4, "there4": 0x2234, "Theta": 0x0398, "theta": 0x03B8, "thetasym": 0x03D1, "thinsp": 0x2009,
        "THORN": 0x00DE, "thorn": 0x00FE, "tilde": 0x02DC, "times": 0x00D7, "trade": 0x2122, "Uacute": 0x00DA,
        "uacute": 0x00FA, "uArr": 0x21D1, "uarr": 0x2191, "Ucirc": 0x00DB, "ucirc": 0x00FB, "Ugrave": 0x00D9,
        "ugrave": 0x00F9, "uml": 0x00A8, "upsih": 0x03D2, "Upsilon": 0x03A5, "upsilon": 0x03C5, "Uuml": 0x00DC,
        "uuml": 0x00FC, "weierp": 0x2118, "Xi": 0x039E, "xi": 0x03BE, "Yacute": 0x00DD, "yacute": 0x00FD,
        "yen": 0x00A5, "Yuml": 0x0178, "yuml": 0x00FF, "Zeta": 0x0396, "zeta": 0x03B6, "zwj": 0x200D,
        "zwnj": 0x200C,
]
