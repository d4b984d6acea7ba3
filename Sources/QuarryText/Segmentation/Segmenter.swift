import CICU

/// What kind of text a word segment holds, from ICU's rule status.
public enum SegmentKind: Sendable, Equatable {
    /// Whitespace, punctuation and symbols (UBRK_WORD_NONE).
    case none
    /// A number (UBRK_WORD_NUMBER).
    case number
    /// Letters (UBRK_WORD_LETTER).
    case letter
    /// Japanese kana (UBRK_WORD_KANA).
    case kana
    /// Ideographs (UBRK_WORD_IDEO).
    case ideograph

    init(status: Int32) {
        switch status {
        case 100 ..< 200: self = .number
        case 200 ..< 300: self = .letter
        case 300 ..< 400: self = .kana
        case 400 ..< 500: self = .ideograph
        default: self = .none
        }
    }

    /// Whether the segment is a word-like token (not space or punctuation).
    public var isWordLike: Bool { self != .none }
}

/// A segment: a UTF-16 range of a `UTF16Text` and its kind.
public struct Segment: Sendable, Equatable {
    public var range: Range<Int>
    public var kind: SegmentKind
}

/// Word and sentence segmentation with ICU break iterators (UAX #29), dictionary-based for
/// Chinese, Japanese, Thai, Lao, Khmer and Burmese in any locale.
///
/// All boundaries of a text are fetched in one C call into a buffer (building a Swift
/// value per boundary through the C interface costs far more than ICU's own ~30 ns).
public struct Segmenter: Sendable {
    /// The ICU locale ("" for root). Root is right for mixed-language corpora; a locale only
    /// tailors a few rules (e.g. Swedish, or suppressions after abbreviations).
    public var locale: String

    public init(locale: String = "") {
        self.locale = locale
    }

    /// Word segments, including spaces and punctuation (filter on `kind.isWordLike`).
    public func words(_ text: UTF16Text) throws -> [Segment] {
        try segments(kind: Int32(QICU_BREAK_WORD), text)
    }

    /// Sentence segments. Paragraph separators (newlines) always end a sentence.
    public func sentences(_ text: UTF16Text) throws -> [Segment] {
        try segments(kind: Int32(QICU_BREAK_SENTENCE), text)
    }

    private func segments(kind: Int32, _ text: UTF16Text) throws -> [Segment] {
        let length = text.count
        guard length > 0 else { return [] }
        guard length < Int(Int32.max) else { throw TextError(code: .tooLong, detail: "\(length) UTF-16 units") }
        var boundaries = [Int32](repeating: 0, count: length + 1)
        var statuses = [Int32](repeating: 0, count: length + 1)
        var error: Int32 = 0
        let count = text.units.withUnsafeBufferPointer { units in
            locale.withCString { loc in
                qicu_boundaries(kind, units.baseAddress, Int32(length), loc, &boundaries, &statuses, Int32(length + 1), &error)
            }
        }
        guard count >= 0 else { throw TextError(code: .icu, detail: String(cString: qicu_error_name(error))) }
        var result = [Segment]()
        result.reserveCapacity(Int(count))
        for i in 1 ..< Int(count) {
            result.append(Segment(range: Int(boundaries[i - 1]) ..< Int(boundaries[i]), kind: SegmentKind(status: statuses[i])))
        }
        return result
    }
}

/// The version of the system ICU in use.
public var icuVersion: String {
    var buffer = [CChar](repeating: 0, count: 32)
    qicu_version(&buffer, 32)
    return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// A text-analysis failure.
public struct TextError: Error, CustomStringConvertible, Sendable {
    public enum Code: String, Sendable { case icu, tooLong, unknownAnalyzer }
    public var code: Code
    public var detail: String

    public var description: String {
        switch code {
        case .icu: "ICU failed: \(detail)"
        case .tooLong: "text too long for segmentation: \(detail)"
        case .unknownAnalyzer: "unknown analyzer \(detail) (known: \(Analyzers.names.joined(separator: ", ")))"
        }
    }
}
