// QuarryIngest — the HTML extractor's output buffer.

// MARK: - Output buffer

/// Append-only UTF-8 text buffer that collapses whitespace lazily.
///
/// Whitespace and paragraph breaks are recorded as *pending* and only materialised when the next
/// visible scalar arrives, so the buffer never starts or ends with whitespace, never holds more
/// than one blank line in a row, and the offset of the next visible scalar is known exactly at
/// append time (used for heading offsets).
struct TextSink {
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
