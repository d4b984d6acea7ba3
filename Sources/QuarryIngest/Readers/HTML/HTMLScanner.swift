// QuarryIngest — the HTML scanner's state, driver and text runs; markup, start tags and
// end tags are in HTMLScanner+Markup.swift, +StartTags.swift and +EndTags.swift.


/// Single-pass, non-recursive scanner over the UTF-8 bytes of one document.
struct HTMLScanner {
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
}
