import QuarryCore
import QuarryText

/// A chunk as the chunker makes it, before it gets an id.
public struct ChunkPiece: Sendable, Equatable {
    public var text: String
    /// Title and heading path, e.g. "Moon phases › Waxing".
    public var context: String
    /// Unicode-scalar offsets into the document text.
    public var start: Int
    public var end: Int
    public var tokenCount: Int
}

/// Splits a document into sentence-aware windows under a token budget.
///
/// 1. The text is cut into sections at headings, so a chunk never straddles two sections
///    and its heading path is exact.
/// 2. Each section is split into sentences (ICU, UAX #29); a line break ends a sentence.
/// 3. A sentence over the budget (or over `maxChunkCharacters`) is split at word
///    boundaries, and a single "word" over the character cap at character boundaries.
/// 4. Sentences are packed greedily; each new window starts with the trailing sentences of
///    the previous one that fit in `overlapTokens`, so text near a boundary is in both.
///
/// Offsets are Unicode-scalar offsets into the document text, and the chunk text is
/// exactly the text between them (leading and trailing whitespace excluded).
public struct Chunker: Sendable {
    public var settings: ChunkingSettings
    public var counter: any TokenCounter
    let segmenter = Segmenter()

    /// The longest input the embedder reads (specials included), when there is one: the
    /// budget never exceeds it, so no chunk is silently truncated by the model.
    public var modelLimit: Int?

    public init(settings: ChunkingSettings, counter: any TokenCounter = WordTokenCounter(), modelLimit: Int? = nil) {
        self.settings = settings
        self.counter = counter
        self.modelLimit = modelLimit
    }

    /// The text an embedder sees for a chunk: its context (title › headings) and its text.
    public static func embeddingInput(context: String, text: String) -> String {
        context.isEmpty ? text : context + "\n" + text
    }

    /// Tokens available to a chunk's text in a section: the configured budget (capped by the
    /// model's limit) less the model's special tokens and the context that is embedded with it.
    func budget(context: String) -> Int {
        let limit = min(settings.maxTokens, modelLimit ?? settings.maxTokens)
        let contextTokens = modelLimit == nil || context.isEmpty ? 0 : counter.countTokens(context)
        return max(8, limit - counter.reservedTokens - contextTokens)
    }

    /// A span of the text with its token count; UTF-16 offsets.
    struct Unit {
        var start: Int
        var end: Int
        var tokens: Int
    }

    /// The chunks of `document`.
    public func chunk(_ document: ParsedDocument) throws -> [ChunkPiece] {
        let text = UTF16Text(document.text)
        guard text.count > 0 else { return [] }
        var pieces: [ChunkPiece] = []
        let sections = sectionBounds(document, text)
        var carried: [Unit] = []
        for (index, section) in sections.enumerated() {
            let budget = budget(context: section.context)
            let own = try self.units(text, section.range, budget: budget)
            let units = carried + own
            // A section that is only its heading (a heading directly followed by a
            // subheading) joins the next section rather than becoming a chunk of its own.
            if section.startsAtHeading, own.count == 1, index + 1 < sections.count {
                carried = units
                continue
            }
            carried = []
            for window in pack(units, budget: budget) {
                let start = window.first!.start
                let end = window.last!.end
                pieces.append(ChunkPiece(text: text.string(start ..< end), context: section.context,
                                         start: text.scalarOffset(start), end: text.scalarOffset(end),
                                         tokenCount: window.reduce(0) { $0 + $1.tokens }))
            }
        }
        return pieces
    }

    struct Section {
        var range: Range<Int>
        var context: String
        var startsAtHeading = false
    }

    func sectionBounds(_ document: ParsedDocument, _ text: UTF16Text) -> [Section] {
        let title = document.title
        var sections: [Section] = []
        var path: [(level: Int, title: String)] = []
        var start = 0
        var startsAtHeading = false
        var context = title
        for heading in document.headings.sorted(by: { $0.offset < $1.offset }) {
            let offset = text.utf16Offset(forScalar: heading.offset)
            if offset > start { sections.append(Section(range: start ..< offset, context: context, startsAtHeading: startsAtHeading)) }
            start = max(start, offset)
            startsAtHeading = true
            path.removeAll { $0.level >= heading.level }
            path.append((heading.level, heading.title))
            var parts = [title] + path.map(\.title)
            if parts.count > 1, parts[0] == parts[1] || parts[0].isEmpty { parts.removeFirst() }
            context = parts.filter { !$0.isEmpty }.joined(separator: " › ")
        }
        if start < text.count { sections.append(Section(range: start ..< text.count, context: context, startsAtHeading: startsAtHeading)) }
        return sections
    }

    /// Sentences of a section, trimmed, with over-long ones split.
    func units(_ text: UTF16Text, _ range: Range<Int>, budget: Int) throws -> [Unit] {
        let slice = UTF16Text(units: Array(text.units[range]))
        var units: [Unit] = []
        for sentence in try segmenter.sentences(slice) {
            guard let trimmed = trim(slice, sentence.range) else { continue }
            let string = slice.string(trimmed)
            let tokens = counter.countTokens(string)
            if tokens <= budget && trimmed.count <= settings.maxChunkCharacters {
                units.append(Unit(start: trimmed.lowerBound + range.lowerBound, end: trimmed.upperBound + range.lowerBound, tokens: tokens))
            } else {
                for piece in try split(slice, trimmed, budget: budget) {
                    units.append(Unit(start: piece.start + range.lowerBound, end: piece.end + range.lowerBound, tokens: piece.tokens))
                }
            }
        }
        return units
    }

    /// Splits an over-long sentence at word boundaries into units under both budgets.
    func split(_ text: UTF16Text, _ range: Range<Int>, budget: Int) throws -> [Unit] {
        let sentence = UTF16Text(units: Array(text.units[range]))
        var result: [Unit] = []
        var current: Unit?
        for word in try segmenter.words(sentence) {
            let pieces = word.range.count > settings.maxChunkCharacters ? hardSplit(sentence, word.range) : [word.range]
            for piece in pieces {
                // Punctuation counts too for model tokenizers (WordPiece makes "," a token);
                // spaces never do, so they are not counted at all.
                let isSpace = !word.kind.isWordLike && sentence.units[piece].allSatisfy(Self.isSpace)
                let tokens = isSpace ? 0 : word.kind.isWordLike ? max(1, counter.countTokens(sentence.string(piece))) : counter.countTokens(sentence.string(piece))
                if var open = current, open.tokens + tokens > budget || piece.upperBound - open.start > settings.maxChunkCharacters {
                    if let trimmed = trim(sentence, open.start ..< open.end) {
                        open.start = trimmed.lowerBound
                        open.end = trimmed.upperBound
                        result.append(open)
                    }
                    current = nil
                }
                if current == nil {
                    current = Unit(start: piece.lowerBound, end: piece.upperBound, tokens: tokens)
                } else {
                    current!.end = piece.upperBound
                    current!.tokens += tokens
                }
            }
        }
        if let open = current, let trimmed = trim(sentence, open.start ..< open.end) {
            result.append(Unit(start: trimmed.lowerBound, end: trimmed.upperBound, tokens: open.tokens))
        }
        return result.map { Unit(start: $0.start + range.lowerBound, end: $0.end + range.lowerBound, tokens: $0.tokens) }
    }

    /// Character-level pieces of at most `maxChunkCharacters` units, never splitting a
    /// surrogate pair.
    func hardSplit(_ text: UTF16Text, _ range: Range<Int>) -> [Range<Int>] {
        var pieces: [Range<Int>] = []
        var start = range.lowerBound
        while start < range.upperBound {
            var end = min(start + settings.maxChunkCharacters, range.upperBound)
            if end < range.upperBound, text.units[end] & 0xFC00 == 0xDC00 { end -= 1 }
            pieces.append(start ..< end)
            start = end
        }
        return pieces
    }

    /// Greedy packing with sentence overlap.
    func pack(_ units: [Unit], budget: Int) -> [[Unit]] {
        var windows: [[Unit]] = []
        var window: [Unit] = []
        var tokens = 0
        for unit in units {
            let length = window.isEmpty ? 0 : unit.end - window[0].start
            if !window.isEmpty && (tokens + unit.tokens > budget || length > settings.maxChunkCharacters) {
                windows.append(window)
                // Carry trailing units that fit in the overlap and still leave room.
                var carried: [Unit] = []
                var carriedTokens = 0
                for previous in window.dropFirst().reversed() {
                    guard carriedTokens + previous.tokens <= settings.overlapTokens,
                          carriedTokens + previous.tokens + unit.tokens <= budget,
                          unit.end - previous.start <= settings.maxChunkCharacters else { break }
                    carried.insert(previous, at: 0)
                    carriedTokens += previous.tokens
                }
                window = carried
                tokens = carriedTokens
            }
            window.append(unit)
            tokens += unit.tokens
        }
        if !window.isEmpty { windows.append(window) }
        return windows
    }

    /// The range without leading and trailing whitespace, or nil if nothing is left.
    func trim(_ text: UTF16Text, _ range: Range<Int>) -> Range<Int>? {
        var start = range.lowerBound
        var end = range.upperBound
        while start < end, Self.isSpace(text.units[start]) { start += 1 }
        while end > start, Self.isSpace(text.units[end - 1]) { end -= 1 }
        return start < end ? start ..< end : nil
    }

    static func isSpace(_ unit: UInt16) -> Bool {
        switch unit {
        case 0x09 ... 0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2000 ... 0x200B, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000, 0xFEFF: true
        default: false
        }
    }
}
