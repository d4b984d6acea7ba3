// QuarryIngest — the HTML scanner: start tags.

extension HTMLScanner {
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
}
