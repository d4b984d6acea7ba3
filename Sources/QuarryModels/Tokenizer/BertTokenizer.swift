import Foundation

/// Token ids and segment (token type) ids of one model input, specials included, unpadded.
/// The attention mask is all ones for `count` positions; batching code pads.
public struct TokenizedInput: Sendable, Equatable {
    public var ids: [Int32]
    public var typeIDs: [Int32]
    public var count: Int { ids.count }

    public init(ids: [Int32], typeIDs: [Int32]) {
        self.ids = ids
        self.typeIDs = typeIDs
    }
}

/// BERT's uncased WordPiece tokenizer, reproducing Hugging Face `tokenizers` (`BertNormalizer`,
/// `BertPreTokenizer`, `WordPiece`, the `[CLS] A [SEP] (B [SEP])` template and `longest_first` truncation) as
/// sentence-transformers runs it for all-MiniLM-L6-v2.
///
/// Pipeline, in Hugging Face's order:
/// 1. Special-token strings (`[CLS]`, `[SEP]`, `[PAD]`, `[UNK]`, `[MASK]`) in the raw text are matched
///    case-sensitively, leftmost-longest, before any normalisation, and become their ids; the text between
///    them is tokenized on its own.
/// 2. Clean text: U+0000, U+FFFD and control characters (categories Cc, Cf, Co, except tab, LF, CR) are
///    deleted, and every White_Space character becomes a space.
/// 3. Spaces are put around CJK ideographs (the BERT CJK ranges).
/// 4. When accents are stripped (by default when lowercasing): canonical decomposition (NFD), then every
///    nonspacing mark (Mn) is deleted.
/// 5. Lowercasing, one scalar at a time with the full (unconditional) lowercase mapping.
/// 6. Split on whitespace, and isolate every punctuation character (ASCII punctuation plus Unicode P*).
/// 7. Greedy longest-match-first WordPiece with `##` continuations; a word that cannot be segmented, or has
///    more than `maxInputCharactersPerWord` scalars, becomes one `[UNK]`.
///
/// Character classes follow the Unicode tables `tokenizers` uses (categories of Unicode 8.0, see `isInUnicode8`),
/// not Swift's newer ones, so characters assigned after Unicode 8.0 are treated as Hugging Face treats them.
public struct BertTokenizer: Sendable {
    public let vocabulary: WordPieceVocabulary
    public let lowercase: Bool
    /// Whether NFD plus removal of nonspacing marks runs (resolved: `nil` at init follows `lowercase`).
    public let stripAccents: Bool
    public let tokenizeChineseCharacters: Bool
    public let maxInputCharactersPerWord: Int

    private let initialPieces: PieceTable
    private let continuationPieces: PieceTable
    private let specials: [SpecialToken]

    public init(
        vocabulary: WordPieceVocabulary,
        lowercase: Bool = true,
        stripAccents: Bool? = nil,
        tokenizeChineseCharacters: Bool = true,
        maxInputCharactersPerWord: Int = 100
    ) {
        self.vocabulary = vocabulary
        self.lowercase = lowercase
        self.stripAccents = stripAccents ?? lowercase
        self.tokenizeChineseCharacters = tokenizeChineseCharacters
        self.maxInputCharactersPerWord = maxInputCharactersPerWord

        var initial = PieceTable.Builder()
        var continuation = PieceTable.Builder()
        for (index, token) in vocabulary.tokens.enumerated() {
            let bytes = Array(token.utf8)
            if bytes.count > 2, bytes[0] == 0x23, bytes[1] == 0x23 {
                continuation.insert(bytes[2...], id: Int32(index))
            } else if !bytes.isEmpty {
                initial.insert(bytes[...], id: Int32(index))
            }
        }
        initialPieces = initial.build()
        continuationPieces = continuation.build()

        var specials: [SpecialToken] = []
        for token in [WordPieceVocabulary.clsToken, WordPieceVocabulary.sepToken, WordPieceVocabulary.padToken,
                      WordPieceVocabulary.unkToken, WordPieceVocabulary.maskToken] {
            if let id = vocabulary.id(token) { specials.append(SpecialToken(bytes: Array(token.utf8), id: id)) }
        }
        // Longest first, so that the first match at a position is the leftmost-longest one.
        self.specials = specials.sorted { $0.bytes.count > $1.bytes.count }
    }

    /// Loads `vocab.txt` from a model directory, with `do_lower_case`, `strip_accents` and
    /// `tokenize_chinese_chars` from its `tokenizer_config.json` when that file exists (defaults: true, follow
    /// lowercase, true). `tokenizer.json`'s truncation and padding are deliberately not read: sentence-transformers
    /// overrides them, and callers pass `maxLength` themselves.
    public static func load(modelDirectory: URL) throws -> BertTokenizer {
        let vocabulary = try WordPieceVocabulary(contentsOf: modelDirectory.appendingPathComponent("vocab.txt"))
        var config = TokenizerConfig()
        let configURL = modelDirectory.appendingPathComponent("tokenizer_config.json")
        if FileManager.default.fileExists(atPath: configURL.path) {
            do {
                config = try JSONDecoder().decode(TokenizerConfig.self, from: Data(contentsOf: configURL))
            } catch {
                throw TokenizerError(.invalidFile, "cannot read \(configURL.path) as a tokenizer configuration: \(error)")
            }
        }
        return BertTokenizer(
            vocabulary: vocabulary,
            lowercase: config.lowercase ?? true,
            stripAccents: config.stripAccents,
            tokenizeChineseCharacters: config.tokenizeChineseCharacters ?? true
        )
    }

    // MARK: - Public entry points

    /// The word-piece ids of `text`: no `[CLS]`/`[SEP]` added, no truncation. Special-token strings in the text
    /// are included as their ids.
    public func wordPieces(_ text: String) -> [Int32] {
        var output: [Int32] = []
        output.reserveCapacity(text.utf8.count / 4 + 8)
        // Only words of at most maxInputCharactersPerWord characters are looked up, so the word buffers are
        // bounded (and, for the default 100, small enough for the stack). Normalisation yields at most two
        // characters per UTF-8 byte, so a word can never outgrow 4 per byte either.
        let charCapacity = min(max(0, maxInputCharactersPerWord), 4 * text.utf8.count + 4)
        var text = text
        text.withUTF8 { bytes in
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 4 * charCapacity + 1) { wordBytes in
                withUnsafeTemporaryAllocation(of: Int32.self, capacity: charCapacity + 1) { charStarts in
                    var state = WordState(bytes: wordBytes.baseAddress!, starts: charStarts.baseAddress!, charCapacity: charCapacity)
                    tokenize(bytes, into: &output, state: &state)
                }
            }
        }
        return output
    }

    /// The number of word pieces of `text`, specials not counted (the same as `wordPieces(text).count`).
    public func countTokens(_ text: String) -> Int {
        wordPieces(text).count
    }

    /// `[CLS] pieces [SEP]`, keeping the first `maxLength - 2` pieces when the text is longer.
    /// `maxLength` below 2 is treated as 2 (the specials are always present).
    public func encode(_ text: String, maxLength: Int) -> TokenizedInput {
        let pieces = wordPieces(text)
        let kept = min(pieces.count, max(0, maxLength - 2))
        var ids: [Int32] = []
        ids.reserveCapacity(kept + 2)
        ids.append(vocabulary.clsID)
        ids.append(contentsOf: pieces[0..<kept])
        ids.append(vocabulary.sepID)
        return TokenizedInput(ids: ids, typeIDs: [Int32](repeating: 0, count: ids.count))
    }

    /// `[CLS] first [SEP] second [SEP]` with token type 0 up to and including the first `[SEP]` and 1 after it,
    /// truncated with Hugging Face's `longest_first` to at most `maxLength` ids: when both sequences are longer
    /// than half of the budget each gets half (the second, or the longer one, gets the odd extra piece);
    /// otherwise only the longer one is cut. `maxLength` below 3 is treated as 3.
    public func encodePair(_ first: String, _ second: String, maxLength: Int) -> TokenizedInput {
        let a = wordPieces(first)
        let b = wordPieces(second)
        let (keepA, keepB) = Self.longestFirst(a.count, b.count, budget: max(0, maxLength - 3))
        var ids: [Int32] = []
        ids.reserveCapacity(keepA + keepB + 3)
        ids.append(vocabulary.clsID)
        ids.append(contentsOf: a[0..<keepA])
        ids.append(vocabulary.sepID)
        let firstSegment = ids.count
        ids.append(contentsOf: b[0..<keepB])
        ids.append(vocabulary.sepID)
        var typeIDs = [Int32](repeating: 0, count: ids.count)
        for index in firstSegment..<ids.count { typeIDs[index] = 1 }
        return TokenizedInput(ids: ids, typeIDs: typeIDs)
    }

    /// How many pieces of each sequence `longest_first` keeps, as `tokenizers`' `truncate_encodings` computes it.
    static func longestFirst(_ first: Int, _ second: Int, budget: Int) -> (Int, Int) {
        guard first + second > budget else { return (first, second) }
        let swapped = first > second
        var short = swapped ? second : first
        var long: Int
        if short > budget {
            long = short
        } else {
            long = max(short, budget - short)
        }
        if short + long > budget {
            short = budget / 2
            long = short + budget % 2
        }
        let keepFirst = swapped ? long : short
        let keepSecond = swapped ? short : long
        return (min(first, keepFirst), min(second, keepSecond))
    }

    // MARK: - Special tokens

    /// Splits the raw UTF-8 text on special-token strings and tokenizes the pieces in between.
    private func tokenize(_ bytes: UnsafeBufferPointer<UInt8>, into output: inout [Int32], state: inout WordState) {
        let count = bytes.count
        var segmentStart = 0
        var index = 0
        if !specials.isEmpty {
            while index < count {
                guard bytes[index] == 0x5B else {  // "["
                    index += 1
                    continue
                }
                var matched: SpecialToken?
                for special in specials where special.bytes.count <= count - index {
                    var equal = true
                    for offset in 0..<special.bytes.count where bytes[index + offset] != special.bytes[offset] {
                        equal = false
                        break
                    }
                    if equal {
                        matched = special
                        break
                    }
                }
                if let matched {
                    tokenizeSegment(bytes, segmentStart, index, into: &output, state: &state)
                    output.append(matched.id)
                    index += matched.bytes.count
                    segmentStart = index
                } else {
                    index += 1
                }
            }
        }
        tokenizeSegment(bytes, segmentStart, count, into: &output, state: &state)
    }

    // MARK: - Normalisation and pre-tokenization

    /// Normalises and splits `bytes[start..<end]` (text without special tokens) and appends its word pieces.
    private func tokenizeSegment(
        _ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, into output: inout [Int32], state: inout WordState
    ) {
        var index = start
        while index < end {
            let byte = bytes[index]
            if byte < 0x80 {
                index += 1
                switch byte {
                case 0x09, 0x0A, 0x0D, 0x20:  // whitespace (tab, LF, CR are not deleted as controls)
                    finishWord(&state, into: &output)
                case 0x00..<0x20, 0x7F:  // other C0 controls and DEL: deleted, the text around them joins
                    continue
                case 0x21...0x2F, 0x3A...0x40, 0x5B...0x60, 0x7B...0x7E:  // ASCII punctuation
                    finishWord(&state, into: &output)
                    state.appendASCII(byte)
                    finishWord(&state, into: &output)
                case 0x41...0x5A:
                    state.appendASCII(lowercase ? byte | 0x20 : byte)
                default:
                    state.appendASCII(byte)
                }
            } else {
                // A run of non-ASCII scalars. ASCII characters are starters without decompositions, so NFD of
                // the whole text equals NFD applied run by run.
                var runEnd = index + 1
                while runEnd < end, bytes[runEnd] >= 0x80 { runEnd += 1 }
                normalizeNonASCII(UnsafeBufferPointer(rebasing: bytes[index..<runEnd]), state: &state, into: &output)
                index = runEnd
            }
        }
        finishWord(&state, into: &output)
    }

    /// Clean text, CJK spacing, NFD + mark removal and lowercasing for a run of non-ASCII UTF-8, feeding the result
    /// to the pre-tokenizer.
    private func normalizeNonASCII(_ bytes: UnsafeBufferPointer<UInt8>, state: inout WordState, into output: inout [Int32]) {
        // Clean text and CJK spacing.
        state.run.removeAll(keepingCapacity: true)
        var mayDecompose = false
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        while case .scalarValue(let scalar) = decoder.decode(&iterator) {
            if scalar.value == 0xFFFD || Self.isControl(scalar) { continue }
            if scalar.properties.isWhitespace {
                state.run.append(" ")
            } else if tokenizeChineseCharacters, Self.isCJKIdeograph(scalar) {
                state.run.append(" ")
                state.run.append(scalar)
                state.run.append(" ")
                // CJK compatibility ideographs have canonical decompositions; unified ones do not.
                if scalar.value >= 0xF900 && scalar.value <= 0xFAFF || scalar.value >= 0x2F800 { mayDecompose = true }
            } else {
                state.run.append(scalar)
                if scalar.value >= 0xC0 { mayDecompose = true }  // nothing below U+00C0 decomposes
            }
        }
        let run = state.run
        if stripAccents && mayDecompose {
            // U+11938 is not decomposed by the (older) normalisation tables of `tokenizers`; it is a starter, so
            // decomposing the text on either side of it separately is still NFD.
            var chunkStart = run.startIndex
            for index in run.indices where run[index].value == 0x11938 {
                decomposeAndSplit(run[chunkStart..<index], state: &state, into: &output)
                lowercaseAndSplit(run[index], state: &state, into: &output)
                chunkStart = index + 1
            }
            decomposeAndSplit(run[chunkStart...], state: &state, into: &output)
        } else {
            for scalar in run {
                if stripAccents, Self.isNonspacingMark(scalar) { continue }
                lowercaseAndSplit(scalar, state: &state, into: &output)
            }
        }
    }

    /// NFD, then removal of nonspacing marks, then lowercasing and pre-tokenization.
    private func decomposeAndSplit(_ scalars: ArraySlice<Unicode.Scalar>, state: inout WordState, into output: inout [Int32]) {
        guard !scalars.isEmpty else { return }
        var string = String()
        string.unicodeScalars.append(contentsOf: scalars)
        for scalar in string.decomposedStringWithCanonicalMapping.unicodeScalars {
            if Self.isNonspacingMark(scalar) { continue }
            lowercaseAndSplit(scalar, state: &state, into: &output)
        }
    }

    @inline(__always)
    private func lowercaseAndSplit(_ scalar: Unicode.Scalar, state: inout WordState, into output: inout [Int32]) {
        if scalar.isASCII {
            let byte = UInt8(truncatingIfNeeded: scalar.value)
            split(lowercase && byte >= 0x41 && byte <= 0x5A ? Unicode.Scalar(byte | 0x20) : scalar, state: &state, into: &output)
        } else if lowercase, scalar.properties.changesWhenLowercased {
            for lowered in scalar.properties.lowercaseMapping.unicodeScalars {
                split(lowered, state: &state, into: &output)
            }
        } else {
            split(scalar, state: &state, into: &output)
        }
    }

    /// The pre-tokenizer for one normalised scalar: whitespace ends a word, punctuation is a word of its own.
    @inline(__always)
    private func split(_ scalar: Unicode.Scalar, state: inout WordState, into output: inout [Int32]) {
        if scalar.isASCII {
            let byte = UInt8(truncatingIfNeeded: scalar.value)
            switch byte {
            case 0x09...0x0D, 0x20:
                finishWord(&state, into: &output)
            case 0x21...0x2F, 0x3A...0x40, 0x5B...0x60, 0x7B...0x7E:
                finishWord(&state, into: &output)
                state.appendASCII(byte)
                finishWord(&state, into: &output)
            default:
                state.appendASCII(byte)
            }
        } else if scalar.properties.isWhitespace {
            finishWord(&state, into: &output)
        } else if Self.isPunctuation(scalar) {
            finishWord(&state, into: &output)
            state.append(scalar)
            finishWord(&state, into: &output)
        } else {
            state.append(scalar)
        }
    }

    // Character classes. `tokenizers` takes general categories from the `unicode_categories` crate, whose tables
    // are Unicode 8.0: to it a character assigned later is unassigned (Cn), so neither a control, a punctuation
    // character nor a nonspacing mark. The classes below apply Swift's categories to characters of Unicode 8.0 or
    // older (`properties.age`), plus the few characters whose category changed after 8.0. Checked against
    // tokenizers 0.23.3 for every scalar under Swift 6.3.1's tables.

    /// Whether `tokenizers`' category tables (Unicode 8.0) know the scalar.
    @inline(__always)
    static func isInUnicode8(_ scalar: Unicode.Scalar) -> Bool {
        guard let age = scalar.properties.age else { return false }
        return age.major <= 8
    }

    /// Cc, Cf and Co (the crate's `is_other`); tab, LF and CR are handled as whitespace before this is asked.
    @inline(__always)
    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .control, .privateUse: return true
        case .format: return isInUnicode8(scalar)
        default: return false
        }
    }

    /// Unicode P* categories (ASCII punctuation is classified by byte before this is asked).
    @inline(__always)
    static func isPunctuation(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation:
            return isInUnicode8(scalar)
        default:
            // Po in Unicode 8.0, So and Mn today.
            return scalar.value == 0x166D || scalar.value == 0x111C9
        }
    }

    /// Mn, removed when accents are stripped.
    @inline(__always)
    static func isNonspacingMark(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.properties.generalCategory == .nonspacingMark {
            switch scalar.value {
            case 0x1885, 0x1886, 0xA9BD, 0x111C9: return false  // Lo, Lo, Mc, Po in Unicode 8.0
            default: return isInUnicode8(scalar)
            }
        }
        return scalar.value == 0x1734 || scalar.value == 0x1171E  // Mn in Unicode 8.0, Mc today
    }

    /// The CJK ranges of `tokenizers`' BertNormalizer (note U+2B920, not U+2B820, as the start of the sixth).
    @inline(__always)
    static func isCJKIdeograph(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F, 0x2B740...0x2B81F,
             0x2B920...0x2CEAF, 0xF900...0xFAFF, 0x2F800...0x2FA1F:
            return true
        default:
            return false
        }
    }

    // MARK: - WordPiece

    /// Runs WordPiece on the word collected in `state` (if any) and clears it.
    @inline(__always)
    private func finishWord(_ state: inout WordState, into output: inout [Int32]) {
        guard state.charCount > 0 else { return }
        wordPiece(state, into: &output)
        state.byteCount = 0
        state.charCount = 0
    }

    /// Greedy longest-match-first segmentation of one word; `[UNK]` for the whole word when a position has no
    /// matching piece or the word is longer than `maxInputCharactersPerWord` characters.
    private func wordPiece(_ state: WordState, into output: inout [Int32]) {
        let charCount = state.charCount
        guard charCount <= state.charCapacity else {
            output.append(vocabulary.unkID)
            return
        }
        let word = UnsafePointer(state.bytes)
        let starts = state.starts
        starts[charCount] = Int32(truncatingIfNeeded: state.byteCount)  // sentinel: the end of the last character
        let rollback = output.count
        var startChar = 0
        while startChar < charCount {
            let startByte = Int(starts[startChar])
            let isInitial = startChar == 0
            // (Two explicit calls rather than picking a table first: that would retain and release it.)
            let maxKeyLength = isInitial ? initialPieces.maxKeyLength : continuationPieces.maxKeyLength
            var endChar = charCount
            while endChar > startChar, Int(starts[endChar]) - startByte > maxKeyLength { endChar -= 1 }
            var found: Int32 = -1
            while endChar > startChar {
                let length = Int(starts[endChar]) - startByte
                found = isInitial
                    ? initialPieces.lookup(word + startByte, length)
                    : continuationPieces.lookup(word + startByte, length)
                if found >= 0 { break }
                endChar -= 1
            }
            guard found >= 0 else {
                output.removeSubrange(rollback...)
                output.append(vocabulary.unkID)
                return
            }
            output.append(found)
            startChar = endChar
        }
    }
}

// MARK: - Supporting types

/// The word being collected, in caller-provided buffers: its UTF-8 bytes and the byte offset where each character
/// starts. Characters past `charCapacity` are only counted (such a word becomes `[UNK]` anyway). `run` is scratch
/// space for the non-ASCII path.
private struct WordState {
    let bytes: UnsafeMutablePointer<UInt8>  // capacity 4 * charCapacity + 1
    let starts: UnsafeMutablePointer<Int32>  // capacity charCapacity + 1 (room for an end sentinel)
    let charCapacity: Int
    var byteCount = 0
    var charCount = 0
    var run: [Unicode.Scalar] = []

    init(bytes: UnsafeMutablePointer<UInt8>, starts: UnsafeMutablePointer<Int32>, charCapacity: Int) {
        self.bytes = bytes
        self.starts = starts
        self.charCapacity = charCapacity
    }

    @inline(__always)
    mutating func appendASCII(_ byte: UInt8) {
        if charCount < charCapacity {
            starts[charCount] = Int32(truncatingIfNeeded: byteCount)
            bytes[byteCount] = byte
            byteCount += 1
        }
        charCount += 1
    }

    @inline(__always)
    mutating func append(_ scalar: Unicode.Scalar) {
        if charCount < charCapacity {
            starts[charCount] = Int32(truncatingIfNeeded: byteCount)
            var count = byteCount
            let bytes = self.bytes
            UTF8.encode(scalar) { byte in
                bytes[count] = byte
                count += 1
            }
            byteCount = count
        }
        charCount += 1
    }
}

private struct SpecialToken: Sendable {
    var bytes: [UInt8]
    var id: Int32
}

/// The fields of `tokenizer_config.json` the tokenizer honours. Values of an unexpected type are ignored.
private struct TokenizerConfig: Decodable {
    var lowercase: Bool?
    var stripAccents: Bool?
    var tokenizeChineseCharacters: Bool?

    init() {}

    enum CodingKeys: String, CodingKey {
        case lowercase = "do_lower_case", stripAccents = "strip_accents", tokenizeChineseCharacters = "tokenize_chinese_chars"
    }

    init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        lowercase = try? container.decodeIfPresent(Bool.self, forKey: .lowercase)
        stripAccents = try? container.decodeIfPresent(Bool.self, forKey: .stripAccents)
        tokenizeChineseCharacters = try? container.decodeIfPresent(Bool.self, forKey: .tokenizeChineseCharacters)
    }
}
