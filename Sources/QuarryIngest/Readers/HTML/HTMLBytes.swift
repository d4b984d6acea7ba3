// QuarryIngest — byte and scalar helpers of the HTML scanner.

// MARK: - Byte helpers

enum Byte {
    static let lt: UInt8 = 0x3C        // <
    static let gt: UInt8 = 0x3E        // >
    static let slash: UInt8 = 0x2F     // /
    static let bang: UInt8 = 0x21      // !
    static let question: UInt8 = 0x3F  // ?
    static let amp: UInt8 = 0x26       // &
    static let hash: UInt8 = 0x23      // #
    static let semicolon: UInt8 = 0x3B // ;
    static let equals: UInt8 = 0x3D    // =
    static let dquote: UInt8 = 0x22    // "
    static let squote: UInt8 = 0x27    // '
    static let dash: UInt8 = 0x2D      // -
    static let newline: UInt8 = 0x0A
    static let cr: UInt8 = 0x0D
    static let space: UInt8 = 0x20
}

@inline(__always)
func isASCIIWhitespace(_ b: UInt8) -> Bool {
    b == 0x20 || (b >= 0x09 && b <= 0x0D)
}

@inline(__always)
func isASCIIAlpha(_ b: UInt8) -> Bool {
    let l = b | 0x20
    return l >= 0x61 && l <= 0x7A
}

@inline(__always)
func isASCIIAlphanumeric(_ b: UInt8) -> Bool {
    isASCIIAlpha(b) || (b >= 0x30 && b <= 0x39)
}

@inline(__always)
func asciiLower(_ b: UInt8) -> UInt8 {
    (b >= 0x41 && b <= 0x5A) ? b | 0x20 : b
}

/// Non-ASCII scalars with the Unicode `White_Space` property.
@inline(__always)
func isUnicodeWhitespace(_ v: UInt32) -> Bool {
    if v < 0x80 { return v == 0x20 || (v >= 0x09 && v <= 0x0D) }
    switch v {
    case 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000: return true
    default: return false
    }
}

/// Decodes one scalar at `k`, not past `limit`, with the standard library's UTF-8 parser.
/// Input comes from a Swift string, so it is valid UTF-8 and `limit` never cuts a scalar;
/// an error (or a cut) is U+FFFD over the bytes the parser rejected.
@inline(__always)
func decodeUTF8(_ s: UnsafeBufferPointer<UInt8>, _ k: Int, _ limit: Int) -> (UInt32, Int) {
    let b0 = s[k]
    if b0 < 0x80 { return (UInt32(b0), 1) }
    var bytes = UnsafeBufferPointer(rebasing: s[k ..< limit]).makeIterator()
    var parser = Unicode.UTF8.ForwardParser()
    switch parser.parseScalar(from: &bytes) {
    case .valid(let encoded): return (Unicode.UTF8.decode(encoded).value, encoded.count)
    case .error(let length): return (0xFFFD, max(1, length))
    case .emptyInput: return (0xFFFD, 1)
    }
}

/// Appends `v` as UTF-8 (the standard library's encoder); a value that is not a scalar
/// (sanitised references never produce one) is written as U+FFFD.
@inline(__always)
func appendUTF8(_ v: UInt32, to bytes: inout [UInt8]) {
    if v < 0x80 { return bytes.append(UInt8(v)) }
    Unicode.UTF8.encode(Unicode.Scalar(v) ?? "\u{FFFD}") { bytes.append($0) }
}

