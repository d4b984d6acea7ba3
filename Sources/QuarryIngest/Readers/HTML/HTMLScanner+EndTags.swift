// QuarryIngest — the HTML scanner: end tags.

extension HTMLScanner {
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
