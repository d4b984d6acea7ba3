/// Copy-constrained decoding: at each step the model may only pick a token that keeps its
/// answer a sequence of spans copied from the passages, each followed by the citation of a
/// passage holding it — or, as its whole answer, one refusal sentence. Grounded by
/// construction: the model chooses which span to copy and where it ends, never a word the
/// passages do not hold.
///
/// The grammar, over token ids (passages are tokenized here, whitespace collapsed and with
/// a leading space, so every word starts with a space token and copies read naturally):
///
///     answer  := refusal | segment+          (at most `maxSegments`)
///     segment := span citation
///     span    := tokens t[i..<j] of one passage, i at a word start
///     citation:= " [n]" where passage n holds the span, allowed once the span ends at a
///                word boundary (the passage's next token starts a word or is punctuation)
///
/// The end of turn is allowed only after a citation or the refusal. Every passage holding
/// the span so far stays a candidate (a state is the set of positions it continues), so a
/// span common to several passages can be cited to any of them.
public struct CopyConstraint: Sendable {
    /// A source the answer may copy from.
    public struct Source: Sendable {
        public var number: Int
        public var text: String
        public init(number: Int, text: String) {
            self.number = number
            self.text = text
        }
    }

    struct Position: Hashable {
        var source: Int
        var next: Int
    }

    enum Phase {
        /// Before the first segment, or after a citation.
        case open
        /// Copying; the positions the span continues at, and how much of the refusal it
        /// also matches while the two share a start (" I …").
        case span([Position], length: Int, refusal: Int?)
        /// Writing one of several token sequences (a citation or the refusal), `written` so far.
        case literal(sequences: [[Int32]], written: Int, refusal: Bool)
        /// The refusal is written: only the end of turn.
        case closed
    }

    let sources: [[Int32]]
    let numbers: [Int]
    /// What a span may be: any run of whole words, or of whole sentences.
    public enum Unit: Sendable, Equatable {
        case words, sentences
        /// Each source is copied whole or not at all (a choice among given answers).
        case whole
    }

    /// Whether a span may end before token i (it starts a word or is punctuation; for
    /// sentences, token i − 1 ends one).
    let mayEndBefore: [[Bool]]
    /// Token → positions right after a word-start occurrence of it.
    let starts: [Int32: [Position]]
    let citations: [Int: [Int32]]
    let refusal: [Int32]
    let endOfTurn: Set<Int32>
    public let maxSegments: Int
    let unit: Unit
    private var phase = Phase.open
    /// Where each span so far started: a span is not copied twice.
    private var used = Set<Position>()
    private(set) var segments = 0

    /// - Parameters:
    ///   - refusal: the sentence the model may write instead of copying (nil: none).
    ///   - maxSegments: spans (each with its citation) an answer may hold.
    ///   - unit: `.sentences` makes spans start and end at sentence boundaries (a run of
    ///     whole sentences), `.words` at word boundaries (a short answer).
    public init(tokenizer: ByteLevelBPETokenizer, sources: [Source], refusal: String?, maxSegments: Int = 3, unit: Unit = .words) {
        func plain(_ text: String) -> [Int32] {
            var ids = tokenizer.encode(text, parseSpecial: false)
            if tokenizer.addBOS, let bos = tokenizer.bosID, ids.first == bos { ids.removeFirst() }
            return ids
        }
        let control = tokenizer.endOfGeneration
        var tokenized: [[Int32]] = []
        var endings: [[Bool]] = []
        var starts: [Int32: [Position]] = [:]
        let space = UInt8(ascii: " ")
        let closing = Array(".!?".utf8), trailing = Array(".!?\"')]".utf8), punctuation = Array(".,;:!?)]\"'".utf8)
        for (index, source) in sources.enumerated() {
            // Line by line: a line break ends a sentence (headings, list items, table rows).
            var ids: [Int32] = []
            var lineEnds = Set<Int>()
            for line in source.text.split(whereSeparator: \.isNewline) {
                let words = line.split(whereSeparator: \.isWhitespace)
                guard !words.isEmpty else { continue }
                ids += plain(" " + words.joined(separator: " ")).filter { !control.contains($0) }
                lineEnds.insert(ids.count - 1)
            }
            let bytes = ids.map { tokenizer.bytes(of: $0) }
            // A sentence ends with a token ending in . ! ? (or one of them and a closing
            // quote or bracket) that a space follows — "3.14" and "e.g." go on — or at a
            // line's end.
            let endsSentence = bytes.indices.map { i -> Bool in
                if lineEnds.contains(i) || i == bytes.count - 1 { return true }
                guard bytes[i + 1].first == space else { return false }
                let token = bytes[i]
                guard let last = token.last else { return false }
                if closing.contains(last) { return true }
                return trailing.contains(last) && token.count >= 2 && closing.contains(token[token.count - 2])
            }
            var ending: [Bool] = []
            for (i, id) in ids.enumerated() {
                let startsWord = bytes[i].first == space
                let startsSentence = i == 0 || endsSentence[i - 1]
                if startsWord && (unit == .words || (unit == .sentences && startsSentence) || (unit == .whole && i == 0)) {
                    starts[id, default: []].append(Position(source: index, next: i + 1))
                }
                switch unit {
                // Before a word, or before punctuation that ends one ("1668." but not "3|.5").
                case .words: ending.append(startsWord || (bytes[i].first.map(punctuation.contains) == true
                                                          && (i == bytes.count - 1 || bytes[i + 1].first == space || lineEnds.contains(i))))
                case .sentences: ending.append(i > 0 && endsSentence[i - 1])
                case .whole: ending.append(false)
                }
            }
            ending.append(true)  // the end of the passage
            tokenized.append(ids)
            endings.append(ending)
        }
        self.sources = tokenized
        numbers = sources.map(\.number)
        mayEndBefore = endings
        self.starts = starts
        var citations: [Int: [Int32]] = [:]
        for source in sources { citations[source.number] = plain(" [\(source.number)]") }
        self.citations = citations
        self.refusal = refusal.map { plain(" " + $0) } ?? []
        endOfTurn = control
        self.maxSegments = max(1, maxSegments)
        self.unit = unit
    }

    /// Whether the end of turn may come now.
    public var mayEnd: Bool {
        switch phase {
        case .closed: return true
        case .open: return segments > 0
        default: return false
        }
    }

    /// The tokens that may come next (empty: nothing may; the answer must end).
    public func allowed() -> [Int32] {
        switch phase {
        case .closed:
            return Array(endOfTurn)
        case .open:
            var out: [Int32] = segments < maxSegments ? starts.compactMap { token, positions in
                positions.contains { !used.contains($0) } ? token : nil
            } : []
            if segments == 0, let first = refusal.first { out.append(first) }
            if segments > 0 { out += endOfTurn }
            return out
        case .span(let positions, let length, let refusalAt):
            var out = Set<Int32>()
            if let at = refusalAt, at < refusal.count { out.insert(refusal[at]) }
            for position in positions where continues(position, length: length) {
                out.insert(sources[position.source][position.next])
            }
            for sequence in citationSequences(positions) { out.insert(sequence[0]) }
            return Array(out)
        case .literal(let sequences, let written, _):
            return Array(Set(sequences.compactMap { written < $0.count ? $0[written] : nil }))
        }
    }

    /// Whether the span may go on past `position`: not past the passage's end, nor, for
    /// sentences, past the end of one (each sentence gets its own citation).
    func continues(_ position: Position, length: Int) -> Bool {
        guard position.next < sources[position.source].count else { return false }
        let boundary = mayEndBefore[position.source][position.next]
        switch unit {
        case .sentences: return !boundary
        case .words: return !(boundary && length >= Self.maxShortSpan)
        case .whole: return true
        }
    }

    /// Tokens a short answer's span may grow to before it must end at the next word boundary.
    static let maxShortSpan = 12

    /// The citations the span at `positions` may end with (none until it ends at a word
    /// boundary and holds a letter or digit).
    func citationSequences(_ positions: [Position]) -> [[Int32]] {
        guard case .span(_, let length, _) = phase, length > 0 else { return [] }
        var numbers = Set<Int>()
        for position in positions {
            if mayEndBefore[position.source][position.next] { numbers.insert(self.numbers[position.source]) }
        }
        return numbers.sorted().compactMap { citations[$0] }.filter { !$0.isEmpty }
    }

    /// Records the token the sampler picked (one of `allowed()`).
    public mutating func accept(_ token: Int32) {
        switch phase {
        case .closed:
            return
        case .open:
            let refusing = segments == 0 && refusal.first == token
            if refusing, refusal.count == 1 {
                phase = .closed
            } else if let positions = starts[token]?.filter({ !used.contains($0) }), !positions.isEmpty {
                phase = .span(positions, length: 1, refusal: refusing ? 1 : nil)
            } else if refusing {
                phase = .literal(sequences: [refusal], written: 1, refusal: true)
            }
        case .span(let positions, let length, let refusalAt):
            let cite = citationSequences(positions).filter { $0[0] == token }
            if !cite.isEmpty {
                // Where this span started (as `starts` keys it) is not copied again.
                for position in positions { used.insert(Position(source: position.source, next: position.next - length + 1)) }
                phase = cite.contains { $0.count == 1 } ? finishCitation() : .literal(sequences: cite, written: 1, refusal: false)
                return
            }
            let next = positions.compactMap { position -> Position? in
                let tokens = sources[position.source]
                guard continues(position, length: length), tokens[position.next] == token else { return nil }
                return Position(source: position.source, next: position.next + 1)
            }
            let refusing = refusalAt.flatMap { $0 < refusal.count && refusal[$0] == token ? $0 + 1 : nil }
            if let refusing, refusing == refusal.count {
                phase = .closed
            } else if next.isEmpty, let refusing {
                phase = .literal(sequences: [refusal], written: refusing, refusal: true)
            } else {
                phase = .span(next, length: length + 1, refusal: refusing)
            }
        case .literal(let sequences, let written, let isRefusal):
            let kept = sequences.filter { written < $0.count && $0[written] == token }
            if kept.contains(where: { $0.count == written + 1 }) {
                phase = isRefusal ? .closed : finishCitation()
            } else {
                phase = .literal(sequences: kept, written: written + 1, refusal: isRefusal)
            }
        }
    }

    private mutating func finishCitation() -> Phase {
        segments += 1
        return .open
    }
}
