import Foundation

/// The GPT-2-style byte-level BPE tokenizer that a GGUF file describes in its metadata
/// (`tokenizer.ggml.model` "gpt2": the tokens, their types and the merges), as llama.cpp runs
/// it for the Llama-family models people use (SmolLM2, and others whose pre-tokenizer is
/// listed in `PreTokenizer`):
///
/// 1. control tokens (`<|im_start|>`, type 3) written in the text become their ids,
///    leftmost and longest first, when `parseSpecial` is on (llama.cpp's default for prompts);
/// 2. the pre-tokenizer cuts the text between them into words (`PreTokenizer`);
/// 3. each word's UTF-8 bytes become GPT-2's printable byte characters, and the merges are
///    applied lowest rank first, leftmost on ties, until none applies.
public struct ByteLevelBPETokenizer: Sendable {
    /// Each token's text (in byte characters), by id.
    public let tokens: [String]
    public let preTokenizer: PreTokenizer
    public let bosID: Int32?
    public let eosID: Int32?
    /// End of turn (`tokenizer.ggml.eot_token_id`), for models whose turns end otherwise than the sequence.
    public let eotID: Int32?
    public let addBOS: Bool
    private let ids: [String: Int32]
    /// "left right" → rank.
    private let ranks: [String: Int]
    /// Control tokens' UTF-8 texts, longest first.
    private let specials: [(bytes: [UInt8], id: Int32)]

    /// The pre-tokenizers Quarry knows (llama.cpp's names in `tokenizer.ggml.pre`).
    public enum PreTokenizer: String, Sendable, CaseIterable {
        /// Every digit alone, then GPT-2's pattern: contractions, ` ?letters`, ` ?digits`,
        /// ` ?other`, whitespace not before a non-space, whitespace (SmolLM, StarCoder).
        case smollm, starcoder
        /// GPT-2's pattern alone.
        case gpt2
    }

    /// GPT-2's map from bytes to printable characters (printable Latin-1 bytes stand for
    /// themselves; the others are shifted to U+0100 and up).
    static let byteCharacters: [Character] = {
        var printable = Set<Int>(33 ... 126)
        printable.formUnion(161 ... 172)
        printable.formUnion(174 ... 255)
        var next = 256
        return (0 ..< 256).map { byte in
            if printable.contains(byte) { return Character(Unicode.Scalar(UInt32(byte))!) }
            defer { next += 1 }
            return Character(Unicode.Scalar(UInt32(next))!)
        }
    }()
    static let characterBytes: [Character: UInt8] = Dictionary(uniqueKeysWithValues: byteCharacters.enumerated().map { ($1, UInt8($0)) })

    /// Reads the tokenizer from a GGUF file's metadata.
    /// - Throws: `ModelError(.unsupported)` for another tokenizer model or pre-tokenizer,
    ///   `.invalidFile` for missing or inconsistent fields, naming the file and the key.
    public init(gguf file: GGUFFile) throws {
        let path = file.path
        func key(_ name: String) -> GGUFFile.Value? { file.metadata[name] }
        guard key("tokenizer.ggml.model")?.string == "gpt2" else {
            throw ModelError(.unsupported, "\(path): tokenizer.ggml.model is \(key("tokenizer.ggml.model")?.string ?? "missing"); only byte-level BPE (gpt2) is supported")
        }
        let pre = key("tokenizer.ggml.pre")?.string ?? "gpt2"
        guard let preTokenizer = PreTokenizer(rawValue: pre) else {
            throw ModelError(.unsupported, "\(path): tokenizer.ggml.pre \(pre) is not supported (known: \(PreTokenizer.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        guard let tokens = key("tokenizer.ggml.tokens")?.array?.map({ $0.string }), !tokens.isEmpty, tokens.allSatisfy({ $0 != nil }) else {
            throw ModelError(.invalidFile, "\(path): tokenizer.ggml.tokens is missing or not a list of strings")
        }
        guard let merges = key("tokenizer.ggml.merges")?.array?.map({ $0.string }), merges.allSatisfy({ $0 != nil }) else {
            throw ModelError(.invalidFile, "\(path): tokenizer.ggml.merges is missing or not a list of strings")
        }
        let types = key("tokenizer.ggml.token_type")?.array?.map { $0.int ?? 1 } ?? []
        guard types.isEmpty || types.count == tokens.count else {
            throw ModelError(.invalidFile, "\(path): tokenizer.ggml.token_type has \(types.count) entries for \(tokens.count) tokens")
        }
        self.tokens = tokens.map { $0! }
        self.preTokenizer = preTokenizer
        var ids: [String: Int32] = [:]
        for (id, token) in self.tokens.enumerated() where ids[token] == nil { ids[token] = Int32(id) }
        self.ids = ids
        var ranks: [String: Int] = [:]
        for (rank, merge) in merges.enumerated() where ranks[merge!] == nil { ranks[merge!] = rank }
        self.ranks = ranks
        func tokenID(_ name: String) throws -> Int32? {
            guard let value = key(name) else { return nil }
            guard let id = value.int, id >= 0, id < tokens.count else {
                throw ModelError(.invalidFile, "\(path): \(name) is not a token id below \(tokens.count)")
            }
            return Int32(id)
        }
        bosID = try tokenID("tokenizer.ggml.bos_token_id")
        eosID = try tokenID("tokenizer.ggml.eos_token_id")
        eotID = try tokenID("tokenizer.ggml.eot_token_id")
        addBOS = key("tokenizer.ggml.add_bos_token")?.bool ?? false
        let texts = self.tokens
        specials = types.enumerated().filter { $0.element == 3 || $0.element == 4 }
            .map { (bytes: Array(texts[$0.offset].utf8), id: Int32($0.offset)) }
            .filter { !$0.bytes.isEmpty }
            .sorted { $0.bytes.count > $1.bytes.count }
    }

    /// The tokens that end a generated turn, as llama.cpp counts them: the end-of-sequence
    /// and end-of-turn ids of the metadata and the control tokens written like an end of
    /// turn in the chat formats people use (`<|im_end|>`, `<|eot_id|>`, `<|endoftext|>`, …).
    public var endOfGeneration: Set<Int32> {
        var out = Set([eosID, eotID].compactMap { $0 })
        let names: Set<String> = ["<|im_end|>", "<|eot_id|>", "<|endoftext|>", "<|end|>", "<end_of_turn>", "<|end_of_text|>", "</s>", "<EOT>", "<|eom_id|>"]
        for special in specials where names.contains(String(decoding: special.bytes, as: UTF8.self)) { out.insert(special.id) }
        return out
    }

    /// The UTF-8 bytes token `id` stands for; control tokens give none (a generated answer
    /// never shows them, as llama.cpp's server does not). Tokens may end inside a character:
    /// join the bytes of consecutive tokens before decoding.
    public func bytes(of id: Int32) -> [UInt8] {
        guard id >= 0, Int(id) < tokens.count, !specials.contains(where: { $0.id == id }) else { return [] }
        return tokens[Int(id)].compactMap { Self.characterBytes[$0] }
    }

    /// The ids of `text` (with BOS in front when the model asks for it).
    public func encode(_ text: String, parseSpecial: Bool = true) -> [Int32] {
        var out: [Int32] = addBOS ? bosID.map { [$0] } ?? [] : []
        let bytes = Array(text.utf8)
        var start = 0, i = 0
        func flush(_ end: Int) {
            if end > start { encodeOrdinary(String(decoding: bytes[start ..< end], as: UTF8.self), into: &out) }
        }
        if parseSpecial && !specials.isEmpty {
            while i < bytes.count {
                if let special = specials.first(where: { bytes.count - i >= $0.bytes.count && bytes[i ..< i + $0.bytes.count].elementsEqual($0.bytes) }) {
                    flush(i)
                    out.append(special.id)
                    i += special.bytes.count
                    start = i
                } else {
                    i += 1
                }
            }
        }
        flush(bytes.count)
        return out
    }

    /// The text of `ids` (control tokens as written, bytes that are not UTF-8 replaced).
    public func decode(_ ids: [Int32]) -> String {
        var bytes: [UInt8] = []
        for id in ids where id >= 0 && Int(id) < tokens.count {
            if specials.contains(where: { $0.id == id }) {
                bytes += Array(tokens[Int(id)].utf8)
                continue
            }
            for character in tokens[Int(id)] {
                if let byte = Self.characterBytes[character] { bytes.append(byte) }
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private func encodeOrdinary(_ text: String, into out: inout [Int32]) {
        for word in Self.words(text, preTokenizer) {
            var symbols = Array(word.utf8).map { String(Self.byteCharacters[Int($0)]) }
            while symbols.count > 1 {
                var best = Int.max, at = -1
                for j in 0 ..< symbols.count - 1 {
                    if let rank = ranks[symbols[j] + " " + symbols[j + 1]], rank < best {
                        best = rank
                        at = j
                    }
                }
                if at < 0 { break }
                symbols[at] += symbols[at + 1]
                symbols.remove(at: at + 1)
            }
            for symbol in symbols {
                if let id = ids[symbol] {
                    out.append(id)
                } else {
                    // Byte-level vocabularies hold every byte; a file without one falls back
                    // to the bytes' own tokens where they exist.
                    for character in symbol { if let id = ids[String(character)] { out.append(id) } }
                }
            }
        }
    }

    // MARK: - Pre-tokenizer

    /// `text` cut into words by `preTokenizer`.
    static func words(_ text: String, _ preTokenizer: PreTokenizer) -> [Substring] {
        switch preTokenizer {
        case .gpt2:
            return gpt2Words(Substring(text))
        case .smollm, .starcoder:
            // Every numeric character alone; the runs between go through GPT-2's pattern.
            var words: [Substring] = []
            var runStart = text.startIndex
            var i = text.startIndex
            while i < text.endIndex {
                let next = text.unicodeScalars.index(after: i)
                if isNumber(text.unicodeScalars[i]) {
                    if runStart < i { words += gpt2Words(text[runStart ..< i]) }
                    words.append(text[i ..< next])
                    runStart = next
                }
                i = next
            }
            if runStart < text.endIndex { words += gpt2Words(text[runStart...]) }
            return words
        }
    }

    static func isLetter(_ s: Unicode.Scalar) -> Bool {
        switch s.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: true
        default: false
        }
    }

    static func isNumber(_ s: Unicode.Scalar) -> Bool {
        switch s.properties.generalCategory {
        case .decimalNumber, .letterNumber, .otherNumber: true
        default: false
        }
    }

    static func isSpace(_ s: Unicode.Scalar) -> Bool { s.properties.isWhitespace }

    /// GPT-2's pattern, `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`,
    /// matched by hand over scalars.
    static func gpt2Words(_ text: Substring) -> [Substring] {
        let scalars = Array(text.unicodeScalars)
        var indices: [String.Index] = []
        indices.reserveCapacity(scalars.count + 1)
        var index = text.startIndex
        for _ in scalars { indices.append(index); index = text.unicodeScalars.index(after: index) }
        indices.append(text.endIndex)
        var words: [Substring] = []
        var i = 0
        let n = scalars.count
        func run(from j: Int, _ test: (Unicode.Scalar) -> Bool) -> Int {
            var k = j
            while k < n, test(scalars[k]) { k += 1 }
            return k
        }
        while i < n {
            var end = i
            // Contractions.
            if scalars[i] == "'" && i + 1 < n {
                let a = scalars[i + 1]
                if "stmd".unicodeScalars.contains(a) {
                    end = i + 2
                } else if i + 2 < n, ["re", "ve", "ll"].contains(String(String.UnicodeScalarView([a, scalars[i + 2]]))) {
                    end = i + 3
                }
            }
            if end == i {
                let body = scalars[i] == " " && i + 1 < n ? i + 1 : i
                let first = scalars[body]
                if isLetter(first) {
                    end = run(from: body, isLetter)
                } else if isNumber(first) {
                    end = run(from: body, isNumber)
                } else if !isSpace(first) {
                    end = run(from: body) { !isSpace($0) && !isLetter($0) && !isNumber($0) }
                } else {
                    // Whitespace: the run, less its last character when a non-space follows
                    // (that one then leads the next word), unless the run is that one character.
                    let stop = run(from: i, isSpace)
                    end = stop < n && stop - i > 1 ? stop - 1 : stop
                }
            }
            words.append(text[indices[i] ..< indices[end]])
            i = end
        }
        return words
    }
}
