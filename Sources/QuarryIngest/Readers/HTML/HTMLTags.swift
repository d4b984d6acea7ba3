// QuarryIngest — what the HTML scanner knows about elements.

// MARK: - Element table

struct TagInfo: Sendable {
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

let tagTable: [String: TagInfo] = {
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
struct ParsedTag {
    var name: String
    /// Index just past the closing `>`.
    var end: Int
    /// The tag ended with `/>`.
    var selfClosing: Bool
    /// `hidden`, `aria-hidden="true"` or a hiding inline style (start tags in normal mode only).
    var hidden: Bool
}

struct OpenElement {
    var name: String
    var info: TagInfo
    /// This element is the heading whose text is being recorded.
    var recordsHeading: Bool
}

/// Longest tag name kept; the rest of a longer name is scanned but not stored.
let maxStoredNameLength = 128
