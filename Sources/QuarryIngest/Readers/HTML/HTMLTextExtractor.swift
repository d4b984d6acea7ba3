// QuarryIngest — turns untrusted HTML into plain text for chunking and embedding.
// The scanner is in HTMLScanner*.swift, its output buffer in HTMLTextSink.swift, the
// element rules in HTMLTags.swift and character references in HTMLCharacterReferences.swift.

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
