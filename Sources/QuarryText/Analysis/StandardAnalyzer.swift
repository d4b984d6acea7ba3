/// The language-neutral analyzer: ICU word segmentation (UAX #29, dictionaries for
/// Chinese/Japanese/Thai), NFKC case folding, and no space or punctuation tokens.
///
/// It neither stems nor drops stop words, so it is safe for any language; `EnglishAnalyzer`
/// adds both for English corpora. Equivalent in spirit to Lucene's ICUTokenizer followed by
/// ICUNormalizer2Filter(nfkc_cf).
public struct StandardAnalyzer: Analyzer {
    public let name = "standard"
    let segmenter: Segmenter

    public init(locale: String = "") {
        segmenter = Segmenter(locale: locale)
    }

    public func analyze(_ text: String) throws -> [Token] {
        let utf16 = UTF16Text(text)
        let segments = try segmenter.words(utf16)
        var tokens = [Token]()
        tokens.reserveCapacity(segments.count / 2 + 1)
        var position = 0
        utf16.units.withUnsafeBufferPointer { units in
            for segment in segments where segment.kind.isWordLike {
                let slice = UnsafeBufferPointer(rebasing: units[segment.range])
                let term = Self.fold(slice)
                guard !term.isEmpty else { continue }
                tokens.append(Token(term: term, start: utf16.scalarOffset(segment.range.lowerBound),
                                    end: utf16.scalarOffset(segment.range.upperBound), position: position))
                position += 1
            }
        }
        return tokens
    }

    /// NFKC case folding with an ASCII fast path (ASCII folds to lower-case ASCII).
    static func fold(_ units: UnsafeBufferPointer<UInt16>) -> String {
        var ascii = true
        for unit in units where unit >= 0x80 {
            ascii = false
            break
        }
        if ascii {
            return String(unsafeUninitializedCapacity: units.count) { out in
                for (i, unit) in units.enumerated() {
                    let byte = UInt8(unit)
                    out[i] = (byte >= 0x41 && byte <= 0x5A) ? byte | 0x20 : byte
                }
                return units.count
            }
        }
        return String(decoding: Normalizer.nfkcCasefold(units), as: UTF16.self)
    }
}
