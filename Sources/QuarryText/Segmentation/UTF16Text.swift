/// A string as UTF-16 code units, the form ICU works on, with conversion of UTF-16 offsets
/// to Unicode-scalar offsets, the unit every public offset in Quarry uses (the same
/// "characters" Python's `str` indexes, so clients can slice `text[start:end]`).
///
/// Conversion is free for text without surrogate pairs (nearly all text), and a single
/// prefix table otherwise.
public struct UTF16Text: Sendable {
    /// The code units.
    public let units: [UInt16]
    /// `scalarOffsets[i]` is the scalar offset of UTF-16 offset `i`; nil when the text has no
    /// surrogates and the two coincide.
    private let scalarOffsets: [Int32]?

    public init(_ string: String) {
        self.init(units: Array(string.utf16))
    }

    public init(units: [UInt16]) {
        self.units = units
        var hasSurrogates = false
        for unit in units where unit & 0xF800 == 0xD800 {
            hasSurrogates = true
            break
        }
        if hasSurrogates {
            var table = [Int32](repeating: 0, count: units.count + 1)
            var scalar: Int32 = 0
            for i in 0 ..< units.count {
                table[i] = scalar
                // A low surrogate continues the scalar begun by the high one before it.
                if !(units[i] & 0xFC00 == 0xDC00 && i > 0 && units[i - 1] & 0xFC00 == 0xD800) { scalar += 1 }
            }
            // Offsets inside a pair map to the pair's scalar; the end maps past the last one.
            for i in 0 ..< units.count where units[i] & 0xFC00 == 0xDC00 && i > 0 && units[i - 1] & 0xFC00 == 0xD800 {
                table[i] = table[i - 1]
            }
            table[units.count] = scalar
            scalarOffsets = table
        } else {
            scalarOffsets = nil
        }
    }

    /// The number of UTF-16 units.
    public var count: Int { units.count }

    /// The number of Unicode scalars.
    public var scalarCount: Int { scalarOffsets.map { Int($0[units.count]) } ?? units.count }

    /// The scalar offset of a UTF-16 offset.
    @inline(__always)
    public func scalarOffset(_ utf16Offset: Int) -> Int {
        guard let scalarOffsets else { return utf16Offset }
        return Int(scalarOffsets[utf16Offset])
    }

    /// The text between two UTF-16 offsets.
    public func string(_ range: Range<Int>) -> String {
        units.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[range]), as: UTF16.self) }
    }
}

extension UTF16Text {
    /// The UTF-16 offset of a Unicode-scalar offset (the inverse of `scalarOffset`).
    public func utf16Offset(forScalar scalar: Int) -> Int {
        guard scalarCount != units.count else { return min(max(scalar, 0), units.count) }
        // Binary search the first UTF-16 offset whose scalar offset reaches `scalar`.
        var low = 0
        var high = units.count
        while low < high {
            let mid = (low + high) / 2
            if scalarOffset(mid) < scalar { low = mid + 1 } else { high = mid }
        }
        return low
    }
}
