// QuarryIngest — the HTML scanner: comments, declarations, raw text, tags and attributes.

extension HTMLScanner {
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
}
