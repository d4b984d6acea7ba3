// EnglishStemmer.swift
// QuarryText
//
// A hand-written Swift implementation of the Snowball English ("Porter2")
// stemming algorithm.

/// The Snowball English stemmer, also known as "Porter2".
///
/// Lexical retrieval (BM25) only matches a query term against a document term
/// if both are spelled the same. A stemmer cuts inflectional and
/// derivational suffixes off each token so that morphological variants end up
/// as one index term: "connect", "connected", "connecting" and "connection"
/// all stem to `connect`. The result is an index key, not always a real word
/// ("happiness" → `happi`); it only has to be the same for the variants.
///
/// The algorithm was first described by M. F. Porter, "An algorithm for suffix
/// stripping", *Program* 14(3):130–137, 1980. Porter later rewrote it in his
/// Snowball string-processing language as the "English" (Porter2) stemmer,
/// which fixes a number of the original's weaknesses:
/// <https://snowballstem.org/algorithms/english/stemmer.html>.
///
/// This implementation follows the current Snowball definition, as released
/// in Snowball 3.1.1 (`english.sbl`), step by step:
///
/// - whole-word exceptions (`skis` → `ski`, `skies` → `sky`, `idly` → `idl`,
///   `gently` → `gentl`, `ugly` → `ugli`, `early` → `earli`, `only` → `onli`,
///   `singly` → `singl`; `sky`, `news`, `howe`, `atlas`, `cosmos`, `bias` and
///   `andes` unchanged); words shorter than three characters are unchanged;
/// - removal of one initial apostrophe, and marking of a `y` that is initial or
///   follows a vowel as the consonant `Y` (turned back into `y` at the end);
/// - the regions R1 and R2, with the fixed R1 prefixes `gener`, `commun`,
///   `arsen`, `past`, `univers`, `later`, `emerg`, `organ` and `inter`;
/// - steps 0 and 1a (apostrophe suffixes and plurals), 1b (`-eed`, `-ed`,
///   `-ing`, …, where `dying`/`lying`/`tying`/`vying` become `die`/`lie`/…
///   and `inning`, `outing`, `canning`, `herring`, `earring`, `evening`,
///   `proceed`, `exceed` and `succeed` are left alone), 1c (`y` → `i`), and the
///   derivational steps 2, 3, 4 and 5 (including `-ogist` → `og`).
///
/// It is checked pair-for-pair against the reference implementation (the
/// `snowballstemmer` package) by `EnglishStemmerTests`, using the fixture
/// `Tests/QuarryTextTests/Fixtures/english_stems.tsv`.
///
/// ## Input
///
/// The input is expected to be one lower-cased token. The stemmer works on a
/// byte buffer of ASCII characters, which is where all of its rules live.
/// Characters outside `a`–`z` and the apostrophe are not rejected: exactly as
/// in the Snowball reference, every other character (a digit, a hyphen, an
/// accented or non-Latin letter) simply counts as one non-vowel. A non-ASCII
/// Unicode scalar is carried through the buffer as a single placeholder byte
/// and put back afterwards; no Porter2 rule deletes or inserts such a
/// character, so it always stays in place in the stem. The result therefore
/// equals the reference implementation's output for any string, measured in
/// Unicode scalars as Snowball does: `cafés` → `café`, `covid19s` → `covid19`,
/// `co-operating` → `co-oper`, while `1990s` is unchanged (no vowel before the
/// `s`). Upper-case ASCII letters are not vowels to the algorithm, so callers
/// should lower-case first.
///
/// The stemmer holds no state; one value can be shared freely across tasks.
public struct EnglishStemmer: Sendable {
    public init() {}

    /// Returns the Porter2 stem of `word`, a single lower-cased token.
    public func stem(_ word: String) -> String {
        let utf8 = Array(word.utf8)
        if !utf8.contains(where: { $0 >= 0x80 }) {
            let stemmed = Porter2.stem(utf8)
            return stemmed == utf8 ? word : String(decoding: stemmed, as: UTF8.self)
        }

        // Non-ASCII: one placeholder byte per Unicode scalar, restored below.
        var bytes: [UInt8] = []
        bytes.reserveCapacity(utf8.count)
        var foreign: [Unicode.Scalar] = []
        for scalar in word.unicodeScalars {
            if scalar.isASCII {
                bytes.append(UInt8(truncatingIfNeeded: scalar.value))
            } else {
                bytes.append(Porter2.placeholder)
                foreign.append(scalar)
            }
        }
        let stemmed = Porter2.stem(bytes)
        if stemmed == bytes { return word }

        var scalars = String.UnicodeScalarView()
        var next = 0
        for byte in stemmed {
            if byte == Porter2.placeholder {
                // Porter2 never removes or adds a non-letter, so the
                // placeholders come back in order and in number.
                guard next < foreign.count else { return word }
                scalars.append(foreign[next])
                next += 1
            } else {
                scalars.append(Unicode.Scalar(byte))
            }
        }
        guard next == foreign.count else { return word }
        return String(scalars)
    }
}

// MARK: - Algorithm

/// The Porter2 algorithm over a buffer of bytes. Bytes below 0x80 are ASCII
/// characters; `placeholder` stands for any non-ASCII Unicode scalar.
private enum Porter2 {
    static let placeholder: UInt8 = 0x80

    /// Stems one word given as bytes (one byte per character).
    static func stem(_ input: [UInt8]) -> [UInt8] {
        if let special = exception(input) { return special }
        if input.count < 3 { return input }

        var word = Word(input)
        word.prelude()
        word.markRegions()
        word.step1a()
        word.step1b()
        word.step1c()
        word.step2()
        word.step3()
        word.step4()
        word.step5()
        word.postlude()
        return word.b
    }

    /// Whole-word exceptions, checked before anything else ("exception1").
    static func exception(_ w: [UInt8]) -> [UInt8]? {
        guard (3...6).contains(w.count) else { return nil }
        for (word, stem) in exceptions where word == w {
            return stem
        }
        return nil
    }

    static let exceptions: [([UInt8], [UInt8])] = [
        ("skis", "ski"), ("skies", "sky"),
        // -ly forms that the rules would mangle.
        ("idly", "idl"), ("gently", "gentl"), ("ugly", "ugli"),
        ("early", "earli"), ("only", "onli"), ("singly", "singl"),
        // Invariant forms (the last four are not plurals).
        ("sky", "sky"), ("news", "news"), ("howe", "howe"),
        ("atlas", "atlas"), ("cosmos", "cosmos"), ("bias", "bias"), ("andes", "andes"),
    ].map { (Array($0.0.utf8), Array($0.1.utf8)) }

    /// Words starting with one of these have R1 right after the prefix, so
    /// that e.g. "generate"/"general"/"generous" keep a common stem.
    static let r1Prefixes: [[UInt8]] = [
        "gener", "commun", "arsen", "past", "univers", "later", "emerg", "organ", "inter",
    ].map { Array($0.utf8) }

    // Step 2: (suffix, action), longest suffixes first.
    enum Step2Action: Sendable {
        case replace([UInt8])
        /// `ogi` → `og` when preceded by `l`.
        case ogi
        /// `li` deleted when preceded by a valid li-ending.
        case li
    }

    static let step2Rules: [([UInt8], Step2Action)] = {
        let table: [(String, Step2Action)] = [
            ("ization", .replace(bytes("ize"))), ("ational", .replace(bytes("ate"))),
            ("iveness", .replace(bytes("ive"))), ("fulness", .replace(bytes("ful"))),
            ("ousness", .replace(bytes("ous"))),
            ("tional", .replace(bytes("tion"))), ("biliti", .replace(bytes("ble"))),
            ("lessli", .replace(bytes("less"))),
            ("entli", .replace(bytes("ent"))), ("ation", .replace(bytes("ate"))),
            ("alism", .replace(bytes("al"))), ("aliti", .replace(bytes("al"))),
            ("ousli", .replace(bytes("ous"))), ("iviti", .replace(bytes("ive"))),
            ("fulli", .replace(bytes("ful"))), ("ogist", .replace(bytes("og"))),
            ("enci", .replace(bytes("ence"))), ("anci", .replace(bytes("ance"))),
            ("abli", .replace(bytes("able"))), ("izer", .replace(bytes("ize"))),
            ("ator", .replace(bytes("ate"))), ("alli", .replace(bytes("al"))),
            ("bli", .replace(bytes("ble"))), ("ogi", .ogi),
            ("li", .li),
        ]
        return table.map { (bytes($0.0), $0.1) }
    }()

    // Step 3: (suffix, action), longest suffixes first.
    enum Step3Action: Sendable {
        case replace([UInt8])
        /// `ative` deleted only when it lies in R2.
        case deleteInR2
    }

    static let step3Rules: [([UInt8], Step3Action)] = {
        let table: [(String, Step3Action)] = [
            ("ational", .replace(bytes("ate"))),
            ("tional", .replace(bytes("tion"))),
            ("alize", .replace(bytes("al"))), ("icate", .replace(bytes("ic"))),
            ("iciti", .replace(bytes("ic"))), ("ative", .deleteInR2),
            ("ical", .replace(bytes("ic"))), ("ness", .replace([])),
            ("ful", .replace([])),
        ]
        return table.map { (bytes($0.0), $0.1) }
    }()

    /// Step 4 suffixes, longest first; all are deleted when in R2 (`ion` only
    /// after `s` or `t`).
    static let step4Suffixes: [[UInt8]] = [
        "ement",
        "ance", "ence", "able", "ible", "ment",
        "ant", "ent", "ism", "ate", "iti", "ous", "ive", "ize", "ion",
        "al", "er", "ic",
    ].map { Array($0.utf8) }

    static let ion: [UInt8] = bytes("ion")

    static func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }
}

// MARK: - Character classes

private enum Ch {
    static let apostrophe: UInt8 = 0x27  // '
    static let a: UInt8 = 0x61
    static let b: UInt8 = 0x62
    static let c: UInt8 = 0x63
    static let d: UInt8 = 0x64
    static let e: UInt8 = 0x65
    static let f: UInt8 = 0x66
    static let g: UInt8 = 0x67
    static let h: UInt8 = 0x68
    static let i: UInt8 = 0x69
    static let k: UInt8 = 0x6B
    static let l: UInt8 = 0x6C
    static let m: UInt8 = 0x6D
    static let n: UInt8 = 0x6E
    static let o: UInt8 = 0x6F
    static let p: UInt8 = 0x70
    static let r: UInt8 = 0x72
    static let s: UInt8 = 0x73
    static let t: UInt8 = 0x74
    static let u: UInt8 = 0x75
    static let w: UInt8 = 0x77
    static let x: UInt8 = 0x78
    static let y: UInt8 = 0x79
    static let z: UInt8 = 0x7A
    /// A `y` that acts as a consonant (marked by the prelude).
    static let consonantY: UInt8 = 0x59  // Y

    /// `v`: a e i o u y (a marked `Y` is not a vowel).
    @inline(__always)
    static func isVowel(_ ch: UInt8) -> Bool {
        switch ch {
        case a, e, i, o, u, y: return true
        default: return false
        }
    }

    /// `v_WXY`: the vowels plus w, x and Y.
    @inline(__always)
    static func isVowelWXY(_ ch: UInt8) -> Bool {
        isVowel(ch) || ch == w || ch == x || ch == consonantY
    }

    /// Letters that may precede a deletable `li` ending in step 2.
    @inline(__always)
    static func isValidLI(_ ch: UInt8) -> Bool {
        switch ch {
        case c, d, e, g, h, k, m, n, r, t: return true
        default: return false
        }
    }

    /// Doubles undone at the end of step 1b (bb dd ff gg mm nn pp rr tt).
    @inline(__always)
    static func isUndoubled(_ ch: UInt8) -> Bool {
        switch ch {
        case b, d, f, g, m, n, p, r, t: return true
        default: return false
        }
    }
}

// MARK: - Word buffer

/// The word being stemmed. All rules after the prelude act on the end of the
/// buffer; `p1`/`p2` are absolute offsets of the regions R1 and R2.
private struct Word {
    var b: [UInt8]
    var p1 = 0
    var p2 = 0
    var yFound = false

    init(_ bytes: [UInt8]) { b = bytes }

    @inline(__always)
    func ends(with suffix: [UInt8]) -> Bool {
        let n = b.count
        let m = suffix.count
        guard m <= n else { return false }
        var k = m - 1
        while k >= 0 {
            if b[n - m + k] != suffix[k] { return false }
            k -= 1
        }
        return true
    }

    @inline(__always)
    func ends(_ c1: UInt8, _ c2: UInt8) -> Bool {
        let n = b.count
        return n >= 2 && b[n - 2] == c1 && b[n - 1] == c2
    }

    /// True if `b[0..<end]` is exactly `s`.
    @inline(__always)
    func prefix(_ end: Int, equals s: StaticString) -> Bool {
        guard end == s.utf8CodeUnitCount, end <= b.count else { return false }
        return s.withUTF8Buffer { sb in
            for k in 0..<end where b[k] != sb[k] { return false }
            return true
        }
    }

    mutating func replaceSuffix(length: Int, with replacement: [UInt8]) {
        b.removeLast(length)
        b.append(contentsOf: replacement)
    }

    /// Is there a vowel in `b[0..<end]`?
    func hasVowel(before end: Int) -> Bool {
        var k = 0
        while k < end {
            if Ch.isVowel(b[k]) { return true }
            k += 1
        }
        return false
    }

    /// Does `b[0..<end]` end in a short syllable? That is a vowel followed by a
    /// non-vowel other than w, x or Y and preceded by a non-vowel; or a vowel
    /// at the start of the word followed by a non-vowel; or the letters `past`.
    func endsInShortSyllable(_ end: Int) -> Bool {
        if end >= 3, !Ch.isVowelWXY(b[end - 1]), Ch.isVowel(b[end - 2]), !Ch.isVowel(b[end - 3]) {
            return true
        }
        if end == 2, !Ch.isVowel(b[1]), Ch.isVowel(b[0]) {
            return true
        }
        if end >= 4, b[end - 4] == Ch.p, b[end - 3] == Ch.a, b[end - 2] == Ch.s, b[end - 1] == Ch.t {
            return true
        }
        return false
    }

    // MARK: Prelude and regions

    mutating func prelude() {
        if b.first == Ch.apostrophe { b.removeFirst() }
        guard !b.isEmpty else { return }
        if b[0] == Ch.y {
            b[0] = Ch.consonantY
            yFound = true
        }
        var k = 1
        while k < b.count {
            if b[k] == Ch.y, Ch.isVowel(b[k - 1]) {
                b[k] = Ch.consonantY
                yFound = true
            }
            k += 1
        }
    }

    /// R1 starts after the first non-vowel that follows a vowel (or after one
    /// of the fixed prefixes); R2 is the same rule applied again inside R1.
    mutating func markRegions() {
        p1 = b.count
        p2 = b.count
        let start: Int
        if let prefix = Porter2.r1Prefixes.first(where: { starts(with: $0) }) {
            start = prefix.count
        } else if let after = afterVowelNonVowel(from: 0) {
            start = after
        } else {
            return
        }
        p1 = start
        if let after = afterVowelNonVowel(from: start) { p2 = after }
    }

    private func starts(with prefix: [UInt8]) -> Bool {
        guard prefix.count <= b.count else { return false }
        for k in 0..<prefix.count where b[k] != prefix[k] { return false }
        return true
    }

    /// Position just past the first vowel-then-non-vowel pair at or after `from`.
    private func afterVowelNonVowel(from: Int) -> Int? {
        let n = b.count
        var k = from
        while k < n, !Ch.isVowel(b[k]) { k += 1 }
        guard k < n else { return nil }
        k += 1
        while k < n, Ch.isVowel(b[k]) { k += 1 }
        guard k < n else { return nil }
        return k + 1
    }

    // MARK: Step 0 and 1a

    mutating func step1a() {
        // Step 0: possessive apostrophes ('s' 's ').
        let n0 = b.count
        if n0 >= 3, b[n0 - 3] == Ch.apostrophe, b[n0 - 2] == Ch.s, b[n0 - 1] == Ch.apostrophe {
            b.removeLast(3)
        } else if ends(Ch.apostrophe, Ch.s) {
            b.removeLast(2)
        } else if b.last == Ch.apostrophe {
            b.removeLast()
        }

        // Step 1a: plurals.
        let n = b.count
        guard n > 0 else { return }
        if n >= 4, b[n - 4] == Ch.s, b[n - 3] == Ch.s, b[n - 2] == Ch.e, b[n - 1] == Ch.s {
            b.removeLast(2)  // sses -> ss
        } else if n >= 3, b[n - 3] == Ch.i, b[n - 2] == Ch.e, b[n - 1] == Ch.d || b[n - 1] == Ch.s {
            // ied/ies -> i after two or more letters ("cries" -> "cri"), else ie ("ties" -> "tie").
            b.removeLast(n - 3 >= 2 ? 2 : 1)
        } else if ends(Ch.s, Ch.s) || ends(Ch.u, Ch.s) {
            // unchanged
        } else if b[n - 1] == Ch.s {
            // Delete s if a vowel occurs before the letter preceding it ("gaps" but not "gas").
            if n >= 2, hasVowel(before: n - 2) { b.removeLast() }
        }
    }

    // MARK: Step 1b

    mutating func step1b() {
        enum Kind { case eed, ing, other }
        let n = b.count
        let kind: Kind
        let length: Int
        if ends(with: Suffix.eedly) {
            (kind, length) = (.eed, 5)
        } else if ends(with: Suffix.ingly) {
            (kind, length) = (.other, 5)
        } else if ends(with: Suffix.edly) {
            (kind, length) = (.other, 4)
        } else if ends(with: Suffix.eed) {
            (kind, length) = (.eed, 3)
        } else if ends(with: Suffix.ing) {
            (kind, length) = (.ing, 3)
        } else if ends(Ch.e, Ch.d) {
            (kind, length) = (.other, 2)
        } else {
            return
        }
        let start = n - length

        switch kind {
        case .eed:
            // eed/eedly -> ee in R1, except proceed, exceed, succeed.
            if prefix(start, equals: "proc") || prefix(start, equals: "exc") || prefix(start, equals: "succ") {
                return
            }
            if start >= p1 { replaceSuffix(length: length, with: Suffix.ee) }
            return
        case .ing:
            // dying -> die, lying -> lie, tying -> tie, vying -> vie.
            if start == 2, b[1] == Ch.y, !Ch.isVowel(b[0]) {
                replaceSuffix(length: 4, with: Suffix.ie)
                return
            }
            // inning, outing, canning, herring, earring, evening stay as they are.
            if prefix(start, equals: "inn") || prefix(start, equals: "out")
                || prefix(start, equals: "cann") || prefix(start, equals: "herr")
                || prefix(start, equals: "earr") || prefix(start, equals: "even")
            {
                return
            }
        case .other:
            break
        }

        // ed, edly, ing, ingly: delete if the preceding part contains a vowel, then tidy up.
        guard hasVowel(before: start) else { return }
        b.removeLast(length)
        let m = b.count
        if ends(Ch.a, Ch.t) || ends(Ch.b, Ch.l) || ends(Ch.i, Ch.z) {
            b.append(Ch.e)  // luxuriat -> luxuriate
        } else if m >= 2, b[m - 1] == b[m - 2], Ch.isUndoubled(b[m - 1]) {
            // hopp -> hop, but not in add, egg, off, ...
            if m == 3, b[0] == Ch.a || b[0] == Ch.e || b[0] == Ch.o { return }
            b.removeLast()
        } else if m == p1, endsInShortSyllable(m) {
            b.append(Ch.e)  // hop -> hope
        }
    }

    // MARK: Step 1c

    mutating func step1c() {
        let n = b.count
        guard n >= 3, b[n - 1] == Ch.y || b[n - 1] == Ch.consonantY, !Ch.isVowel(b[n - 2]) else { return }
        b[n - 1] = Ch.i  // cry -> cri, but not say, by
    }

    // MARK: Steps 2-5

    mutating func step2() {
        let n = b.count
        for (suffix, action) in Porter2.step2Rules where ends(with: suffix) {
            let start = n - suffix.count
            guard start >= p1 else { return }
            switch action {
            case .replace(let replacement):
                replaceSuffix(length: suffix.count, with: replacement)
            case .ogi:
                if start > 0, b[start - 1] == Ch.l { b.removeLast() }
            case .li:
                if start > 0, Ch.isValidLI(b[start - 1]) { b.removeLast(2) }
            }
            return
        }
    }

    mutating func step3() {
        let n = b.count
        for (suffix, action) in Porter2.step3Rules where ends(with: suffix) {
            let start = n - suffix.count
            guard start >= p1 else { return }
            switch action {
            case .replace(let replacement):
                replaceSuffix(length: suffix.count, with: replacement)
            case .deleteInR2:
                if start >= p2 { b.removeLast(suffix.count) }
            }
            return
        }
    }

    mutating func step4() {
        let n = b.count
        for suffix in Porter2.step4Suffixes where ends(with: suffix) {
            let start = n - suffix.count
            guard start >= p2 else { return }
            if suffix == Porter2.ion {
                if start > 0, b[start - 1] == Ch.s || b[start - 1] == Ch.t { b.removeLast(3) }
            } else {
                b.removeLast(suffix.count)
            }
            return
        }
    }

    mutating func step5() {
        guard let last = b.last else { return }
        let start = b.count - 1
        if last == Ch.e {
            if start >= p2 || (start >= p1 && !endsInShortSyllable(start)) { b.removeLast() }
        } else if last == Ch.l {
            if start >= p2, start > 0, b[start - 1] == Ch.l { b.removeLast() }
        }
    }

    mutating func postlude() {
        guard yFound else { return }
        for k in b.indices where b[k] == Ch.consonantY { b[k] = Ch.y }
    }
}

/// Byte spellings of the step 1b suffixes and replacements.
private enum Suffix {
    static let eedly: [UInt8] = Array("eedly".utf8)
    static let ingly: [UInt8] = Array("ingly".utf8)
    static let edly: [UInt8] = Array("edly".utf8)
    static let eed: [UInt8] = Array("eed".utf8)
    static let ing: [UInt8] = Array("ing".utf8)
    static let ee: [UInt8] = Array("ee".utf8)
    static let ie: [UInt8] = Array("ie".utf8)
}
