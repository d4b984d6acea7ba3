import CICU

/// How many letters of a text belong to each writing system (ICU's script property, short
/// names such as "Latn", "Arab", "Hani").
///
/// Why: a query's script says which retrievers can read it. An English-only embedder maps
/// Arabic text to near-noise vectors, and fusing that noise with BM25 halves BM25's quality
/// (arcd: nDCG@10 0.80 → 0.38); hybrid search weighs the dense side by how much of the query
/// is in a script the embedder covers. Digits, punctuation and marks (ICU's Common and
/// Inherited) count for no script.
public struct ScriptProfile: Sendable, Equatable {
    /// Letters per script short name.
    public private(set) var letters: [String: Int] = [:]

    public init(_ text: String) {
        var cache: [Int32: String] = [:]
        for scalar in text.unicodeScalars where scalar.properties.isAlphabetic {
            let code = qicu_script(scalar.value)
            let name: String
            if let known = cache[code] {
                name = known
            } else {
                name = Self.name(code)
                cache[code] = name
            }
            if name == "Zyyy" || name == "Zinh" || name == "Zzzz" { continue }
            letters[name, default: 0] += 1
        }
    }

    /// All letters that belong to a script.
    public var total: Int { letters.values.reduce(0, +) }

    /// The script with the most letters (ties: alphabetical), nil for a text without letters.
    public var dominant: String? {
        letters.max { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) }?.key
    }

    /// The share of letters in `scripts`, 1 for a text without letters.
    public func fraction(in scripts: Set<String>) -> Double {
        let all = total
        guard all > 0 else { return 1 }
        return Double(letters.filter { scripts.contains($0.key) }.values.reduce(0, +)) / Double(all)
    }

    /// The script short name of one scalar ("Zyyy" for Common, "Zinh" for Inherited).
    public static func script(of scalar: Unicode.Scalar) -> String {
        name(qicu_script(scalar.value))
    }

    /// The scripts a WordPiece-style vocabulary can spell words in: those holding at least
    /// `minimumShare` of its entries with two or more letters (a "##" prefix is ignored).
    /// Single characters are left out because BERT vocabularies list thousands of them for
    /// scripts the model never learned words in: all-MiniLM-L6-v2 has 27,533 multi-letter
    /// Latin entries and 2 Arabic ones.
    public static func vocabularyScripts<S: Sequence>(_ tokens: S, minimumShare: Double = 0.02) -> Set<String>
        where S.Element == String {
        var counts: [String: Int] = [:]
        var total = 0
        var cache: [Int32: String] = [:]
        for token in tokens {
            let body = token.hasPrefix("##") ? token.dropFirst(2) : Substring(token)
            var letters = 0
            var first: Unicode.Scalar?
            for scalar in body.unicodeScalars where scalar.properties.isAlphabetic {
                letters += 1
                if first == nil { first = scalar }
                if letters >= 2 { break }
            }
            guard letters >= 2, let first else { continue }
            let code = qicu_script(first.value)
            let name = cache[code] ?? name(code)
            cache[code] = name
            if name == "Zyyy" || name == "Zinh" || name == "Zzzz" { continue }
            counts[name, default: 0] += 1
            total += 1
        }
        guard total > 0 else { return [] }
        return Set(counts.filter { Double($0.value) >= minimumShare * Double(total) }.keys)
    }

    static func name(_ code: Int32) -> String {
        var buffer = [CChar](repeating: 0, count: 16)
        let length = qicu_script_name(code, &buffer, Int32(buffer.count))
        guard length > 0 else { return "Zzzz" }
        return String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
